//! A worker's own message: their children's open items, and nothing else (no attachment, no
//! other worker's child, no figures). Pure: text and a mail-safe HTML page.

use std::fmt::Write;

use chrono::NaiveDate;

use crate::date_format::push_iso_date;
use crate::engine::CaseRow;
use crate::measures::{CaseStatus, REGISTRY};
use crate::reports::actions::child_blocks;
use crate::reports::html::push_escaped;
use crate::reports::push_when_due;

/// One worker's items, in action order (most urgent child first).
pub struct WorkerList<'a> {
    pub as_of: NaiveDate,
    pub worker_id: &'a str,
    /// The worker's name from the staff extract, if it gives one.
    pub name: Option<&'a str>,
    pub items: &'a [&'a CaseRow],
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

    /// The text part. Lines are kept short (an item's status goes on its own line), so that a
    /// list of ASCII ids and names needs no transfer encoding (`mail_lines`). Written piece by
    /// piece (20,000 lists a night at national scale).
    pub fn text(&self) -> String {
        let mut text = String::with_capacity(256 + 128 * self.items.len());
        text.push_str(&self.greeting());
        text.push_str(":\nyour children overdue or due soon, as of ");
        push_iso_date(&mut text, self.as_of);
        text.push_str(".\n");
        for block in child_blocks(self.items) {
            let first = block.first();
            for piece in [
                "\nchild ",
                &first.child_id,
                " (removal ",
                &first.removal_id,
                ", ",
                &first.office,
            ] {
                text.push_str(piece);
            }
            text.push_str(" office)\n");
            for item in block.items {
                text.push_str("  - ");
                text.push_str(title(item.measure));
                text.push_str(":\n    ");
                push_when_due(&mut text, item.status, item.days_overdue);
                text.push_str(" (deadline ");
                push_iso_date(&mut text, item.deadline);
                text.push_str(")\n");
            }
        }
        text.push_str("\nOnly your own assignments are listed.\nYour supervisor's report has the whole unit.\n");
        text
    }

    /// The HTML part: styles inline (mail clients drop style sheets), in ASCII lines short
    /// enough for 7-bit mail, so it needs no quoted-printable encoding. The lines are broken
    /// only where a space would be (or none shows); `mail_lines` breaks what data made long.
    pub fn html(&self) -> String {
        mail_lines(self.page())
    }

    /// The HTML part before `mail_lines`: already in short ASCII lines when the data is.
    fn page(&self) -> String {
        let overdue = self.overdue();
        let mut numbers = itoa::Buffer::new();
        let mut page = String::with_capacity(1024 + 512 * self.items.len());
        page.push_str(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width\">\n\
             <title>Your children&#39;s deadlines &#8212; ",
        );
        page.push_str(numbers.format(overdue));
        page.push_str(" overdue, ");
        page.push_str(numbers.format(self.items.len() - overdue));
        page.push_str(" due soon &#8212;\nas of ");
        push_iso_date(&mut page, self.as_of);
        page.push_str(
            "</title></head>\n\
             <body style=\"margin:0; padding:12px;\n\
             font-family:Arial, Helvetica, sans-serif; color:#1f2933;\">\n\
             <p style=\"font-size:15px; margin:0 0 8px;\">\n<strong>",
        );
        push_escaped(&mut page, &self.greeting());
        page.push_str("</strong>:\nyour children overdue or due soon, as of ");
        push_iso_date(&mut page, self.as_of);
        page.push_str(".</p>\n");
        for block in child_blocks(self.items) {
            let first = block.first();
            page.push_str(
                "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\"\n\
                 style=\"width:100%; margin:0 0 8px; border-left:3px solid ",
            );
            page.push_str(crate::reports::case_status_colours(block.status()).0);
            page.push_str(
                ";\">\n\
                 <tr><td style=\"padding:2px 8px; font-size:14px;\">\n\
                 <strong>Child ",
            );
            push_escaped(&mut page, &first.child_id);
            page.push_str("</strong>\n<span style=\"color:#7b8794; font-size:12px;\">removal ");
            push_escaped(&mut page, &first.removal_id);
            page.push_str("\n&#183; ");
            push_escaped(&mut page, &first.office);
            page.push_str("</span></td></tr>\n");
            for item in block.items {
                page.push_str("<tr><td style=\"padding:1px 8px 1px 16px; font-size:13px;\">\n");
                push_escaped(&mut page, title(item.measure));
                page.push_str(" &#8212;\n<span style=\"color:");
                page.push_str(crate::reports::case_status_colours(item.status).1);
                page.push_str("; font-weight:bold;\">");
                push_when_due(&mut page, item.status, item.days_overdue);
                page.push_str("</span>\n<span style=\"color:#7b8794;\">(deadline ");
                push_iso_date(&mut page, item.deadline);
                page.push_str(")</span></td></tr>\n");
            }
            page.push_str("</table>\n");
        }
        page.push_str(
            "<p style=\"font-size:12px; color:#7b8794;\">\nOnly your own assignments are listed.\n\
             Your supervisor's report has the whole unit.</p>\n</body></html>\n",
        );
        page
    }
}

/// `page` as 7-bit mail carries it without encoding: every character outside ASCII as a
/// character reference, and lines broken at a space before they pass `MAIL_LINE` bytes. In
/// this page a space is only ever between words, between attributes or inside a style, where
/// a line break means the same, so the page renders exactly as before. A word longer than a
/// line (a very long id) stays whole: the line is then long, and the part is quoted-printable
/// encoded as before (`delivery::text_body` decides). Pages of ASCII data in short lines (all
/// but a few) are returned as they are.
fn mail_lines(page: String) -> String {
    let mut line_start = 0;
    let has_long_line = memchr::memchr_iter(b'\n', page.as_bytes())
        .chain([page.len()])
        .any(|line_end| {
            let long = line_end - line_start > MAIL_LINE;
            line_start = line_end + 1;
            long
        });
    if page.is_ascii() && !has_long_line {
        return page;
    }
    let mut ascii = String::with_capacity(page.len() + page.len() / 16);
    for character in page.chars() {
        if character.is_ascii() {
            ascii.push(character);
        } else {
            let _ = write!(ascii, "&#{};", u32::from(character));
        }
    }
    let mut folded = String::with_capacity(ascii.len() + ascii.len() / 32);
    for line in ascii.split_inclusive('\n') {
        let mut rest = line;
        while rest.trim_end_matches('\n').len() > MAIL_LINE {
            let Some(space) = rest[..=MAIL_LINE].rfind(' ').or_else(|| rest.find(' ')) else {
                break;
            };
            folded.push_str(&rest[..space]);
            folded.push('\n');
            rest = &rest[space + 1..];
        }
        folded.push_str(rest);
    }
    folded
}

/// The longest line `mail_lines` leaves, in bytes: a 7-bit part's lines, with their line end,
/// must be shorter than 76 (`delivery::text_body`).
const MAIL_LINE: usize = 74;

fn title(measure: &str) -> &str {
    REGISTRY
        .iter()
        .find(|known| known.id() == measure)
        .map_or(measure, |known| known.title())
}

#[cfg(test)]
mod tests {
    use super::{MAIL_LINE, WorkerList, mail_lines};
    use crate::engine::CaseRow;
    use crate::measures::CaseStatus;

    fn item(child: &str, measure: &'static str, days_overdue: i64) -> CaseRow {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).expect("date");
        CaseRow {
            office: "New Britain".into(),
            unit: "Ongoing A".into(),
            worker_id: "W0000004".into(),
            measure,
            status: if days_overdue > 0 {
                CaseStatus::Overdue
            } else {
                CaseStatus::DueSoon
            },
            child_id: child.into(),
            removal_id: format!("R-{child}").into(),
            removal_date: date,
            deadline: date,
            days_overdue,
        }
    }

    fn assert_short_ascii_lines(what: &str, text: &str) {
        assert!(text.is_ascii(), "{what} is not ASCII:\n{text}");
        for line in text.lines() {
            assert!(
                line.len() <= MAIL_LINE,
                "{what}: a line of {} bytes: {line:?}",
                line.len()
            );
        }
    }

    #[test]
    fn a_list_of_ascii_ids_and_names_is_in_short_ascii_lines_as_text_and_as_html() {
        // The longest title there is, and a name, to fill the greeting.
        let items = [
            item("C0000272", "emergency_team_2bd", 62),
            item("C0000272", "teaming_90d", 3),
            item("C0001210", "relative_notice_30d", -1),
        ];
        let list = WorkerList {
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).expect("date"),
            worker_id: "W0000004",
            name: Some("Aisha Moore-Fitzgerald"),
            items: &items.iter().collect::<Vec<_>>(),
        };
        assert_short_ascii_lines("the text part", &list.text());
        let html = list.html();
        // The page's own lines are short: `mail_lines` had nothing to break or replace.
        assert_eq!(list.page(), html);
        assert_short_ascii_lines("the HTML part", &html);
        // The dashes and dots of the page are character references now.
        assert!(html.contains("&#8212;") && html.contains("&#183;"), "{html}");
        assert!(
            html.replace('\n', " ")
                .contains("Large team meeting within 2 business days of an emergency removal &#8212;"),
            "{html}"
        );
    }

    #[test]
    fn mail_lines_only_turns_spaces_into_line_breaks_and_other_characters_into_references() {
        let page = format!(
            "<p style=\"font-size:12px;color:#7b8794;\">Jos\u{e9} — {}</p>\n<td style=\"padding:1px 8px 1px 16px;\">{}</td>\n",
            "word ".repeat(40),
            "x".repeat(100)
        );
        let folded = mail_lines(page.clone());
        let expected = page.replace('\u{e9}', "&#233;").replace('—', "&#8212;");
        assert_eq!(folded.replace('\n', " "), expected.replace('\n', " "));
        for line in folded.lines() {
            // Only the line holding the 100-byte word may be longer: it cannot be broken.
            assert!(line.len() <= MAIL_LINE || line.contains(&"x".repeat(100)), "{line:?}");
        }
        assert!(folded.lines().count() > page.lines().count(), "{folded}");
    }
}
