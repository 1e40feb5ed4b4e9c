//! What one report shows (`ReportModel::build`, pure): the headline summary beside statewide,
//! the trend, the units (and in a unit's report its workers), the action list, equity and data
//! quality, section by section, with small-cell suppression applied where configured.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::calendar::Period;
use crate::config::{Config, SuppressionScope};
use crate::engine::{CaseCounts, CaseRow, Counts, Results, StatusCounts};
use crate::extracts::Extract;
use crate::ingest::ExtractReport;
use crate::ingest::office_quality::{OfficeExtractQuality, OfficeQuality};
use crate::measures::{Direction, PeriodKind, RateDisplay, Section};
use crate::model::StaffMember;
use crate::output::manifest::{InputEntry, input_entries};
use crate::performance::FastHashMap;
use crate::reports::actions::ActionOrder;
use crate::reports::suppression::{Figure, SmallCellRule};
use crate::scope::Scope;

/// On track, off track, or why neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    OnTrack,
    OffTrack,
    NoTarget,
    NoData,
    /// A rate from fewer than `reports.min_denominator` cases: shown, never judged.
    TooFew,
    Suppressed,
}

impl Status {
    /// The figure against its target, in the measure's direction; a denominator below
    /// `min_denominator` is too few to judge.
    pub fn of(figure: Figure, target: Option<f64>, direction: Direction, min_denominator: u64) -> Self {
        match (figure, target) {
            (Figure::Suppressed, _) => Self::Suppressed,
            (Figure::Shown(counts), _) if counts.denominator == 0 => Self::NoData,
            (Figure::Shown(_), None) => Self::NoTarget,
            (Figure::Shown(counts), Some(_)) if counts.denominator < min_denominator => Self::TooFew,
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
            Self::TooFew => "too few to judge",
            Self::Suppressed => "suppressed",
        }
    }

    /// Whether the status says on or off track (the others are shown in grey).
    pub fn is_judged(self) -> bool {
        matches!(self, Self::OnTrack | Self::OffTrack)
    }

    /// The status against the national performance, in words.
    pub fn national_label(self) -> &'static str {
        match self {
            Self::OnTrack => "meets national",
            Self::OffTrack => "worse than national",
            Self::NoTarget => "no national figure",
            Self::NoData => "no data",
            Self::TooFew => "too few to judge",
            Self::Suppressed => "suppressed",
        }
    }
}

pub struct MeasureLine {
    pub id: &'static str,
    pub title: &'static str,
    /// A few words for narrow places.
    pub short: &'static str,
    pub section: Section,
    pub definition: String,
    /// As a rate (numerator / denominator).
    pub target: Option<f64>,
    pub direction: Direction,
    /// How its rates (and target and national figure) are shown.
    pub display: RateDisplay,
    /// National performance (CFSR Round 4) beside a federal indicator, as a rate.
    pub national: Option<f64>,
    /// Whether it lists children overdue or due soon (else those counts are "—").
    pub has_case_list: bool,
}

impl MeasureLine {
    /// A rate of this measure as a reader sees it (`75.0%`, `4.48 per 1,000 days`, `—`).
    pub fn rate_text(&self, rate: Option<f64>) -> String {
        self.display.format(rate)
    }

    /// A rate for a narrow table cell.
    pub fn compact_rate(&self, rate: Option<f64>) -> String {
        self.display.compact(rate)
    }

    /// Whether `group` is worse than `others` by a margin worth flagging: 10 percentage points
    /// in the measure's direction (rates per 1,000 days are not flagged), with at least
    /// `min_denominator` on both sides.
    pub fn gap_is_notable(&self, group: Counts, others: Counts, min_denominator: u64) -> bool {
        let (Some(group_rate), Some(others_rate)) = (group.rate(), others.rate()) else {
            return false;
        };
        let worse_by = match self.direction {
            Direction::HigherIsBetter => others_rate - group_rate,
            Direction::LowerIsBetter => group_rate - others_rate,
        };
        self.display == RateDisplay::Percent
            // 10 points exactly is a gap (0.6 − 0.5 is 0.0999… in floating point).
            && worse_by >= 0.10 - 1e-9
            && group.denominator >= min_denominator
            && others.denominator >= min_denominator
    }

    /// `rate − earlier` as a reader sees it, with whether it is an improvement in the measure's
    /// direction: "+3.2 pts", "−0.41 per 1,000 days"; `None` without both rates.
    pub fn change(&self, rate: Option<f64>, earlier: Option<f64>) -> Option<Change> {
        let difference = rate? - earlier?;
        let text = match self.display {
            RateDisplay::Percent => format!("{:+.1} pts", difference * 100.0),
            RateDisplay::PerThousandDays => format!("{:+.2} per 1,000 days", difference * 1000.0),
        }
        .replace('-', "−");
        let better = match self.direction {
            Direction::HigherIsBetter => difference > 0.0,
            Direction::LowerIsBetter => difference < 0.0,
        };
        Some(Change {
            difference,
            text,
            better: (difference.abs() > 1e-12).then_some(better),
        })
    }
}

/// A change of a rate, in words, and whether it is for the better (`None`: no change).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub text: String,
    pub better: Option<bool>,
    /// The difference of the two rates (as rates: 0.017 is 1.7 points).
    pub difference: f64,
}

/// One line of the summary: a measure for one scope (an office or statewide), beside the
/// statewide figure.
pub struct SummaryLine {
    pub measure: usize,
    pub scope: Scope,
    pub figure: Figure,
    pub statewide: Figure,
    pub status: Status,
    /// The figure against the national performance, for a federal indicator.
    pub national_status: Option<Status>,
    /// Since the rolling point a month earlier and a year earlier (none for a unit: no trend is
    /// counted there).
    pub change_since_last_month: Option<Change>,
    pub change_since_a_year_ago: Option<Change>,
    pub overdue: u64,
    pub due_soon: u64,
}

/// One row of a report's unit table (an office's units) or worker table (a unit's workers):
/// each measure's headline figure and the case-list counts.
pub struct UnitLine {
    /// `Scope::Unit` or `Scope::Worker`.
    pub scope: Scope,
    /// The unit's name, or the worker's name (from the staff extract) and id.
    pub label: String,
    /// By measure, registry order.
    pub figures: Vec<Figure>,
    pub overdue: u64,
    pub due_soon: u64,
}

pub struct EquityLine {
    pub measure: usize,
    pub scope: Scope,
    pub group: String,
    pub group_figure: Figure,
    pub others_figure: Figure,
}

/// An office's own rows, for its reports (and its units'): `ingest::office_quality`.
pub struct OfficeQualityView {
    pub office: String,
    /// By extract, in reading order.
    pub extracts: Vec<(&'static str, OfficeExtractQuality)>,
    /// Rejected rows tonight that name no office (in the statewide report).
    pub not_placed: u64,
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
    /// The 12 calendar months of the trend, oldest first (the last cut at as_of: partial).
    pub trend_months: Vec<Period>,
    /// `trend[measure][month]`: the monthly counts for the report's own scope.
    pub trend: Vec<Vec<Figure>>,
    /// `rolling[measure][month]`: the rolling 12-month points for the report's own scope (the
    /// line a manager reads: the last is the headline).
    pub rolling: Vec<Vec<Figure>>,
    /// Statewide report: each office's rolling points, `office_rolling[office][measure][month]`.
    pub office_rolling: Vec<(String, Vec<Vec<Figure>>)>,
    /// Below this denominator a rate is shown but not judged (`reports.min_denominator`).
    pub min_denominator: u64,
    /// The action list, or why there is none.
    pub cases: CaseList,
    /// Items overdue and due soon in the report's scope, all measures together.
    pub case_totals: StatusCounts,
    /// An office's units, or a unit's workers; empty without assignments in the extract.
    pub units: Vec<UnitLine>,
    /// Worker id → name, from the staff extract, for the workers of the action list.
    pub worker_names: BTreeMap<String, String>,
    pub equity: Vec<EquityLine>,
    pub quality: Vec<QualityLine>,
    /// An office's or unit's report: the office's own rows (`None` in the statewide report).
    pub own_quality: Option<OfficeQualityView>,
    pub timeframes: Vec<(&'static str, u32)>,
    pub configuration_sha256: String,
    /// Set when small-cell suppression was applied, saying how.
    pub suppression_note: Option<String>,
}

/// The headline, monthly and rolling counts of one (measure, office or statewide), and the
/// rolling point a year before the headline.
struct Series {
    headline: Counts,
    months: Vec<Counts>,
    rolling: Vec<Counts>,
    year_ago: Counts,
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
                rolling: Vec::new(),
                year_ago: Counts::default(),
            });
            match row.kind {
                PeriodKind::Headline => entry.headline = row.counts,
                PeriodKind::Month => entry.months.push(row.counts),
                PeriodKind::Rolling => entry.rolling.push(row.counts),
            }
        }
        for row in &results.year_ago {
            if let Some(entry) = series.get_mut(&(row.measure, &row.scope)) {
                entry.year_ago = row.counts;
            }
        }
        Self(series)
    }

    /// Every (measure, office or statewide) has a series: the engine writes one for each.
    fn of(&self, measure: &'static str, scope: &'a Scope) -> &Series {
        &self.0[&(measure, scope)]
    }

    /// The series of a scope; none for a unit or a worker (no trend is counted there).
    fn get(&self, measure: &'static str, scope: &'a Scope) -> Option<&Series> {
        self.0.get(&(measure, scope))
    }
}

/// What a report says about the children who need action.
pub enum CaseList {
    /// The cases in the report's scope, in action order (`actions`).
    Listed(Vec<CaseRow>),
    /// Statewide: counts only; each office's, unit's and worker's report lists its own
    /// children, and `cases.csv` has them all.
    CountsOnly,
    /// Small-cell suppression withholds case lists.
    Suppressed,
}

/// What a report is made from.
pub struct ReportSources<'a> {
    pub results: &'a Results,
    pub config: &'a Config,
    pub extract_reports: &'a BTreeMap<Extract, ExtractReport>,
    pub staff: &'a BTreeMap<String, StaffMember>,
    /// Whether removals carry units or workers (else there is no unit table).
    pub has_assignments: bool,
    /// The case counts of every scope, counted once for all reports.
    pub case_counts: &'a CaseCounts<'a>,
    /// The case list in action order, found once for all reports (its cases are
    /// `results.cases`).
    pub action_order: &'a ActionOrder<'a>,
    /// Each office's own rows, for the office and unit reports' data quality.
    pub office_quality: &'a OfficeQuality,
}

impl ReportModel {
    /// "Newest dates in the extracts: removals 2026-10-31, …": how fresh the night's data was.
    /// Extracts without date columns (the staff) have nothing to say here and are left out.
    pub fn newest_dates_line(&self) -> String {
        let has_dates = |name: &str| {
            Extract::ALL
                .iter()
                .any(|extract| extract.name() == name && !extract.spec().date_columns.is_empty())
        };
        let dates: Vec<String> = self
            .quality
            .iter()
            .filter(|line| has_dates(line.extract))
            .map(|line| {
                format!(
                    "{} {}",
                    line.extract,
                    line.input.newest_date.as_deref().unwrap_or("no dates")
                )
            })
            .collect();
        format!("Newest dates in the extracts: {}", dates.join(", "))
    }

    pub fn build(sources: &ReportSources<'_>, scope: Scope) -> Self {
        let (results, config) = (sources.results, sources.config);
        let suppress_here = suppression_rule(config, &scope);
        let measures = measure_lines(sources.results, config);
        let case_counts = sources.case_counts;
        let min_denominator = config.reports.min_denominator;
        let own_quality = own_quality(sources.office_quality, &scope);
        let Trends {
            summary,
            trend,
            rolling,
            office_rolling,
        } = summary_and_trend(results, &scope, &measures, case_counts, suppress_here, min_denominator);
        let cases = if suppress_here.is_some() {
            CaseList::Suppressed
        } else if scope == Scope::Statewide {
            CaseList::CountsOnly
        } else {
            CaseList::Listed(
                sources
                    .action_order
                    .iter()
                    .filter(|case| scope.contains_item(&case.office, &case.unit, &case.worker_id))
                    .cloned()
                    .collect(),
            )
        };
        let case_totals = measures.iter().fold(StatusCounts::default(), |total, measure| {
            let counts = case_counts.of(measure.id, &scope);
            StatusCounts {
                overdue: total.overdue + counts.overdue,
                due_soon: total.due_soon + counts.due_soon,
            }
        });
        let units = if sources.has_assignments && suppress_here.is_none() {
            unit_lines(sources, &scope)
        } else {
            Vec::new()
        };
        let equity = equity_lines(results, &scope, &measures, suppress_here);
        let worker_names = worker_names(sources.staff, &cases);
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
            rolling,
            office_rolling,
            min_denominator,
            cases,
            case_totals,
            units,
            worker_names,
            equity,
            quality: quality_lines(sources.extract_reports),
            own_quality,
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

    /// A worker's name from the staff extract, else their id.
    pub fn worker_label(&self, worker_id: &str) -> String {
        match self.worker_names.get(worker_id) {
            Some(name) => format!("{name} ({worker_id})"),
            None => worker_id.to_string(),
        }
    }
}

/// Worker id → name, for the workers of the action list whom the staff extract names (a
/// report holds no other worker's name).
fn worker_names(staff: &BTreeMap<String, StaffMember>, cases: &CaseList) -> BTreeMap<String, String> {
    let CaseList::Listed(cases) = cases else {
        return BTreeMap::new();
    };
    // In action order, each worker's items are together: one look-up a worker.
    cases
        .chunk_by(|left, right| left.worker_id == right.worker_id)
        .filter_map(|items| {
            let worker_id = &items[0].worker_id;
            let name = staff.get(&**worker_id)?.name.clone()?;
            Some((worker_id.to_string(), name))
        })
        .collect()
}

/// An office's units, or a unit's workers: each measure's headline and the case counts.
fn unit_lines(sources: &ReportSources<'_>, scope: &Scope) -> Vec<UnitLine> {
    let results = sources.results;
    // Cheap tests first: a report looks at every row of the breakdown.
    let (level, office, unit) = match scope {
        Scope::Office { office } => (crate::scope::Level::Unit, office, None),
        Scope::Unit { office, unit } => (crate::scope::Level::Worker, office, Some(unit)),
        _ => return Vec::new(),
    };
    let wanted = |row: &Scope| {
        row.level() == level
            && row.office_name() == Some(&**office)
            && unit.is_none_or(|unit| row.unit_name() == Some(&**unit))
    };
    // Every measure lists the same units (workers) in the same order: the first measure's
    // rows make the lines, the others add their figures in turn.
    let mut lines: Vec<UnitLine> = Vec::new();
    for (measure_number, measure) in results.measures.iter().enumerate() {
        let rows = results
            .breakdown_of(measure.id(), office)
            .iter()
            .filter(|row| wanted(&row.scope));
        for (position, row) in rows.enumerate() {
            if measure_number == 0 {
                lines.push(UnitLine {
                    scope: row.scope.clone(),
                    label: unit_label(sources, &row.scope),
                    figures: Vec::with_capacity(results.measures.len()),
                    overdue: 0,
                    due_soon: 0,
                });
            }
            let Some(line) = lines.get_mut(position) else {
                continue;
            };
            line.figures.push(Figure::Shown(row.counts));
            line.overdue += row.cases.overdue;
            line.due_soon += row.cases.due_soon;
        }
    }
    lines
}

/// A unit's name, or a worker's name (from the staff extract) and id.
fn unit_label(sources: &ReportSources<'_>, scope: &Scope) -> String {
    match scope {
        Scope::Worker { worker, .. } => match sources.staff.get(&**worker).and_then(|member| member.name.as_ref()) {
            Some(name) => format!("{name} ({worker})"),
            None => worker.to_string(),
        },
        other => other.unit_name().unwrap_or_default().to_string(),
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

/// What the reports say about each measure reported.
fn measure_lines(results: &Results, config: &Config) -> Vec<MeasureLine> {
    results
        .measures
        .iter()
        .map(|measure| MeasureLine {
            id: measure.id(),
            title: measure.title(),
            short: measure.short_title(),
            section: measure.section(),
            definition: measure.definition(&config.timeframes),
            target: config.targets.get(measure.id()).copied(),
            direction: measure.direction(),
            display: measure.rate_display(),
            national: config.national.get(measure.id()).copied(),
            has_case_list: measure.has_case_list(),
        })
        .collect()
}

/// What `summary_and_trend` makes.
struct Trends {
    summary: Vec<SummaryLine>,
    /// By measure, the report's own monthly and rolling points.
    trend: Vec<Vec<Figure>>,
    rolling: Vec<Vec<Figure>>,
    /// Statewide report: each office's rolling points by measure.
    office_rolling: Vec<(String, Vec<Vec<Figure>>)>,
}

/// The summary lines (statewide and every office for the statewide report, the office for an
/// office's) and the report's own trend, suppressed where the rule applies.
fn summary_and_trend(
    results: &Results,
    scope: &Scope,
    measures: &[MeasureLine],
    case_counts: &CaseCounts<'_>,
    suppress_here: Option<SmallCellRule>,
    min_denominator: u64,
) -> Trends {
    let lines = SummaryLines {
        results,
        series: SeriesIndex::new(results),
        office_scopes: results
            .offices
            .iter()
            .map(|office| Scope::Office { office: office.clone() })
            .collect(),
        case_counts,
        suppress_here,
        min_denominator,
    };
    let mut trends = Trends {
        summary: Vec::new(),
        trend: Vec::new(),
        rolling: Vec::new(),
        office_rolling: Vec::new(),
    };
    for (index, measure) in measures.iter().enumerate() {
        trends.summary.extend(lines.of_measure(index, measure, scope));
        let own = lines.series.get(measure.id, scope);
        let points = |pick: fn(&Series) -> &[Counts]| -> Vec<Figure> {
            own.map_or(Vec::new(), |own| {
                pick(own).iter().map(|counts| lines.shown(counts)).collect()
            })
        };
        trends.trend.push(points(|own| &own.months));
        trends.rolling.push(points(|own| &own.rolling));
    }
    if *scope == Scope::Statewide {
        trends.office_rolling = lines.office_rolling(measures);
    }
    trends
}

/// What the summary lines of one report are made from.
struct SummaryLines<'a> {
    results: &'a Results,
    series: SeriesIndex<'a>,
    office_scopes: Vec<Scope>,
    case_counts: &'a CaseCounts<'a>,
    suppress_here: Option<SmallCellRule>,
    min_denominator: u64,
}

impl SummaryLines<'_> {
    /// Counts as the report shows them: suppressed where the rule applies.
    fn shown(&self, counts: &Counts) -> Figure {
        self.suppress_here
            .map_or(Figure::Shown(*counts), |rule| rule.single(*counts))
    }

    /// The measure's lines: the state's and every office's in the statewide report, the
    /// office's (or the unit's) in an office's (or a unit's).
    fn of_measure(&self, index: usize, measure: &MeasureLine, scope: &Scope) -> Vec<SummaryLine> {
        let office_counts: Vec<Counts> = (self.office_scopes.iter())
            .map(|office| self.series.of(measure.id, office).headline)
            .collect();
        let statewide_counts = self.series.of(measure.id, &Scope::Statewide).headline;
        let (office_figures, statewide) = match self.suppress_here {
            Some(rule) => rule.partition(&office_counts, statewide_counts),
            None => (
                office_counts.iter().map(|&counts| Figure::Shown(counts)).collect(),
                Figure::Shown(statewide_counts),
            ),
        };
        let line = |line_scope: &Scope, figure: Figure| self.line(index, measure, line_scope, figure, statewide);
        if *scope == Scope::Statewide {
            let offices = self.office_scopes.iter().zip(&office_figures);
            std::iter::once(line(&Scope::Statewide, statewide))
                .chain(offices.map(|(office, &figure)| line(office, figure)))
                .collect()
        } else if let Some(position) = self.office_scopes.iter().position(|office| office == scope) {
            vec![line(scope, office_figures[position])]
        } else {
            // A unit: its headline is in the breakdown (no trend is counted per unit).
            let counts = (self.results.breakdown_of(measure.id, scope.office_label()).iter())
                .find(|row| row.scope == *scope)
                .map_or(Counts::default(), |row| row.counts);
            vec![line(scope, self.shown(&counts))]
        }
    }

    /// One line: the figure judged against the target and the national figure, its changes and
    /// its case counts.
    fn line(
        &self,
        index: usize,
        measure: &MeasureLine,
        scope: &Scope,
        figure: Figure,
        statewide: Figure,
    ) -> SummaryLine {
        let (change_since_last_month, change_since_a_year_ago) = self.changes(measure, scope, figure);
        let judged = |target: Option<f64>| Status::of(figure, target, measure.direction, self.min_denominator);
        let cases = self.case_counts.of(measure.id, scope);
        SummaryLine {
            measure: index,
            scope: scope.clone(),
            figure,
            statewide,
            status: judged(measure.target),
            national_status: measure.national.map(|national| judged(Some(national))),
            change_since_last_month,
            change_since_a_year_ago,
            overdue: cases.overdue,
            due_soon: cases.due_soon,
        }
    }

    /// Since the rolling point a month earlier and the one a year earlier (none for a unit:
    /// no trend is counted there).
    fn changes(&self, measure: &MeasureLine, scope: &Scope, figure: Figure) -> (Option<Change>, Option<Change>) {
        let Some(own) = self.series.get(measure.id, scope) else {
            return (None, None);
        };
        let rate = figure.rate();
        let month_earlier = (own.rolling.iter().rev().nth(1)).and_then(|counts| self.shown(counts).rate());
        let year_earlier = self.shown(&own.year_ago).rate();
        (measure.change(rate, month_earlier), measure.change(rate, year_earlier))
    }

    /// Each office's rolling points, by measure.
    fn office_rolling(&self, measures: &[MeasureLine]) -> Vec<(String, Vec<Vec<Figure>>)> {
        (self.office_scopes.iter())
            .map(|office| {
                let by_measure = (measures.iter())
                    .map(|measure| {
                        (self.series.get(measure.id, office)).map_or(Vec::new(), |own| {
                            own.rolling.iter().map(|counts| self.shown(counts)).collect()
                        })
                    })
                    .collect();
                (office.office_label().to_string(), by_measure)
            })
            .collect()
    }
}

/// The office's own rows, for any report below the state.
fn own_quality(office_quality: &OfficeQuality, scope: &Scope) -> Option<OfficeQualityView> {
    let office = scope.office_name()?;
    let extracts = office_quality
        .of(office)
        .map(|by_extract| {
            (by_extract.iter())
                .map(|(extract, counts)| (extract.name(), counts.clone()))
                .collect()
        })
        .unwrap_or_default();
    Some(OfficeQualityView {
        office: office.to_string(),
        extracts,
        not_placed: office_quality.not_placed.values().sum(),
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn measure_line(direction: Direction, display: RateDisplay) -> MeasureLine {
        MeasureLine {
            id: "a_measure",
            title: "A measure",
            short: "Measure",
            section: Section::RelativesAndTeaming,
            definition: String::new(),
            target: Some(0.5),
            direction,
            display,
            national: None,
            has_case_list: false,
        }
    }

    fn counts(numerator: u64, denominator: u64) -> Counts {
        Counts { numerator, denominator }
    }

    #[test]
    fn a_change_is_better_in_the_measures_direction() {
        let higher = measure_line(Direction::HigherIsBetter, RateDisplay::Percent);
        let change = higher.change(Some(0.75), Some(0.70)).expect("both rates");
        assert_eq!((change.text.as_str(), change.better), ("+5.0 pts", Some(true)));
        let lower = measure_line(Direction::LowerIsBetter, RateDisplay::Percent);
        let change = lower.change(Some(0.75), Some(0.70)).expect("both rates");
        assert_eq!((change.text.as_str(), change.better), ("+5.0 pts", Some(false)));
        let change = lower.change(Some(0.05), Some(0.07)).expect("both rates");
        assert_eq!((change.text.as_str(), change.better), ("−2.0 pts", Some(true)));
        assert_eq!(
            higher.change(Some(0.5), Some(0.5)).expect("rates").better,
            None,
            "no change"
        );
        assert_eq!(higher.change(None, Some(0.5)), None, "no rate, no change");
        let moves = measure_line(Direction::LowerIsBetter, RateDisplay::PerThousandDays);
        let change = moves.change(Some(0.00561), Some(0.00529)).expect("both rates");
        assert_eq!(change.text, "+0.32 per 1,000 days");
    }

    #[test]
    fn an_equity_gap_is_notable_from_10_points_with_enough_on_both_sides() {
        let higher = measure_line(Direction::HigherIsBetter, RateDisplay::Percent);
        assert!(
            higher.gap_is_notable(counts(5, 10), counts(60, 100), 10),
            "50 % vs 60 %"
        );
        assert!(!higher.gap_is_notable(counts(5, 10), counts(59, 100), 10), "9 points");
        assert!(!higher.gap_is_notable(counts(0, 9), counts(60, 100), 10), "9 children");
        assert!(!higher.gap_is_notable(counts(7, 10), counts(60, 100), 10), "better off");
        let lower = measure_line(Direction::LowerIsBetter, RateDisplay::Percent);
        assert!(
            lower.gap_is_notable(counts(3, 10), counts(20, 100), 10),
            "30 % re-entry vs 20 %"
        );
        let moves = measure_line(Direction::LowerIsBetter, RateDisplay::PerThousandDays);
        assert!(
            !moves.gap_is_notable(counts(30, 100), counts(1, 100), 10),
            "per 1,000 days: not flagged"
        );
    }
}
