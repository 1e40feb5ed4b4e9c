//! The human reports: a statewide workbook and page, and one workbook and page per office.
//!
//! `ReportModel::build` turns results into exactly what one report shows (pure, with small-cell
//! suppression applied where configured); `workbook` and `html` render a model to bytes.
//! Nothing here touches the disk, the clock or the environment.

pub mod html;
pub mod suppression;
pub mod text;
pub mod workbook;

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::calendar::Period;
use crate::config::{Config, SuppressionScope};
use crate::ingest::ExtractReport;
use crate::ingest::columns::Extract;
use crate::measures::{CaseStatus, PeriodKind, REGISTRY};
use crate::output::manifest::{InputEntry, input_entries};
use crate::results::{CaseRow, Counts, Results, STATEWIDE};
use suppression::{Figure, SmallCellRule};

/// Whose report this is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Statewide,
    Office(String),
}

impl Scope {
    pub fn display_name(&self) -> &str {
        match self {
            Self::Statewide => STATEWIDE,
            Self::Office(name) => name,
        }
    }
}

/// On track, off track, or why neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    OnTrack,
    OffTrack,
    NoTarget,
    NoData,
    Suppressed,
}

impl Status {
    pub fn of(figure: Figure, target: Option<f64>) -> Self {
        match (figure, target) {
            (Figure::Suppressed, _) => Self::Suppressed,
            (Figure::Shown(counts), _) if counts.denominator == 0 => Self::NoData,
            (Figure::Shown(_), None) => Self::NoTarget,
            (Figure::Shown(counts), Some(target)) => {
                if counts.rate().is_some_and(|rate| rate >= target) {
                    Self::OnTrack
                } else {
                    Self::OffTrack
                }
            }
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::OnTrack => "on track",
            Self::OffTrack => "off track",
            Self::NoTarget => "no target",
            Self::NoData => "no data",
            Self::Suppressed => "suppressed",
        }
    }
}

pub struct MeasureLine {
    pub id: &'static str,
    pub title: &'static str,
    pub definition: String,
    pub target: Option<f64>,
}

/// One line of the summary: a measure for one office (or Statewide), beside the statewide
/// figure.
pub struct SummaryLine {
    pub measure: usize,
    pub office: String,
    pub figure: Figure,
    pub statewide: Figure,
    pub status: Status,
    pub overdue: usize,
    pub due_soon: usize,
}

pub struct EquityLine {
    pub measure: usize,
    pub office: String,
    pub group: String,
    pub group_figure: Figure,
    pub others_figure: Figure,
}

pub struct QualityLine {
    pub extract: &'static str,
    /// Path, size, SHA-256 and row counts, as in the manifest.
    pub input: InputEntry,
    /// ("rejected" | "orphaned", reason, rows)
    pub reasons: Vec<(&'static str, String, u64)>,
}

/// Everything one report shows.
pub struct ReportModel {
    pub scope: Scope,
    pub title: String,
    pub as_of: NaiveDate,
    pub reporting_period: Period,
    pub program_version: &'static str,
    pub measures: Vec<MeasureLine>,
    pub summary: Vec<SummaryLine>,
    /// The 12 calendar months of the trend, oldest first.
    pub trend_months: Vec<Period>,
    /// `trend[measure][month]` for the report's own scope.
    pub trend: Vec<Vec<Figure>>,
    /// `None` when suppression withholds the case lists.
    pub cases: Option<Vec<CaseRow>>,
    pub equity: Vec<EquityLine>,
    pub quality: Vec<QualityLine>,
    pub timeframes: Vec<(&'static str, u32)>,
    pub configuration_sha256: String,
    /// Set when small-cell suppression was applied, saying how.
    pub suppression_note: Option<String>,
}

/// The headline and monthly counts of one (measure, office-or-Statewide).
struct Series {
    headline: Counts,
    months: Vec<Counts>,
}

impl ReportModel {
    pub fn build(
        results: &Results,
        scope: Scope,
        config: &Config,
        extract_reports: &BTreeMap<Extract, ExtractReport>,
    ) -> Self {
        let suppression = config.reports.suppression;
        let rule = suppression.enabled.then_some(SmallCellRule {
            threshold: suppression.threshold,
        });
        let suppress_here = rule.filter(|_| match suppression.scope {
            SuppressionScope::Statewide => scope == Scope::Statewide,
            SuppressionScope::All => true,
        });

        let mut series: crate::FastHashMap<(&'static str, String), Series> = Default::default();
        for row in &results.rates {
            let entry = series.entry((row.measure, row.office.clone())).or_insert(Series {
                headline: Counts::default(),
                months: Vec::new(),
            });
            match row.kind {
                PeriodKind::Headline => entry.headline = row.counts,
                PeriodKind::Month => entry.months.push(row.counts),
            }
        }
        let counts_of = |measure: &'static str, office: &str| series_of(&series, measure, office);

        let measures: Vec<MeasureLine> = REGISTRY
            .iter()
            .map(|measure| MeasureLine {
                id: measure.id(),
                title: measure.title(),
                definition: measure.definition(&config.timeframes),
                target: config.targets.get(measure.id()).copied(),
            })
            .collect();

        // Cases per (office, measure, status), counted once: an office's report needs only its
        // own; the statewide report needs every office's and the (Statewide, measure, status)
        // totals.
        let mut case_counts: crate::FastHashMap<(&str, &str, CaseStatus), usize> = Default::default();
        for case in &results.cases {
            match &scope {
                Scope::Statewide => {
                    *case_counts.entry((STATEWIDE, case.measure, case.status)).or_insert(0) += 1;
                }
                Scope::Office(name) if *name != case.office => continue,
                Scope::Office(_) => {}
            }
            *case_counts
                .entry((case.office.as_str(), case.measure, case.status))
                .or_insert(0) += 1;
        }
        let case_count = |office: &str, measure: &str, status: CaseStatus| {
            case_counts.get(&(office, measure, status)).copied().unwrap_or(0)
        };

        let mut summary = Vec::new();
        let mut trend = Vec::new();
        for (index, measure) in measures.iter().enumerate() {
            let office_counts: Vec<Counts> = results
                .offices
                .iter()
                .map(|office| counts_of(measure.id, office).headline)
                .collect();
            let statewide_counts = counts_of(measure.id, STATEWIDE).headline;
            let (office_figures, statewide_figure) = match suppress_here {
                Some(rule) => rule.partition(&office_counts, statewide_counts),
                None => (
                    office_counts.iter().map(|&counts| Figure::Shown(counts)).collect(),
                    Figure::Shown(statewide_counts),
                ),
            };
            let line = |office: &str, figure: Figure| SummaryLine {
                measure: index,
                office: office.to_string(),
                figure,
                statewide: statewide_figure,
                status: Status::of(figure, measure.target),
                overdue: case_count(office, measure.id, CaseStatus::Overdue),
                due_soon: case_count(office, measure.id, CaseStatus::DueSoon),
            };
            match &scope {
                Scope::Statewide => {
                    summary.push(line(STATEWIDE, statewide_figure));
                    for (office, &figure) in results.offices.iter().zip(&office_figures) {
                        summary.push(line(office, figure));
                    }
                }
                Scope::Office(name) => {
                    let position = results.offices.iter().position(|office| office == name);
                    let figure = position.map_or(Figure::Shown(Counts::default()), |at| office_figures[at]);
                    summary.push(line(name, figure));
                }
            }
            let months = &counts_of(measure.id, scope.display_name()).months;
            trend.push(
                months
                    .iter()
                    .map(|&counts| suppress_here.map_or(Figure::Shown(counts), |rule| rule.single(counts)))
                    .collect(),
            );
        }

        let cases = if suppress_here.is_some() {
            None
        } else {
            Some(
                results
                    .cases
                    .iter()
                    .filter(|case| match &scope {
                        Scope::Statewide => true,
                        Scope::Office(name) => &case.office == name,
                    })
                    .cloned()
                    .collect(),
            )
        };

        let equity = equity_lines(results, &scope, &measures, suppress_here);
        let mut inputs = input_entries(extract_reports);
        let quality = extract_reports
            .iter()
            .filter_map(|(extract, report)| {
                let mut reasons: Vec<(&'static str, String, u64)> = report
                    .rejected_by_kind()
                    .into_iter()
                    .map(|(reason, rows)| ("rejected", reason.to_string(), rows))
                    .collect();
                reasons.extend(
                    report
                        .orphaned_by_reason
                        .iter()
                        .map(|(reason, &rows)| ("orphaned", reason.to_string(), rows)),
                );
                Some(QualityLine {
                    extract: extract.name(),
                    input: inputs.remove(extract.name())?,
                    reasons,
                })
            })
            .collect();

        let timeframes = &config.timeframes;
        ReportModel {
            title: format!("Permanency report — {}", scope.display_name()),
            scope,
            as_of: results.as_of,
            reporting_period: results.reporting_period,
            program_version: env!("CARGO_PKG_VERSION"),
            measures,
            summary,
            trend_months: Period::trend_months(results.as_of),
            trend,
            cases,
            equity,
            quality,
            timeframes: vec![
                ("reunification_months", timeframes.reunification_months),
                ("guardianship_months", timeframes.guardianship_months),
                ("adoption_months", timeframes.adoption_months),
                (
                    "entry_cohort_permanency_months",
                    timeframes.entry_cohort_permanency_months,
                ),
                ("short_stay_days", timeframes.short_stay_days),
                ("adult_age_months", timeframes.adult_age_months),
                ("relative_notice_days", timeframes.relative_notice_days),
                ("initial_joint_days", timeframes.initial_joint_days),
                ("emergency_team_business_days", timeframes.emergency_team_business_days),
                ("teaming_interval_days", timeframes.teaming_interval_days),
                ("due_soon_days", timeframes.due_soon_days),
            ],
            configuration_sha256: config.digest.clone(),
            suppression_note: suppress_here.map(|rule| {
                format!(
                    "Small-cell suppression: figures with a count from 1 to {} are masked, with complementary \
                     suppression so that no masked figure can be derived from a total; case lists are not included.",
                    rule.threshold
                )
            }),
        }
    }
}

/// Every (measure, office or Statewide) has a series: `results::compute` writes one for each.
fn series_of<'a>(
    series: &'a crate::FastHashMap<(&'static str, String), Series>,
    measure: &'static str,
    office: &str,
) -> &'a Series {
    &series[&(measure, office.to_string())]
}

/// Each group beside all other children, for the report's scope (the statewide report shows
/// every office and Statewide; an office report its own office).
fn equity_lines(
    results: &Results,
    scope: &Scope,
    measures: &[MeasureLine],
    rule: Option<SmallCellRule>,
) -> Vec<EquityLine> {
    let mut by_scope: BTreeMap<(&str, &str), Vec<&crate::results::EquityRow>> = BTreeMap::new();
    for row in &results.equity {
        let wanted = match scope {
            Scope::Statewide => true,
            Scope::Office(name) => &row.office == name,
        };
        if wanted {
            by_scope
                .entry((row.measure, row.office.as_str()))
                .or_default()
                .push(row);
        }
    }
    let mut lines = Vec::new();
    for (index, measure) in measures.iter().enumerate() {
        let mut offices: Vec<&str> = by_scope
            .keys()
            .filter(|(id, _)| *id == measure.id)
            .map(|(_, office)| *office)
            .collect();
        // Statewide first, then offices alphabetically.
        offices.sort_by_key(|office| (*office != STATEWIDE, *office));
        for office in offices {
            let rows = &by_scope[&(measure.id, office)];
            let parts: Vec<Counts> = rows.iter().map(|row| row.group_counts).collect();
            let total = rows.first().map_or(Counts::default(), |row| Counts {
                numerator: row.group_counts.numerator + row.others_counts.numerator,
                denominator: row.group_counts.denominator + row.others_counts.denominator,
            });
            let figures: Vec<(Figure, Figure)> = match rule {
                None => rows
                    .iter()
                    .map(|row| (Figure::Shown(row.group_counts), Figure::Shown(row.others_counts)))
                    .collect(),
                Some(rule) => {
                    // A group and "all others" add up to the total: mask them together.
                    let (group_figures, _) = rule.partition(&parts, total);
                    rows.iter()
                        .zip(group_figures)
                        .map(|(row, figure)| {
                            if figure.is_suppressed() || rule.is_small(row.others_counts) {
                                (Figure::Suppressed, Figure::Suppressed)
                            } else {
                                (figure, Figure::Shown(row.others_counts))
                            }
                        })
                        .collect()
                }
            };
            for (row, (group_figure, others_figure)) in rows.iter().zip(figures) {
                lines.push(EquityLine {
                    measure: index,
                    office: office.to_string(),
                    group: row.group.clone(),
                    group_figure,
                    others_figure,
                });
            }
        }
    }
    lines
}

/// How a page or mail says `days_overdue`: "12" when overdue, "due today", "due in 33 days".
pub fn days_overdue_text(days_overdue: i64) -> String {
    match days_overdue {
        days if days > 0 => days.to_string(),
        0 => "due today".to_string(),
        days => format!("due in {} days", -days),
    }
}

/// At most this many cases per measure in a page or a mail's text; the workbook has them all.
pub const CASES_SHOWN_PER_MEASURE: usize = 50;

/// The cases a page or mail shows (the first `CASES_SHOWN_PER_MEASURE` of each measure, which
/// come most overdue first) and, per measure, how many more only the workbook lists.
pub fn cases_to_show(cases: &[CaseRow]) -> (Vec<&CaseRow>, Vec<(&'static str, usize)>) {
    let mut shown = Vec::new();
    let mut more: Vec<(&'static str, usize)> = Vec::new();
    let mut per_measure: BTreeMap<&'static str, usize> = BTreeMap::new();
    for case in cases {
        let count = per_measure.entry(case.measure).or_insert(0);
        *count += 1;
        if *count <= CASES_SHOWN_PER_MEASURE {
            shown.push(case);
        } else {
            match more.iter_mut().find(|(measure, _)| *measure == case.measure) {
                Some((_, extra)) => *extra += 1,
                None => more.push((case.measure, 1)),
            }
        }
    }
    (shown, more)
}

/// File names for each report: `statewide`, and `office-<name>` with the name made safe for
/// file systems; distinct offices always get distinct names.
pub fn report_file_stems(offices: &[String]) -> Vec<(Scope, String)> {
    let mut stems = vec![(Scope::Statewide, "statewide".to_string())];
    let mut used = std::collections::BTreeSet::new();
    for office in offices {
        let slug: String = office
            .chars()
            .map(|character| {
                if character.is_ascii_alphanumeric() {
                    character.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect::<String>()
            .split('-')
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let base = if slug.is_empty() {
            "office".to_string()
        } else {
            format!("office-{slug}")
        };
        let mut stem = base.clone();
        let mut number = 2;
        while !used.insert(stem.clone()) {
            stem = format!("{base}-{number}");
            number += 1;
        }
        stems.push((Scope::Office(office.clone()), stem));
    }
    stems
}

/// One report, rendered: its model (for the mail's text and HTML parts), its file stem and its
/// workbook and page bytes.
pub struct RenderedReport {
    pub model: ReportModel,
    pub stem: String,
    pub workbook: Vec<u8>,
    pub page: String,
}

impl RenderedReport {
    pub fn workbook_name(&self) -> String {
        format!("{}.xlsx", self.stem)
    }

    pub fn page_name(&self) -> String {
        format!("{}.html", self.stem)
    }
}

/// Renders every report: `<stem>.xlsx` and `<stem>.html` for Statewide and each office.
pub fn render_all(
    results: &Results,
    config: &Config,
    extract_reports: &BTreeMap<Extract, ExtractReport>,
) -> anyhow::Result<Vec<RenderedReport>> {
    let render_one = |(scope, stem): (Scope, String)| -> anyhow::Result<RenderedReport> {
        let model = ReportModel::build(results, scope, config, extract_reports);
        Ok(RenderedReport {
            workbook: workbook::render(&model)?,
            page: html::render(&model, None),
            stem,
            model,
        })
    };
    // Two threads take the next report from a shared counter. The statewide report (every
    // case, the largest by far) is first in `report_file_stems`, so the offices fill in
    // around it.
    let stems: Vec<(usize, (Scope, String))> = report_file_stems(&results.offices).into_iter().enumerate().collect();
    let next_report = std::sync::atomic::AtomicUsize::new(0);
    let worker = || -> anyhow::Result<Vec<(usize, RenderedReport)>> {
        let mut done = Vec::new();
        while let Some((index, item)) = stems.get(next_report.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
            done.push((*index, render_one(item.clone())?));
        }
        Ok(done)
    };
    let (first, second) = std::thread::scope(|scope| {
        let helper = scope.spawn(worker);
        let first = worker();
        (
            first,
            helper.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        )
    });
    let mut rendered: Vec<(usize, RenderedReport)> = first?.into_iter().chain(second?).collect();
    rendered.sort_by_key(|(index, _)| *index);
    Ok(rendered.into_iter().map(|(_, report)| report).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe_and_distinct() {
        let offices = ["New Haven", "New-Haven", "<script>", "=HYPERLINK(\"x\")", "../etc"].map(String::from);
        let stems: Vec<String> = report_file_stems(&offices).into_iter().map(|(_, stem)| stem).collect();
        assert_eq!(
            stems,
            [
                "statewide",
                "office-new-haven",
                "office-new-haven-2",
                "office-script",
                "office-hyperlink-x",
                "office-etc"
            ]
        );
    }

    #[test]
    fn status_compares_the_rate_with_the_target() {
        let figure = |numerator, denominator| Figure::Shown(Counts { numerator, denominator });
        assert_eq!(Status::of(figure(3, 4), Some(0.75)), Status::OnTrack);
        assert_eq!(Status::of(figure(2, 4), Some(0.75)), Status::OffTrack);
        assert_eq!(Status::of(figure(0, 0), Some(0.75)), Status::NoData);
        assert_eq!(Status::of(figure(1, 4), None), Status::NoTarget);
        assert_eq!(Status::of(Figure::Suppressed, Some(0.5)), Status::Suppressed);
    }
}
