//! Renders a `ReportModel` as one self-contained HTML page that reads well in mail clients
//! and on a phone: no scripts, no images, no external resources, styles inline.
//!
//! Mobile first: what every client shows is a single column of cards (one per measure: rate
//! with n/N, target, status, change, national figure, overdue and due soon), readable at any
//! width. From 600 px up, one `<style>` block of media queries swaps the cards for the full
//! tables; clients that ignore it (Outlook on Windows, some webmail) keep the cards. The trend
//! is drawn with table cells (bars with the target line), which every client renders without
//! "show images". Everything from the data goes through `escape`.

// Each row of markup ends with a line break so the page source stays readable.
#![allow(clippy::write_with_newline)]

use std::fmt::Write;

use crate::measures::{CaseStatus, RateDisplay};
use crate::reports::actions::child_blocks;
use crate::reports::model::Change;
use crate::reports::suppression::Figure;
use crate::reports::{CaseList, MeasureLine, ReportModel, Scope, Status, SummaryLine};

const FONT: &str = "font-family:Arial,Helvetica,sans-serif;";
const CELL: &str = "padding:6px 6px;border-bottom:1px solid #e4e7eb;font-size:13px;vertical-align:top;";
const HEAD: &str = "padding:6px 6px;border-bottom:2px solid #9aa5b1;font-size:11px;text-align:left;color:#52606d;vertical-align:bottom;";
const SMALL_HEAD: &str = "padding:4px 3px;border-bottom:2px solid #9aa5b1;font-size:10px;text-align:left;color:#52606d;vertical-align:bottom;overflow-wrap:anywhere;";
const SMALL_CELL: &str = "padding:4px 3px;border-bottom:1px solid #e4e7eb;font-size:11px;vertical-align:top;";
const MUTED: &str = "color:#7b8794;";

/// The media queries: from 600 px the full tables replace the cards. Everything else is inline.
const WIDE_SCREEN_STYLE: &str = "<style>@media only screen and (min-width:600px){\
    .narrow{display:none !important;max-height:0 !important;overflow:hidden !important;}\
    .wide{display:block !important;max-height:none !important;overflow:visible !important;}}</style>";

/// Attributes of what only wide screens show (hidden unless the media query says otherwise;
/// `mso-hide` for Outlook on Windows).
const WIDE_ONLY: &str = "class=\"wide\" style=\"display:none;max-height:0;overflow:hidden;mso-hide:all;\"";

/// Attributes of what only narrow screens (and clients without media queries) show.
const NARROW_ONLY: &str = "class=\"narrow\"";

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    push_escaped(&mut escaped, text);
    escaped
}

/// Appends `text` escaped as `escape` does; text with nothing to escape (nearly all) is
/// appended whole.
pub fn push_escaped(out: &mut String, text: &str) {
    let special = |byte: &u8| matches!(byte, b'&' | b'<' | b'>' | b'"' | b'\'');
    if !text.as_bytes().iter().any(special) {
        out.push_str(text);
        return;
    }
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
}

/// Text and background colours of a status.
fn status_colours(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::OnTrack => ("#006100", "#c6efce"),
        Status::OffTrack => ("#9c0006", "#ffc7ce"),
        _ => ("#52606d", "#eef0f2"),
    }
}

/// A status as a small coloured label.
fn status_chip(status: Status) -> String {
    let (colour, background) = status_colours(status);
    format!(
        "<span style=\"display:inline-block;padding:1px 7px;border-radius:9px;white-space:nowrap;background:{background};\
         color:{colour};font-size:11px;font-weight:bold;\">{}</span>",
        status.label()
    )
}

/// "n/N" in grey.
fn counts_text(figure: Figure) -> String {
    match figure {
        Figure::Shown(counts) => format!(
            "<span style=\"{MUTED}font-size:11px;white-space:nowrap;\">{}/{}</span>",
            counts.numerator, counts.denominator
        ),
        Figure::Suppressed => String::new(),
    }
}

/// A rate as a reader sees it, or why there is none.
fn rate_text(measure: &MeasureLine, figure: Figure) -> String {
    match figure {
        Figure::Suppressed => "suppressed".to_string(),
        Figure::Shown(counts) if counts.denominator == 0 => "—".to_string(),
        Figure::Shown(counts) => measure.rate_text(counts.rate()),
    }
}

/// A rate for a table cell (`5.61/1,000d`), or why there is none.
fn compact_rate_text(measure: &MeasureLine, figure: Figure) -> String {
    match figure {
        Figure::Shown(counts) if counts.denominator > 0 => measure.compact_rate(counts.rate()),
        _ => rate_text(measure, figure),
    }
}

/// A change with an arrow, green when better, red when worse (in the measure's direction).
fn change_text(change: &Option<Change>) -> String {
    match change {
        None => format!("<span style=\"{MUTED}\">—</span>"),
        Some(change) => {
            let (arrow, colour) = match change.better {
                Some(true) => (if change.text.starts_with('+') { "▲" } else { "▼" }, "#006100"),
                Some(false) => (if change.text.starts_with('+') { "▲" } else { "▼" }, "#9c0006"),
                None => ("", "#52606d"),
            };
            format!(
                "<span style=\"color:{colour};white-space:nowrap;\">{arrow}{}</span>",
                escape(&change.text)
            )
        }
    }
}

/// A change for a table cell: the rate's column already says a rate is per 1,000 days.
fn compact_change(change: &Option<Change>) -> Option<Change> {
    change.as_ref().map(|change| Change {
        text: change.text.replace(" per 1,000 days", "/1,000d"),
        ..change.clone()
    })
}

/// Overdue and due-soon counts, or "—" for a measure without a case list.
fn case_counts_text(measure: &MeasureLine, line: &SummaryLine) -> (String, String) {
    if !measure.has_case_list {
        return ("—".into(), "—".into());
    }
    let overdue = if line.overdue > 0 {
        format!("<strong style=\"color:#9c0006;\">{}</strong>", line.overdue)
    } else {
        "0".into()
    };
    (overdue, line.due_soon.to_string())
}

/// The national figure and how the rate compares with it, or "—".
fn national_text(measure: &MeasureLine, line: &SummaryLine) -> String {
    match (measure.national, line.national_status) {
        (Some(national), Some(status)) => {
            let (colour, _) = status_colours(status);
            format!(
                "{} <span style=\"font-size:11px;color:{colour};white-space:nowrap;\">{}</span>",
                measure.rate_text(Some(national)),
                status.national_label()
            )
        }
        _ => "—".into(),
    }
}

/// The page; `notice` (e.g. "the workbook was too large to attach") is shown under the title.
pub fn render(model: &ReportModel, notice: Option<&str>) -> String {
    let mut page = String::new();
    let title = escape(&model.title);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>{WIDE_SCREEN_STYLE}</head>\n\
         <body style=\"margin:0;padding:0;background:#f5f7fa;\">\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"background:#f5f7fa;\"><tr><td align=\"center\" style=\"padding:8px;\">\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"{FONT}background:#ffffff;color:#1f2933;max-width:760px;border:1px solid #e4e7eb;\">\n"
    );
    let _ = write!(
        page,
        "<tr><td style=\"padding:16px 16px 4px;\"><h1 style=\"margin:0;font-size:20px;\">{title}</h1>\
         <p style=\"margin:6px 0 0;color:#52606d;font-size:13px;\">As of {} · the 12 months from {} to {}</p>\
         <p style=\"margin:2px 0 0;{MUTED}font-size:11px;\">{}</p></td></tr>\n",
        model.as_of,
        model.reporting_period.start,
        model.reporting_period.end,
        escape(&model.newest_dates_line())
    );
    if let Some(notice) = notice {
        let _ = write!(
            page,
            "<tr><td style=\"padding:8px 16px 0;font-size:13px;color:#9c0006;\">{}</td></tr>\n",
            escape(notice)
        );
    }
    if let Some(note) = &model.suppression_note {
        let _ = write!(
            page,
            "<tr><td style=\"padding:4px 16px 0;{MUTED}font-size:12px;\">{}</td></tr>\n",
            escape(note)
        );
    }
    attention_line(&mut page, model);
    headline_section(&mut page, model);
    if model.scope == Scope::Statewide {
        offices_section(&mut page, model);
    } else {
        cases_section(&mut page, model);
    }
    units_section(&mut page, model);
    trend_section(&mut page, model);
    if model.scope == Scope::Statewide {
        cases_section(&mut page, model);
    }
    equity_section(&mut page, model);
    quality_section(&mut page, model);
    let _ = write!(
        page,
        "<tr><td style=\"padding:14px 16px 16px;color:#9aa5b1;font-size:11px;\">permanency-report {} · Rates below {} cases are \
         shown with their n but not judged. The workbook of this report has every figure with its n, the monthly counts \
         beside the rolling 12-month trend, {} equity and the definitions.</td></tr>\n</table></td></tr></table>\n</body></html>\n",
        model.program_version,
        model.min_denominator,
        if matches!(model.cases, CaseList::Listed(_)) {
            "the full action list,"
        } else {
            "the counts of children overdue and due soon,"
        }
    );
    page
}

/// One sentence of what needs attention: the items overdue and due soon, and the measures off
/// track.
fn attention_line(page: &mut String, model: &ReportModel) {
    let off_track: Vec<&str> = own_lines(model)
        .filter(|line| line.status == Status::OffTrack)
        .map(|line| model.measures[line.measure].short)
        .collect();
    let _ = write!(
        page,
        "<tr><td style=\"padding:10px 16px 0;font-size:14px;\"><strong style=\"color:#9c0006;\" data-check=\"headline\">{} overdue</strong> · \
         <strong data-check=\"headline\">{} due soon</strong> · {}</td></tr>\n",
        model.case_totals.overdue,
        model.case_totals.due_soon,
        if off_track.is_empty() {
            "no measure off track".to_string()
        } else {
            format!("off track: {}", escape(&off_track.join(", ")))
        }
    );
}

fn section_title(page: &mut String, text: &str) {
    let _ = write!(
        page,
        "<tr><td style=\"padding:18px 16px 6px;\"><h2 style=\"margin:0;font-size:16px;color:#1f2933;\">{}</h2></td></tr>\n",
        escape(text)
    );
}

fn own_lines(model: &ReportModel) -> impl Iterator<Item = &SummaryLine> {
    model.summary.iter().filter(|line| line.scope == model.scope)
}

/// The report's own figures: a card per measure on a phone, one table on a wide screen.
fn headline_section(page: &mut String, model: &ReportModel) {
    section_title(page, "How we are doing");
    let _ = write!(page, "<tr><td style=\"padding:0 16px;\"><div {NARROW_ONLY}>");
    let mut section = None;
    for line in own_lines(model) {
        let measure = &model.measures[line.measure];
        if section != Some(measure.section) {
            section = Some(measure.section);
            let _ = write!(
                page,
                "<p style=\"margin:12px 0 4px;font-size:12px;font-weight:bold;color:#52606d;text-transform:uppercase;\">{}</p>",
                measure.section.heading()
            );
        }
        headline_card(page, model, measure, line);
    }
    page.push_str("</div>\n");
    headline_table(page, model);
    page.push_str("</td></tr>\n");
}

/// One measure's card.
fn headline_card(page: &mut String, model: &ReportModel, measure: &MeasureLine, line: &SummaryLine) {
    let (colour, _) = status_colours(line.status);
    let (overdue, due_soon) = case_counts_text(measure, line);
    let _ = write!(
        page,
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"margin:0 0 8px;border:1px solid #e4e7eb;border-left:4px solid {colour};\">\
         <tr><td style=\"padding:8px 10px;\">\
         <div style=\"font-size:13px;color:#3e4c59;\">{}</div>\
         <div style=\"margin:2px 0;\"><span style=\"font-size:22px;font-weight:bold;\" data-check=\"headline\">{}</span> {} {}</div>\
         <div style=\"font-size:12px;color:#52606d;\">Target {}{}</div>",
        escape(measure.title),
        rate_text(measure, line.figure),
        counts_text(line.figure),
        status_chip(line.status),
        measure.rate_text(measure.target),
        // A unit has no trend, so no change to show.
        if line.change_since_last_month.is_none() && line.change_since_a_year_ago.is_none() {
            String::new()
        } else {
            format!(
                " · since last month {} · since a year ago {}",
                change_text(&line.change_since_last_month),
                change_text(&line.change_since_a_year_ago)
            )
        },
    );
    if measure.national.is_some() {
        let _ = write!(
            page,
            "<div style=\"font-size:12px;color:#52606d;\">National {}</div>",
            national_text(measure, line)
        );
    }
    if measure.has_case_list {
        let _ = write!(
            page,
            "<div style=\"font-size:12px;\">Overdue {overdue} · due soon {due_soon}</div>"
        );
    }
    if model.scope != Scope::Statewide {
        let _ = write!(
            page,
            "<div style=\"font-size:11px;{MUTED}\">Statewide {}</div>",
            rate_text(measure, line.statewide)
        );
    }
    page.push_str("</td></tr></table>\n");
}

/// Every measure in one table, for wide screens.
fn headline_table(page: &mut String, model: &ReportModel) {
    let statewide_column = model.scope != Scope::Statewide;
    let _ = write!(
        page,
        "<div {WIDE_ONLY}><table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\">\
         <tr><th style=\"{HEAD}\">Measure</th><th style=\"{HEAD}\">Rate (n/N)</th><th style=\"{HEAD}\">Target</th>\
         <th style=\"{HEAD}\">Status</th><th style=\"{HEAD}\">Since last month</th><th style=\"{HEAD}\">Since a year ago</th>\
         <th style=\"{HEAD}\">National</th><th style=\"{HEAD}\">Overdue</th><th style=\"{HEAD}\">Due soon</th>{}</tr>\n",
        if statewide_column {
            format!("<th style=\"{HEAD}\">Statewide</th>")
        } else {
            String::new()
        }
    );
    let mut section = None;
    for line in own_lines(model) {
        let measure = &model.measures[line.measure];
        if section != Some(measure.section) {
            section = Some(measure.section);
            let _ = write!(
                page,
                "<tr><td colspan=\"10\" style=\"padding:10px 6px 2px;font-size:11px;font-weight:bold;color:#52606d;text-transform:uppercase;\">{}</td></tr>\n",
                measure.section.heading()
            );
        }
        let (overdue, due_soon) = case_counts_text(measure, line);
        let _ = write!(
            page,
            "<tr><td style=\"{CELL}min-width:190px;\">{}</td><td style=\"{CELL}white-space:nowrap;\"><strong data-check=\"headline\">{}</strong> {}</td>\
             <td style=\"{CELL}white-space:nowrap;\">{}</td><td style=\"{CELL}\">{}</td><td style=\"{CELL}\">{}</td><td style=\"{CELL}\">{}</td>\
             <td style=\"{CELL}\">{}</td><td style=\"{CELL}\">{overdue}</td><td style=\"{CELL}\">{due_soon}</td>{}</tr>\n",
            escape(measure.title),
            rate_text(measure, line.figure),
            counts_text(line.figure),
            measure.compact_rate(measure.target),
            status_chip(line.status),
            change_text(&compact_change(&line.change_since_last_month)),
            change_text(&compact_change(&line.change_since_a_year_ago)),
            national_text(measure, line),
            if statewide_column {
                format!(
                    "<td style=\"{CELL}white-space:nowrap;\">{}</td>",
                    compact_rate_text(measure, line.statewide)
                )
            } else {
                String::new()
            },
        );
    }
    page.push_str("</table></div>\n");
}

/// A compact rate with its n, coloured by status (grey when not judged).
fn compact_cell(measure: &MeasureLine, figure: Figure, status: Status) -> String {
    let (colour, _) = status_colours(status);
    match figure {
        Figure::Suppressed => format!("<span style=\"{MUTED}\">suppressed</span>"),
        Figure::Shown(counts) if counts.denominator == 0 => format!("<span style=\"{MUTED}\">—</span>"),
        Figure::Shown(counts) => format!(
            "<span style=\"color:{colour};{}\">{}</span><br><span style=\"{MUTED}font-size:10px;white-space:nowrap;\">{}/{}</span>",
            if status.is_judged() { "font-weight:bold;" } else { "" },
            measure.compact_rate(counts.rate()),
            counts.numerator,
            counts.denominator
        ),
    }
}

/// The header row of a grid with one column per measure (short titles that wrap).
fn measure_columns(page: &mut String, model: &ReportModel, first_column: &str, last_columns: &[&str]) {
    let _ = write!(
        page,
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"table-layout:fixed;\"><tr><th style=\"{SMALL_HEAD}width:92px;\">{first_column}</th>"
    );
    for measure in &model.measures {
        let _ = write!(
            page,
            "<th style=\"{SMALL_HEAD}\" title=\"{}\">{}</th>",
            escape(measure.title),
            escape(measure.short)
        );
    }
    for column in last_columns {
        let _ = write!(page, "<th style=\"{SMALL_HEAD}width:44px;\">{column}</th>");
    }
    page.push_str("</tr>\n");
}

/// The statewide report: every office. On a phone, a line per office with what is off track;
/// on a wide screen, the office × measure grid with n and status.
fn offices_section(page: &mut String, model: &ReportModel) {
    section_title(page, "Offices");
    let mut offices: Vec<&str> = model
        .summary
        .iter()
        .filter_map(|line| line.scope.office_name())
        .collect();
    offices.sort_unstable();
    offices.dedup();
    let lines_of = |office: &str| -> Vec<&SummaryLine> {
        model
            .summary
            .iter()
            .filter(|line| line.scope.office_name() == Some(office))
            .collect()
    };
    let _ = write!(page, "<tr><td style=\"padding:0 16px;\"><div {NARROW_ONLY}>");
    for office in &offices {
        let lines = lines_of(office);
        let off: Vec<&str> = (lines.iter())
            .filter(|line| line.status == Status::OffTrack)
            .map(|line| model.measures[line.measure].short)
            .collect();
        let overdue: u64 = lines.iter().map(|line| line.overdue).sum();
        let _ = write!(
            page,
            "<p style=\"margin:0;padding:6px 0;border-bottom:1px solid #e4e7eb;font-size:13px;\"><strong>{}</strong> · \
             <span style=\"color:#9c0006;\">{overdue} overdue</span><br><span style=\"font-size:12px;color:#52606d;\">{}</span></p>",
            escape(office),
            if off.is_empty() {
                "nothing off track".to_string()
            } else {
                format!("off track: {}", escape(&off.join(", ")))
            }
        );
    }
    let _ = write!(page, "</div><div {WIDE_ONLY}>");
    measure_columns(page, model, "Office", &[]);
    for office in &offices {
        let _ = write!(page, "<tr><td style=\"{SMALL_CELL}\">{}</td>", escape(office));
        for (index, measure) in model.measures.iter().enumerate() {
            let cell = lines_of(office)
                .into_iter()
                .find(|line| line.measure == index)
                .map_or_else(
                    || "—".to_string(),
                    |line| compact_cell(measure, line.figure, line.status),
                );
            let _ = write!(page, "<td style=\"{SMALL_CELL}\">{cell}</td>");
        }
        page.push_str("</tr>\n");
    }
    let _ = write!(
        page,
        "</table><p style=\"margin:4px 0 0;font-size:11px;{MUTED}\">Green: on track against the target; red: off track; \
         grey: no target, or fewer than {} cases (too few to judge).</p></div></td></tr>\n",
        model.min_denominator
    );
}

/// An office's units, or a unit's workers: on a phone a line each with the items to act on
/// and what is off track; on a wide screen the grid.
fn units_section(page: &mut String, model: &ReportModel) {
    if model.units.is_empty() {
        return;
    }
    let (title, first_column) = match model.scope {
        Scope::Unit { .. } => ("Workers", "Worker"),
        _ => ("Units", "Unit"),
    };
    section_title(page, title);
    let status_of = |measure: &MeasureLine, figure: Figure| {
        Status::of(figure, measure.target, measure.direction, model.min_denominator)
    };
    let _ = write!(page, "<tr><td style=\"padding:0 16px;\"><div {NARROW_ONLY}>");
    for line in &model.units {
        let off: Vec<&str> = (line.figures.iter().zip(&model.measures))
            .filter(|(figure, measure)| status_of(measure, **figure) == Status::OffTrack)
            .map(|(_, measure)| measure.short)
            .collect();
        let _ = write!(
            page,
            "<p style=\"margin:0;padding:6px 0;border-bottom:1px solid #e4e7eb;font-size:13px;\"><strong>{}</strong> · \
             <span style=\"color:#9c0006;\">{} overdue</span> · {} due soon<br><span style=\"font-size:12px;color:#52606d;\">{}</span></p>",
            escape(&line.label),
            line.overdue,
            line.due_soon,
            if off.is_empty() {
                "nothing off track".to_string()
            } else {
                format!("off track: {}", escape(&off.join(", ")))
            }
        );
    }
    let _ = write!(page, "</div><div {WIDE_ONLY}>");
    measure_columns(page, model, first_column, &["Overdue", "Due soon"]);
    for line in &model.units {
        let _ = write!(page, "<tr><td style=\"{SMALL_CELL}\">{}</td>", escape(&line.label));
        for (figure, measure) in line.figures.iter().zip(&model.measures) {
            let _ = write!(
                page,
                "<td style=\"{SMALL_CELL}\">{}</td>",
                compact_cell(measure, *figure, status_of(measure, *figure))
            );
        }
        let _ = write!(
            page,
            "<td style=\"{SMALL_CELL}color:#9c0006;\">{}</td><td style=\"{SMALL_CELL}\">{}</td></tr>\n",
            line.overdue, line.due_soon
        );
    }
    page.push_str("</table></div></td></tr>\n");
}

/// Height of a trend chart's bar area, in pixels.
const BAR_AREA: f64 = 48.0;

/// The rolling 12-month line of every measure: a bar per month (the 12 months ending that
/// month), the target as a line across the bars, the latest point with its n.
fn trend_section(page: &mut String, model: &ReportModel) {
    if model.rolling.iter().all(Vec::is_empty) {
        return;
    }
    section_title(page, "Rolling 12 months, month by month");
    let _ = write!(
        page,
        "<tr><td style=\"padding:0 16px;font-size:12px;color:#52606d;\">Each bar is the rate over the 12 months ending that \
         month (the last is the headline{}); the dark line is the target; grey bars have too few children to judge.</td></tr>\n<tr><td style=\"padding:4px 16px 0;\">",
        match model.trend_months.last() {
            Some(month) if month.is_partial_month() => format!(
                ", {} is in progress: to {}",
                month.start.format("%B"),
                month.end.format("%-d %B")
            ),
            _ => String::new(),
        }
    );
    for (measure, points) in model.measures.iter().zip(&model.rolling) {
        if points.is_empty() {
            continue;
        }
        trend_chart(page, model, measure, points);
    }
    page.push_str("</td></tr>\n");
}

/// One measure's rolling trend.
fn trend_chart(page: &mut String, model: &ReportModel, measure: &MeasureLine, points: &[Figure]) {
    let latest = points.last().copied().unwrap_or(Figure::Shown(Default::default()));
    let _ = write!(
        page,
        "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" style=\"margin:10px 0 0;\">\
         <tr><td colspan=\"12\" style=\"font-size:12px;padding:0 0 4px;\">{} — <strong>{}</strong> {}{}</td></tr><tr>",
        escape(measure.title),
        rate_text(measure, latest),
        counts_text(latest),
        match measure.target {
            Some(target) => format!(" · target {}", measure.rate_text(Some(target))),
            None => String::new(),
        }
    );
    // A percentage fills the bar area at 100 %; a rate per 1,000 days at the highest point or
    // target, whichever is higher.
    let full = match measure.display {
        RateDisplay::Percent => 1.0,
        RateDisplay::PerThousandDays => points
            .iter()
            .filter_map(|figure| figure.rate())
            .chain(measure.target)
            .fold(0.0, f64::max)
            .max(f64::MIN_POSITIVE),
    };
    let height = |rate: f64| (rate / full * BAR_AREA).clamp(0.0, BAR_AREA).round();
    let target = measure.target.map(height);
    for (month, figure) in model.trend_months.iter().zip(points) {
        let status = Status::of(*figure, measure.target, measure.direction, model.min_denominator);
        // Light tints, so that the dark target line reads across a bar.
        let bar_colour = match status {
            Status::OnTrack => "#7cc47f",
            Status::OffTrack => "#e8868a",
            _ => "#bcc4cc",
        };
        let label = format!(
            "12 months to {}{}: {}{}",
            month.end.format("%b %Y"),
            if month.is_partial_month() {
                format!(" (month in progress, to {})", month.end.format("%-d %b"))
            } else {
                String::new()
            },
            rate_text(measure, *figure),
            match figure {
                Figure::Shown(counts) => format!(" ({}/{})", counts.numerator, counts.denominator),
                Figure::Suppressed => String::new(),
            }
        );
        let bar = figure.rate().map_or(0.0, height);
        let _ = write!(
            page,
            "<td valign=\"bottom\" title=\"{}\" style=\"width:14px;padding:0 2px;\">{}</td>",
            escape(&label),
            bar_column(bar, target, bar_colour)
        );
    }
    page.push_str("</tr><tr>");
    for month in &model.trend_months {
        let _ = write!(
            page,
            "<td style=\"font-size:9px;{MUTED}text-align:center;\">{}</td>",
            month.start.format("%b").to_string().chars().next().unwrap_or(' ')
        );
    }
    page.push_str("</tr></table>\n");
}

/// A bar of `bar` pixels in a `BAR_AREA`-high column, with the target line at `target`
/// pixels: stacked blocks, which every mail client draws.
fn bar_column(bar: f64, target: Option<f64>, colour: &str) -> String {
    let block = |height: f64, style: &str| {
        if height <= 0.0 {
            String::new()
        } else {
            format!("<div style=\"height:{height}px;width:14px;font-size:0;line-height:0;{style}\"></div>")
        }
    };
    let line = "border-top:2px solid #1f2933;";
    // A zero rate still shows a 1 px bar, so that the month reads as measured, not missing.
    let bar = bar.clamp(1.0, BAR_AREA);
    let target = target.map(|target| target.clamp(2.0, BAR_AREA));
    match target {
        Some(target) if target > bar => format!(
            "{}{}{}",
            block(BAR_AREA - target, ""),
            block(target - bar, &format!("{line}box-sizing:border-box;")),
            block(bar, &format!("background:{colour};"))
        ),
        Some(target) => format!(
            "{}{}{}",
            block(BAR_AREA - bar, ""),
            block(bar - target, &format!("background:{colour};")),
            block(target, &format!("background:{colour};{line}box-sizing:border-box;"))
        ),
        None => format!(
            "{}{}",
            block(BAR_AREA - bar, ""),
            block(bar, &format!("background:{colour};"))
        ),
    }
}

/// The action list: for an office or a unit, one block per child with all of that child's
/// open items, grouped by unit and worker, most urgent first, capped (the workbook has all).
fn cases_section(page: &mut String, model: &ReportModel) {
    section_title(page, "Who needs to act: children overdue or due soon");
    let cases = match &model.cases {
        CaseList::Listed(cases) => cases,
        CaseList::Suppressed => {
            let _ = write!(
                page,
                "<tr><td style=\"padding:0 16px;font-size:13px;\">Case lists are not included in this report.</td></tr>\n"
            );
            return;
        }
        CaseList::CountsOnly => {
            let _ = write!(
                page,
                "<tr><td style=\"padding:0 16px;font-size:13px;\">{} items overdue and {} due soon across all offices; each office's \
                 and unit's report lists its own children, and each worker gets their own list.</td></tr>\n",
                model.case_totals.overdue, model.case_totals.due_soon
            );
            return;
        }
    };
    let overdue = cases.iter().filter(|case| case.status == CaseStatus::Overdue).count();
    if cases.is_empty() {
        let _ = write!(
            page,
            "<tr><td style=\"padding:0 16px;font-size:13px;\">No child is overdue or due soon.</td></tr>\n"
        );
        return;
    }
    let blocks = child_blocks(cases);
    let _ = write!(
        page,
        "<tr><td style=\"padding:0 16px 4px;font-size:13px;color:#52606d;\">{} children: {overdue} items overdue, {} due soon. \
         Most overdue first, then the nearest deadlines.</td></tr>\n<tr><td style=\"padding:0 16px;\">",
        blocks.len(),
        cases.len() - overdue
    );
    let mut heading: Option<(&str, &str)> = None;
    for block in blocks.iter().take(CHILDREN_SHOWN) {
        let first = block.first();
        if heading != Some((&first.unit, &first.worker_id)) {
            if heading.is_none_or(|(unit, _)| unit != &*first.unit) && model.scope.unit_name().is_none() {
                let _ = write!(
                    page,
                    "<p style=\"margin:14px 0 2px;font-size:14px;font-weight:bold;color:#1f2933;\">{}</p>",
                    escape(&first.unit)
                );
            }
            let _ = write!(
                page,
                "<p style=\"margin:6px 0 2px;font-size:13px;font-weight:bold;color:#3e4c59;\">{}</p>",
                escape(&model.worker_label(&first.worker_id))
            );
            heading = Some((&first.unit, &first.worker_id));
        }
        child_block(page, model, block);
    }
    if blocks.len() > CHILDREN_SHOWN {
        let hidden: usize = blocks[CHILDREN_SHOWN..].iter().map(|block| block.items.len()).sum();
        let _ = write!(
            page,
            "<p style=\"margin:8px 0 0;font-size:12px;color:#52606d;\">… and {} more children ({hidden} items) in the \
             workbook's Case lists sheet.</p>",
            blocks.len() - CHILDREN_SHOWN
        );
    }
    page.push_str("</td></tr>\n");
}

/// How many children a page shows in full; the workbook lists every one.
const CHILDREN_SHOWN: usize = 60;

/// One child: ids, removal date, and each open item.
fn child_block(page: &mut String, model: &ReportModel, block: &crate::reports::actions::ChildBlock<'_>) {
    let first = block.first();
    let _ = write!(
        page,
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"margin:2px 0 6px;border-left:3px solid {};\">\
         <tr><td style=\"padding:2px 8px;font-size:13px;\"><strong>Child {}</strong> <span style=\"{MUTED}\">removal {} · removed {}</span></td></tr>",
        crate::reports::case_status_colours(block.status()).0,
        escape(&first.child_id),
        escape(&first.removal_id),
        first.removal_date
    );
    for item in block.items {
        let title = model
            .measures
            .iter()
            .find(|measure| measure.id == item.measure)
            .map_or(item.measure, |measure| measure.title);
        let colour = crate::reports::case_status_colours(item.status).1;
        let when = crate::reports::when_due(item.status, item.days_overdue);
        let _ = write!(
            page,
            "<tr><td style=\"padding:1px 8px 1px 16px;font-size:12px;\">{} — <span style=\"color:{colour};font-weight:bold;\">{when}</span> \
             <span style=\"{MUTED}\">(deadline {})</span></td></tr>",
            escape(title),
            item.deadline
        );
    }
    page.push_str("</table>\n");
}

/// For the report's own scope: where a group's rate is at least 10 points worse than all other
/// children's, with enough children on both sides (a list on a phone); on a wide screen, the
/// group × measure grid with the others' rate beneath.
fn equity_section(page: &mut String, model: &ReportModel) {
    let own = &model.scope;
    let lines: Vec<&crate::reports::EquityLine> = model.equity.iter().filter(|line| line.scope == *own).collect();
    if lines.is_empty() {
        return;
    }
    section_title(page, &format!("Equity — {}", model.scope.display_name()));
    let notable = |line: &crate::reports::EquityLine| match (line.group_figure, line.others_figure) {
        (Figure::Shown(group), Figure::Shown(others)) => {
            model.measures[line.measure].gap_is_notable(group, others, model.min_denominator)
        }
        _ => false,
    };
    let _ = write!(page, "<tr><td style=\"padding:0 16px;\"><div {NARROW_ONLY}>");
    let flagged: Vec<&&crate::reports::EquityLine> = lines.iter().filter(|line| notable(line)).collect();
    if flagged.is_empty() {
        let _ = write!(
            page,
            "<p style=\"margin:0;font-size:13px;\">No group is 10 points or more worse off than all other children, where both \
             have at least {} cases.</p>",
            model.min_denominator
        );
    }
    for line in flagged {
        let measure = &model.measures[line.measure];
        let _ = write!(
            page,
            "<p style=\"margin:0;padding:5px 0;border-bottom:1px solid #e4e7eb;font-size:13px;\"><strong>{}</strong> · {}: \
             <strong style=\"color:#9c0006;\">{}</strong> {} vs all others {} {}</p>",
            escape(&line.group),
            escape(measure.short),
            rate_text(measure, line.group_figure),
            counts_text(line.group_figure),
            rate_text(measure, line.others_figure),
            counts_text(line.others_figure),
        );
    }
    let _ = write!(page, "</div><div {WIDE_ONLY}>");
    let mut groups: Vec<&str> = Vec::new();
    for line in &lines {
        if !groups.contains(&line.group.as_str()) {
            groups.push(&line.group);
        }
    }
    measure_columns(page, model, "Group", &[]);
    for group in groups {
        let _ = write!(page, "<tr><td style=\"{SMALL_CELL}\">{}</td>", escape(group));
        for (index, measure) in model.measures.iter().enumerate() {
            let line = lines.iter().find(|line| line.measure == index && line.group == group);
            let cell = match line {
                Some(line) if line.group_figure.is_suppressed() => "suppressed".to_string(),
                Some(line) => format!(
                    "<span style=\"{}\">{}</span> {}<br><span style=\"font-size:10px;{MUTED}\">others {}</span>",
                    if notable(line) {
                        "color:#9c0006;font-weight:bold;"
                    } else {
                        ""
                    },
                    measure.compact_rate(line.group_figure.rate()),
                    counts_text(line.group_figure),
                    measure.compact_rate(line.others_figure.rate())
                ),
                None => "—".to_string(),
            };
            let _ = write!(page, "<td style=\"{SMALL_CELL}\">{cell}</td>");
        }
        page.push_str("</tr>\n");
    }
    let _ = write!(
        page,
        "</table><p style=\"margin:4px 0 0;font-size:11px;{MUTED}\">Red: the group's rate is at least 10 points worse than all \
         other children's, with at least {} cases on both sides.</p></div></td></tr>\n",
        model.min_denominator
    );
}

fn quality_section(page: &mut String, model: &ReportModel) {
    if let Some(own) = &model.own_quality {
        let parts: Vec<String> = (own.extracts.iter())
            .map(|(extract, counts)| {
                format!(
                    "{extract}: {} rows, {} rejected",
                    counts.accepted + counts.rejected,
                    counts.rejected
                )
            })
            .collect();
        let _ = write!(
            page,
            "<tr><td style=\"padding:16px 16px 0;font-size:12px;color:#52606d;\"><strong>Data quality, {} office's rows.</strong> {}. \
             The workbook's Data quality sheet gives the reasons.</td></tr>\n",
            escape(&own.office),
            escape(&parts.join("; "))
        );
        return;
    }
    let parts: Vec<String> = model
        .quality
        .iter()
        .map(|line| {
            format!(
                "{}: {} rows, {} rejected{}",
                line.extract,
                line.input.rows_read,
                line.input.rows_rejected,
                if line.input.rows_orphaned > 0 {
                    format!(", {} unlinked", line.input.rows_orphaned)
                } else {
                    String::new()
                }
            )
        })
        .collect();
    let _ = write!(
        page,
        "<tr><td style=\"padding:16px 16px 0;font-size:12px;color:#52606d;\"><strong>Data quality.</strong> {}.</td></tr>\n",
        escape(&parts.join("; "))
    );
}

#[cfg(test)]
mod tests {
    use super::bar_column;

    #[test]
    fn a_bar_column_is_the_bar_area_high_whatever_the_rate_and_target() {
        let height = |html: &str| -> f64 {
            html.split("height:")
                .skip(1)
                .filter_map(|rest| rest.split("px").next()?.parse::<f64>().ok())
                .sum()
        };
        for (bar, target) in [
            (10.0, Some(30.0)),
            (40.0, Some(30.0)),
            (0.0, Some(20.0)),
            (48.0, None),
            (5.0, None),
            (0.0, None),
            (1.0, Some(1.0)),
            (60.0, Some(0.0)),
        ] {
            let column = bar_column(bar, target, "#000");
            assert_eq!(height(&column), 48.0, "{bar} {target:?}: {column}");
        }
    }
}
