//! The plain-text version of a report, for the text part of an email.

use std::fmt::Write;

use crate::reports::suppression::Figure;
use crate::reports::{ReportModel, Scope};

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_string(), |rate| format!("{:.1}%", rate * 100.0))
}

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
                percent(counts.rate()),
                counts.numerator,
                counts.denominator
            ),
        };
        let _ = writeln!(
            text,
            "- {}: {figure}; target {}; {}{}; {} overdue, {} due soon",
            measure.title,
            percent(measure.target),
            line.status.label(),
            if model.scope == Scope::Statewide {
                String::new()
            } else {
                format!("; statewide {}", percent(line.statewide.rate()))
            },
            line.overdue,
            line.due_soon
        );
    }
    if let (Scope::Office { .. }, Some(cases)) = (&model.scope, &model.cases) {
        let _ = writeln!(text, "\nChildren overdue or due soon ({}):", cases.len());
        let (shown, more) = crate::reports::cases_to_show(cases);
        for case in shown {
            let _ = writeln!(
                text,
                "  {:<9} {:<20} child {:<12} removal {:<12} removed {} deadline {} days overdue: {}",
                case.status.as_str(),
                case.measure,
                case.child_id,
                case.removal_id,
                case.removal_date,
                case.deadline,
                crate::reports::days_overdue_text(case.days_overdue)
            );
        }
        for (measure, count) in more {
            let _ = writeln!(text, "  … and {count} more for {measure} in the workbook");
        }
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
