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
use crate::engine::{CaseRow, Counts, Results};
use crate::extracts::Extract;
use crate::ingest::ExtractReport;
use crate::measures::{CaseStatus, Direction, PeriodKind, REGISTRY};
use crate::output::manifest::{InputEntry, input_entries};
use crate::performance::FastHashMap;
pub use crate::scope::Scope;
use suppression::{Figure, SmallCellRule};

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
    /// The figure against its target, in the measure's direction.
    pub fn of(figure: Figure, target: Option<f64>, direction: Direction) -> Self {
        match (figure, target) {
            (Figure::Suppressed, _) => Self::Suppressed,
            (Figure::Shown(counts), _) if counts.denominator == 0 => Self::NoData,
            (Figure::Shown(_), None) => Self::NoTarget,
            (Figure::Shown(counts), Some(target)) => {
                if counts.rate().is_some_and(|rate| direction.meets(rate, target)) {
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
    pub direction: Direction,
}

/// One line of the summary: a measure for one scope (an office or statewide), beside the
/// statewide figure.
pub struct SummaryLine {
    pub measure: usize,
    pub scope: Scope,
    pub figure: Figure,
    pub statewide: Figure,
    pub status: Status,
    pub overdue: usize,
    pub due_soon: usize,
}

pub struct EquityLine {
    pub measure: usize,
    pub scope: Scope,
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

/// The headline and monthly counts of one (measure, office or statewide).
struct Series {
    headline: Counts,
    months: Vec<Counts>,
}

/// Every measure's series, by (measure, scope).
struct SeriesIndex<'a>(FastHashMap<(&'static str, &'a Scope), Series>);

impl<'a> SeriesIndex<'a> {
    fn new(results: &'a Results) -> Self {
        let mut series: FastHashMap<(&'static str, &'a Scope), Series> = Default::default();
        for row in &results.rates {
            let entry = series.entry((row.measure, &row.scope)).or_insert(Series {
                headline: Counts::default(),
                months: Vec::new(),
            });
            match row.kind {
                PeriodKind::Headline => entry.headline = row.counts,
                PeriodKind::Month => entry.months.push(row.counts),
            }
        }
        Self(series)
    }

    /// Every (measure, office or statewide) has a series: the engine writes one for each.
    fn of(&self, measure: &'static str, scope: &'a Scope) -> &Series {
        &self.0[&(measure, scope)]
    }
}

/// Cases per (office or statewide, measure, status), counted once for a report.
struct CaseCounts(FastHashMap<(Scope, &'static str, CaseStatus), usize>);

impl CaseCounts {
    /// An office's report needs only its own counts; the statewide report every office's and
    /// the statewide totals.
    fn new(results: &Results, scope: &Scope) -> Self {
        let mut counts: FastHashMap<(Scope, &'static str, CaseStatus), usize> = Default::default();
        for case in &results.cases {
            let office = Scope::Office {
                office: case.office.clone(),
            };
            if !scope.contains(&office) {
                continue;
            }
            if *scope == Scope::Statewide {
                *counts.entry((Scope::Statewide, case.measure, case.status)).or_insert(0) += 1;
            }
            *counts.entry((office, case.measure, case.status)).or_insert(0) += 1;
        }
        Self(counts)
    }

    fn get(&self, scope: &Scope, measure: &'static str, status: CaseStatus) -> usize {
        self.0.get(&(scope.clone(), measure, status)).copied().unwrap_or(0)
    }
}

impl ReportModel {
    /// "Newest dates in the extracts: removals 2026-10-31, …": how fresh the night's data was.
    pub fn newest_dates_line(&self) -> String {
        let dates: Vec<String> = self
            .quality
            .iter()
            .map(|line| {
                format!(
                    "{} {}",
                    line.extract,
                    line.input.newest_date.as_deref().unwrap_or("none")
                )
            })
            .collect();
        format!("Newest dates in the extracts: {}", dates.join(", "))
    }

    pub fn build(
        results: &Results,
        scope: Scope,
        config: &Config,
        extract_reports: &BTreeMap<Extract, ExtractReport>,
    ) -> Self {
        let suppress_here = suppression_rule(config, &scope);
        let measures = measure_lines(config);
        let (summary, trend) = summary_and_trend(results, &scope, &measures, suppress_here);
        let cases = suppress_here.is_none().then(|| {
            results
                .cases
                .iter()
                .filter(|case| scope.office_name().is_none_or(|office| office == &*case.office))
                .cloned()
                .collect()
        });
        let equity = equity_lines(results, &scope, &measures, suppress_here);
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
            quality: quality_lines(extract_reports),
            timeframes: config.timeframes.entries(),
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

/// The small-cell rule, when the configuration applies it to this scope's report.
fn suppression_rule(config: &Config, scope: &Scope) -> Option<SmallCellRule> {
    let suppression = config.reports.suppression;
    let rule = suppression.enabled.then_some(SmallCellRule {
        threshold: suppression.threshold,
    });
    rule.filter(|_| match suppression.scope {
        SuppressionScope::Statewide => *scope == Scope::Statewide,
        SuppressionScope::All => true,
    })
}

/// What the reports say about each registered measure.
fn measure_lines(config: &Config) -> Vec<MeasureLine> {
    REGISTRY
        .iter()
        .map(|measure| MeasureLine {
            id: measure.id(),
            title: measure.title(),
            definition: measure.definition(&config.timeframes),
            target: config.targets.get(measure.id()).copied(),
            direction: measure.direction(),
        })
        .collect()
}

/// The summary lines (statewide and every office for the statewide report, the office for an
/// office's) and the report's own trend, suppressed where the rule applies.
fn summary_and_trend(
    results: &Results,
    scope: &Scope,
    measures: &[MeasureLine],
    suppress_here: Option<SmallCellRule>,
) -> (Vec<SummaryLine>, Vec<Vec<Figure>>) {
    let series = SeriesIndex::new(results);
    let case_counts = CaseCounts::new(results, scope);
    let office_scopes: Vec<Scope> = results
        .offices
        .iter()
        .map(|office| Scope::Office { office: office.clone() })
        .collect();
    let mut summary = Vec::new();
    let mut trend = Vec::new();
    for (index, measure) in measures.iter().enumerate() {
        let office_counts: Vec<Counts> = office_scopes
            .iter()
            .map(|office| series.of(measure.id, office).headline)
            .collect();
        let statewide_counts = series.of(measure.id, &Scope::Statewide).headline;
        let (office_figures, statewide_figure) = match suppress_here {
            Some(rule) => rule.partition(&office_counts, statewide_counts),
            None => (
                office_counts.iter().map(|&counts| Figure::Shown(counts)).collect(),
                Figure::Shown(statewide_counts),
            ),
        };
        let line = |line_scope: &Scope, figure: Figure| SummaryLine {
            measure: index,
            scope: line_scope.clone(),
            figure,
            statewide: statewide_figure,
            status: Status::of(figure, measure.target, measure.direction),
            overdue: case_counts.get(line_scope, measure.id, CaseStatus::Overdue),
            due_soon: case_counts.get(line_scope, measure.id, CaseStatus::DueSoon),
        };
        if *scope == Scope::Statewide {
            summary.push(line(&Scope::Statewide, statewide_figure));
            for (office, &figure) in office_scopes.iter().zip(&office_figures) {
                summary.push(line(office, figure));
            }
        } else {
            let position = office_scopes.iter().position(|office| office == scope);
            let figure = position.map_or(Figure::Shown(Counts::default()), |at| office_figures[at]);
            summary.push(line(scope, figure));
        }
        let months = &series.of(measure.id, scope).months;
        trend.push(
            months
                .iter()
                .map(|&counts| suppress_here.map_or(Figure::Shown(counts), |rule| rule.single(counts)))
                .collect(),
        );
    }
    (summary, trend)
}

/// Each extract's row counts and reasons, as in the manifest.
fn quality_lines(extract_reports: &BTreeMap<Extract, ExtractReport>) -> Vec<QualityLine> {
    let mut inputs = input_entries(extract_reports);
    extract_reports
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
        .collect()
}

/// Each group beside all other children, for the report's scope (the statewide report shows
/// every office and Statewide; an office report its own office).
fn equity_lines(
    results: &Results,
    scope: &Scope,
    measures: &[MeasureLine],
    rule: Option<SmallCellRule>,
) -> Vec<EquityLine> {
    // By measure, then statewide first and offices alphabetically.
    let mut by_scope: BTreeMap<(&str, bool, &str), Vec<&crate::engine::EquityRow>> = BTreeMap::new();
    for row in &results.equity {
        if scope.contains(&row.scope) {
            let key = (row.measure, row.scope != Scope::Statewide, row.scope.office_label());
            by_scope.entry(key).or_default().push(row);
        }
    }
    let mut lines = Vec::new();
    for (index, measure) in measures.iter().enumerate() {
        for (_, rows) in by_scope
            .range((measure.id, false, "")..)
            .take_while(|((id, ..), _)| *id == measure.id)
        {
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
                    scope: row.scope.clone(),
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

/// File names for each report: `statewide`, and `office-<name>` (`scope::file_stem`: a
/// function of the office's name alone, safe for file systems, distinct for distinct offices).
pub fn report_file_stems(offices: &[crate::scope::Name]) -> Vec<(Scope, String)> {
    let mut stems = vec![(Scope::Statewide, "statewide".to_string())];
    for office in offices {
        stems.push((
            Scope::Office { office: office.clone() },
            crate::scope::file_stem("office", office),
        ));
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
    // Two threads take the next report in turn. The statewide report (every case, the
    // largest by far) is first in `report_file_stems`, so the offices fill in around it.
    let stems = report_file_stems(&results.offices);
    crate::performance::work_queue::map_on_two_threads(&stems, |item| render_one(item.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stem_depends_on_its_office_alone() {
        let alone = report_file_stems(&[crate::scope::Name::from("Hartford")]);
        let with_others = report_file_stems(&["HARTFORD 2", "Hartford", "hartford!"].map(crate::scope::Name::from));
        assert_eq!(alone[1].1, "office-hartford");
        assert_eq!(with_others[2].1, "office-hartford");
        assert_eq!(alone[0].1, "statewide");
    }

    #[test]
    fn status_compares_the_rate_with_the_target() {
        let figure = |numerator, denominator| Figure::Shown(Counts { numerator, denominator });
        let higher = Direction::HigherIsBetter;
        assert_eq!(Status::of(figure(3, 4), Some(0.75), higher), Status::OnTrack);
        assert_eq!(Status::of(figure(2, 4), Some(0.75), higher), Status::OffTrack);
        assert_eq!(Status::of(figure(0, 0), Some(0.75), higher), Status::NoData);
        assert_eq!(Status::of(figure(1, 4), None, higher), Status::NoTarget);
        assert_eq!(Status::of(Figure::Suppressed, Some(0.5), higher), Status::Suppressed);
        // Lower is better: at or below the target is on track.
        let lower = Direction::LowerIsBetter;
        assert_eq!(Status::of(figure(1, 20), Some(0.05), lower), Status::OnTrack);
        assert_eq!(Status::of(figure(2, 20), Some(0.05), lower), Status::OffTrack);
    }
}
