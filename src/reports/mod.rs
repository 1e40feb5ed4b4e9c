//! The human reports: a statewide workbook and page, and one workbook and page per office.
//!
//! `ReportModel::build` turns results into exactly what one report shows (pure, with small-cell
//! suppression applied where configured); `workbook` and `html` render a model to bytes.
//! Nothing here touches the disk, the clock or the environment.

pub mod actions;
pub mod html;
mod model;
pub mod suppression;
pub mod text;
pub mod workbook;
pub mod worker;

use std::collections::BTreeMap;

use crate::engine::CaseRow;
pub use crate::scope::Scope;
pub use model::{
    CaseList, EquityLine, MeasureLine, QualityLine, ReportModel, ReportSources, Status, SummaryLine, UnitLine,
};

/// How an action list says when an item is due: "12 days overdue", "1 day overdue",
/// "overdue today" (an item whose deadline is `as_of` and which is already overdue: the notice,
/// conversation and meetings of measures.md's case lists), "due today", "due tomorrow", "due
/// in 33 days". The status decides, not the sign of `days_overdue`.
pub fn when_due(status: crate::measures::CaseStatus, days_overdue: i64) -> String {
    let mut text = String::new();
    push_when_due(&mut text, status, days_overdue);
    text
}

/// Appends `when_due`'s words.
pub fn push_when_due(out: &mut String, status: crate::measures::CaseStatus, days_overdue: i64) {
    use crate::measures::CaseStatus;
    let mut number = itoa::Buffer::new();
    match (status, days_overdue) {
        (CaseStatus::Overdue, 1) => out.push_str("1 day overdue"),
        (CaseStatus::Overdue, days) if days > 1 => {
            out.push_str(number.format(days));
            out.push_str(" days overdue");
        }
        (CaseStatus::Overdue, _) => out.push_str("overdue today"),
        (CaseStatus::DueSoon, 0) => out.push_str("due today"),
        (CaseStatus::DueSoon, -1) => out.push_str("due tomorrow"),
        (CaseStatus::DueSoon, days) => {
            out.push_str("due in ");
            out.push_str(number.format(days.saturating_neg()));
            out.push_str(" days");
        }
    }
}

/// The colours of an action-list item by its status: the child's border, the status text.
pub fn case_status_colours(status: crate::measures::CaseStatus) -> (&'static str, &'static str) {
    match status {
        crate::measures::CaseStatus::Overdue => ("#c81e1e", "#9c0006"),
        crate::measures::CaseStatus::DueSoon => ("#e1a100", "#1f2933"),
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

/// The units that get a report: those with recipients in `[delivery.units]`, or every unit
/// with `reports.all_units`; none when removals carry no units.
fn unit_reports(sources: &ReportSources<'_>) -> Vec<Scope> {
    if !sources.has_assignments {
        return Vec::new();
    }
    let routed = sources.config.delivery.as_ref().map(|delivery| &delivery.units);
    sources
        .results
        .breakdown
        .iter()
        .filter(|row| {
            row.scope.level() == crate::scope::Level::Unit && row.measure == sources.results.breakdown[0].measure
        })
        .map(|row| row.scope.clone())
        .filter(|scope| {
            sources.config.reports.all_units
                || routed.is_some_and(|units| {
                    units.contains_key(&(
                        scope.office_name().unwrap_or_default().to_string(),
                        scope.unit_name().unwrap_or_default().to_string(),
                    ))
                })
        })
        .collect()
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

/// Renders every report: `<stem>.xlsx` and `<stem>.html` for Statewide, each office, and the
/// units that have recipients (every unit with `reports.all_units`).
pub fn render_all(sources: &ReportSources<'_>) -> anyhow::Result<Vec<RenderedReport>> {
    let render_one = |(scope, stem): (Scope, String)| -> anyhow::Result<RenderedReport> {
        let model = ReportModel::build(sources, scope);
        Ok(RenderedReport {
            workbook: workbook::render(&model)?,
            page: html::render(&model, None),
            stem,
            model,
        })
    };
    // Two threads take the next report in turn. The statewide report (every case, the
    // largest by far) is first in `report_file_stems`, so the offices fill in around it.
    let mut stems = report_file_stems(&sources.results.offices);
    stems.extend(unit_reports(sources).into_iter().map(|scope| {
        let stem = scope.file_stem();
        (scope, stem)
    }));
    crate::performance::work_queue::map_on_two_threads(&stems, |item| render_one(item.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Counts;
    use crate::measures::Direction;
    use crate::reports::suppression::Figure;

    #[test]
    fn an_item_reads_overdue_or_due_by_its_status_on_the_deadline_day_too() {
        use crate::measures::CaseStatus::{DueSoon, Overdue};
        for (status, days, text, colour) in [
            (Overdue, 12, "12 days overdue", "#9c0006"),
            (Overdue, 1, "1 day overdue", "#9c0006"),
            // The notice, conversation and meeting lists: overdue on the deadline day.
            (Overdue, 0, "overdue today", "#9c0006"),
            // The timely-permanency lists: still due on the deadline day.
            (DueSoon, 0, "due today", "#1f2933"),
            (DueSoon, -1, "due tomorrow", "#1f2933"),
            (DueSoon, -33, "due in 33 days", "#1f2933"),
        ] {
            assert_eq!(when_due(status, days), text);
            assert_eq!(case_status_colours(status).1, colour, "{text}");
        }
    }

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
        assert_eq!(Status::of(figure(3, 4), Some(0.75), higher, 1), Status::OnTrack);
        assert_eq!(Status::of(figure(2, 4), Some(0.75), higher, 1), Status::OffTrack);
        assert_eq!(Status::of(figure(0, 0), Some(0.75), higher, 1), Status::NoData);
        assert_eq!(Status::of(figure(1, 4), None, higher, 1), Status::NoTarget);
        assert_eq!(Status::of(Figure::Suppressed, Some(0.5), higher, 1), Status::Suppressed);
        // Lower is better: at or below the target is on track.
        let lower = Direction::LowerIsBetter;
        assert_eq!(Status::of(figure(1, 20), Some(0.05), lower, 1), Status::OnTrack);
        assert_eq!(Status::of(figure(2, 20), Some(0.05), lower, 1), Status::OffTrack);
    }

    #[test]
    fn a_denominator_below_the_minimum_is_too_few_to_judge() {
        let figure = |numerator, denominator| Figure::Shown(Counts { numerator, denominator });
        let higher = Direction::HigherIsBetter;
        assert_eq!(Status::of(figure(0, 9), Some(0.75), higher, 10), Status::TooFew);
        assert_eq!(Status::of(figure(9, 9), Some(0.75), higher, 10), Status::TooFew);
        assert_eq!(Status::of(figure(8, 10), Some(0.75), higher, 10), Status::OnTrack);
        assert_eq!(Status::of(figure(0, 10), Some(0.75), higher, 10), Status::OffTrack);
        assert!(!Status::TooFew.is_judged());
    }
}
