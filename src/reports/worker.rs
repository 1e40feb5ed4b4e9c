//! A worker's own message: their children's open items, and nothing else (no attachment, no
//! other worker's child, no figures). Pure: text and a mail-safe HTML page.

use std::fmt::Write;

use chrono::NaiveDate;

use crate::engine::CaseRow;
use crate::measures::{CaseStatus, REGISTRY};
use crate::reports::actions::child_blocks;
use crate::reports::html::escape;

/// One worker's items, in action order (most urgent child first).
pub struct WorkerList<'a> {
    pub as_of: NaiveDate,
    pub worker_id: &'a str,
    /// The worker's name from the staff extract, if it gives one.
    pub name: Option<&'a str>,
    pub items: &'a [CaseRow],
}

impl WorkerList<'_> {
    pub fn overdue(&self) -> usize {
        self.items
            .iter()
            .filter(|item| item.status == CaseStatus::Overdue)
            .count()
    }

    pub fn subject(&self) -> String {
        format!(
            "Your children's deadlines — {} overdue, {} due soon — as of {}",
            self.overdue(),
            self.items.len() - self.overdue(),
            self.as_of
        )
    }

    fn greeting(&self) -> String {
        match self.name {
            Some(name) => format!("{name} ({})", self.worker_id),
            None => self.worker_id.to_string(),
        }
    }

    pub fn text(&self) -> String {
        let mut text = format!(
            "{}: your children overdue or due soon, as of {}.\n",
            self.greeting(),
            self.as_of
        );
        for block in child_blocks(self.items) {
            let first = block.first();
            let _ = writeln!(
                text,
                "\nchild {} (removal {}, {} office)",
                first.child_id, first.removal_id, first.office
            );
            for item in block.items {
                let _ = writeln!(
                    text,
                    "  - {}: {} (deadline {})",
                    title(item.measure),
                    when(item.days_overdue),
                    item.deadline
                );
            }
        }
        text.push_str("\nOnly your own assignments are listed. Your supervisor's report has the whole unit.\n");
        text
    }

    pub fn html(&self) -> String {
        let mut page = format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
             <title>{}</title></head>\n<body style=\"margin:0;padding:12px;font-family:Arial,Helvetica,sans-serif;color:#1f2933;\">\n\
             <p style=\"font-size:15px;margin:0 0 8px;\"><strong>{}</strong>: your children overdue or due soon, as of {}.</p>\n",
            escape(&self.subject()),
            escape(&self.greeting()),
            self.as_of
        );
        for block in child_blocks(self.items) {
            let first = block.first();
            let _ = write!(
                page,
                "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" style=\"width:100%;margin:0 0 8px;border-left:3px solid {};\">\
                 <tr><td style=\"padding:2px 8px;font-size:14px;\"><strong>Child {}</strong> <span style=\"color:#7b8794;font-size:12px;\">removal {} · {}</span></td></tr>",
                if first.days_overdue > 0 { "#c81e1e" } else { "#e1a100" },
                escape(&first.child_id),
                escape(&first.removal_id),
                escape(&first.office)
            );
            for item in block.items {
                let colour = if item.days_overdue > 0 { "#9c0006" } else { "#1f2933" };
                let _ = write!(
                    page,
                    "<tr><td style=\"padding:1px 8px 1px 16px;font-size:13px;\">{} — <span style=\"color:{colour};font-weight:bold;\">{}</span> \
                     <span style=\"color:#7b8794;\">(deadline {})</span></td></tr>",
                    escape(title(item.measure)),
                    when(item.days_overdue),
                    item.deadline
                );
            }
            page.push_str("</table>\n");
        }
        page.push_str(
            "<p style=\"font-size:12px;color:#7b8794;\">Only your own assignments are listed. Your supervisor's report has the whole unit.</p>\n</body></html>\n",
        );
        page
    }
}

fn title(measure: &str) -> &str {
    REGISTRY
        .iter()
        .find(|known| known.id() == measure)
        .map_or(measure, |known| known.title())
}

fn when(days_overdue: i64) -> String {
    crate::reports::when_due(days_overdue)
}
