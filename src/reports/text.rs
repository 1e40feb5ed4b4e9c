//! The plain-text version of a report, for the text part of an email.

use std::fmt::Write;

use crate::reports::suppression::Figure;
use crate::reports::{CaseList, ReportModel, Scope};

pub fn render(model: &ReportModel, notice: Option<&str>) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "{}", model.title);
    let _ = writeln!(
        text,
        "As of {} (reporting period {} to {})\n{}\n",
        model.as_of,
        model.reporting_period.start,
        model.reporting_period.end,
        model.newest_dates_line()
    );
    if let Some(notice) = notice {
        let _ = writeln!(text, "{notice}\n");
    }
    if let Some(note) = &model.suppression_note {
        let _ = writeln!(text, "{note}\n");
    }
    for line in model.summary.iter().filter(|line| line.scope == model.scope) {
        let measure = &model.measures[line.measure];
        let figure = match line.figure {
            Figure::Suppressed => "suppressed".to_string(),
            Figure::Shown(counts) => format!(
                "{} ({}/{})",
                measure.rate_text(counts.rate()),
                counts.numerator,
                counts.denominator
            ),
        };
        let national = match (measure.national, line.national_status) {
            (Some(national), Some(status)) => {
                format!(
                    "; national {} ({})",
                    measure.rate_text(Some(national)),
                    status.national_label()
                )
            }
            _ => String::new(),
        };
        let _ = writeln!(
            text,
            "- {}: {figure}; target {}; {}{}{national}; {} overdue, {} due soon",
            measure.title,
            measure.rate_text(measure.target),
            line.status.label(),
            if model.scope == Scope::Statewide {
                String::new()
            } else {
                format!("; statewide {}", measure.rate_text(line.statewide.rate()))
            },
            line.overdue,
            line.due_soon
        );
    }
    match &model.cases {
        CaseList::Listed(cases) => action_list(&mut text, model, cases),
        CaseList::CountsOnly => {
            let _ = writeln!(
                text,
                "\n{} items overdue and {} due soon across all offices; each office's and unit's report lists its own children.",
                model.case_totals.overdue, model.case_totals.due_soon
            );
        }
        CaseList::Suppressed => {}
    }
    let quality: Vec<String> = model
        .quality
        .iter()
        .map(|line| {
            format!(
                "{} {} rows, {} rejected",
                line.extract, line.input.rows_read, line.input.rows_rejected
            )
        })
        .collect();
    let _ = writeln!(text, "\nData quality: {}.", quality.join("; "));
    let _ = writeln!(
        text,
        "The workbook has the full figures, the monthly trend, equity and the definitions."
    );
    text
}

/// How many children the text part lists in full; the workbook lists every one.
const CHILDREN_SHOWN: usize = 60;

/// The action list: by unit and worker, one block per child with all of their open items.
fn action_list(text: &mut String, model: &ReportModel, cases: &[crate::engine::CaseRow]) {
    let blocks = crate::reports::actions::child_blocks(cases);
    let _ = writeln!(
        text,
        "\nWho needs to act: {} children, {} items overdue or due soon",
        blocks.len(),
        cases.len()
    );
    let mut heading: Option<(&str, &str)> = None;
    for block in blocks.iter().take(CHILDREN_SHOWN) {
        let first = block.first();
        if heading != Some((&first.unit, &first.worker_id)) {
            let _ = writeln!(text, "\n{} — {}", first.unit, model.worker_label(&first.worker_id));
            heading = Some((&first.unit, &first.worker_id));
        }
        let _ = writeln!(
            text,
            "  child {} (removal {}, removed {})",
            first.child_id, first.removal_id, first.removal_date
        );
        for item in block.items {
            let when = crate::reports::when_due(item.status, item.days_overdue);
            let _ = writeln!(text, "    - {}: {when} (deadline {})", item.measure, item.deadline);
        }
    }
    if blocks.len() > CHILDREN_SHOWN {
        let hidden: usize = blocks[CHILDREN_SHOWN..].iter().map(|block| block.items.len()).sum();
        let _ = writeln!(
            text,
            "  … and {} more children ({hidden} items) in the workbook's Case lists sheet",
            blocks.len() - CHILDREN_SHOWN
        );
    }
}
