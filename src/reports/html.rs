//! Renders a `ReportModel` as one self-contained HTML page that reads well inside mail
//! clients: table layout, inline styles only (clients strip `<style>`), no scripts, no
//! images, no external resources. The trend chart is drawn with table cells, which every
//! mail client renders. Everything from the data goes through `escape`.

// Each row of markup ends with a line break so the page source stays readable.
#![allow(clippy::write_with_newline)]

use std::fmt::Write;

use crate::measures::CaseStatus;
use crate::reports::actions::child_blocks;
use crate::reports::suppression::Figure;
use crate::reports::{CaseList, MeasureLine, ReportModel, Scope, Status, SummaryLine};

const FONT: &str = "font-family:Arial,Helvetica,sans-serif;";
const CELL: &str = "padding:6px 8px;border-bottom:1px solid #e4e7eb;font-size:14px;";
const HEAD: &str = "padding:6px 8px;border-bottom:2px solid #9aa5b1;font-size:12px;text-align:left;color:#52606d;";

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// A measure id that may wrap after its underscores, so wide tables fit the 760px layout.
fn wrapping_id(id: &str) -> String {
    escape(id).replace('_', "_<wbr>")
}

const NARROW_HEAD: &str =
    "padding:4px 4px;border-bottom:2px solid #9aa5b1;font-size:11px;text-align:left;color:#52606d;";
const NARROW_CELL: &str = "padding:4px 4px;border-bottom:1px solid #e4e7eb;font-size:12px;";

fn figure_text(measure: &MeasureLine, figure: Figure) -> String {
    match figure {
        Figure::Suppressed => "suppressed".to_string(),
        Figure::Shown(counts) if counts.denominator == 0 => "—".to_string(),
        Figure::Shown(counts) => format!(
            "<strong>{}</strong> <span style=\"color:#7b8794;font-size:12px;\">{}/{}</span>",
            measure.rate_text(counts.rate()),
            counts.numerator,
            counts.denominator
        ),
    }
}

/// The national figure beside a federal indicator, and how the rate compares with it.
fn national_cell(measure: &MeasureLine, status: Option<Status>) -> String {
    match (measure.national, status) {
        (Some(national), Some(status)) => format!(
            "<td style=\"{CELL}\">{}<br><span style=\"font-size:11px;color:{};\">{}</span></td>",
            measure.rate_text(Some(national)),
            match status {
                Status::OnTrack => "#006100",
                Status::OffTrack => "#9c0006",
                _ => "#7b8794",
            },
            status.national_label()
        ),
        _ => format!("<td style=\"{CELL}color:#9aa5b1;\">—</td>"),
    }
}

fn status_cell(status: Status) -> String {
    let (background, colour) = match status {
        Status::OnTrack => ("#c6efce", "#006100"),
        Status::OffTrack => ("#ffc7ce", "#9c0006"),
        _ => ("#eef0f2", "#52606d"),
    };
    format!(
        "<td style=\"{CELL}\"><span style=\"display:inline-block;padding:2px 8px;border-radius:10px;white-space:nowrap;background:{background};color:{colour};font-size:12px;font-weight:bold;\">{}</span></td>",
        status.label()
    )
}

/// The page; `notice` (e.g. "the workbook was too large to attach") is shown under the title.
pub fn render(model: &ReportModel, notice: Option<&str>) -> String {
    let mut page = String::new();
    let title = escape(&model.title);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title></head>\n\
         <body style=\"margin:0;padding:0;background:#f5f7fa;\">\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"background:#f5f7fa;\"><tr><td align=\"center\" style=\"padding:16px;\">\n\
         <table role=\"presentation\" width=\"760\" cellpadding=\"0\" cellspacing=\"0\" style=\"{FONT}background:#ffffff;color:#1f2933;max-width:760px;border:1px solid #e4e7eb;\">\n"
    );
    let _ = write!(
        page,
        "<tr><td style=\"padding:20px 24px 8px;\"><h1 style=\"margin:0;font-size:22px;\">{title}</h1>\
         <p style=\"margin:6px 0 0;color:#52606d;font-size:13px;\">As of {} · reporting period {} to {}</p>\
         <p style=\"margin:2px 0 0;color:#7b8794;font-size:11px;\">{}</p></td></tr>\n",
        model.as_of,
        model.reporting_period.start,
        model.reporting_period.end,
        escape(&model.newest_dates_line())
    );
    if let Some(notice) = notice {
        let _ = write!(
            page,
            "<tr><td style=\"padding:8px 24px 0;font-size:13px;color:#9c0006;\">{}</td></tr>\n",
            escape(notice)
        );
    }
    if let Some(note) = &model.suppression_note {
        let _ = write!(
            page,
            "<tr><td style=\"padding:0 24px;color:#7b8794;font-size:12px;\">{}</td></tr>\n",
            escape(note)
        );
    }
    headline_section(&mut page, model);
    if model.scope == Scope::Statewide {
        offices_section(&mut page, model);
    }
    units_section(&mut page, model);
    if model.trend.iter().any(|points| !points.is_empty()) {
        trend_section(&mut page, model);
    }
    cases_section(&mut page, model);
    if model.equity.iter().any(|line| line.scope == model.scope) {
        equity_section(&mut page, model);
    }
    quality_section(&mut page, model);
    let _ = write!(
        page,
        "<tr><td style=\"padding:12px 24px 20px;color:#9aa5b1;font-size:11px;\">permanency-report {} · the attached workbook has the \
         full figures, monthly counts and definitions.</td></tr>\n</table></td></tr></table>\n</body></html>\n",
        model.program_version
    );
    page
}

fn section_title(page: &mut String, text: &str) {
    let _ = write!(
        page,
        "<tr><td style=\"padding:18px 24px 6px;\"><h2 style=\"margin:0;font-size:16px;color:#1f2933;\">{}</h2></td></tr>\n",
        escape(text)
    );
}

fn own_lines(model: &ReportModel) -> impl Iterator<Item = &SummaryLine> {
    model.summary.iter().filter(|line| line.scope == model.scope)
}

fn headline_section(page: &mut String, model: &ReportModel) {
    section_title(page, "Headline measures");
    let office_page = model.scope != Scope::Statewide;
    let _ = write!(
        page,
        "<tr><td style=\"padding:0 24px;\"><table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\">\
         <tr><th style=\"{HEAD}\">Measure</th><th style=\"{HEAD}\">Rate</th><th style=\"{HEAD}\">Target</th><th style=\"{HEAD}\">Status</th>{}\
         <th style=\"{HEAD}\">National</th><th style=\"{HEAD}\">Overdue</th><th style=\"{HEAD}\">Due soon</th></tr>\n",
        if office_page {
            format!("<th style=\"{HEAD}\">Statewide</th>")
        } else {
            String::new()
        }
    );
    for line in own_lines(model) {
        let measure = &model.measures[line.measure];
        let _ = write!(
            page,
            "<tr><td style=\"{CELL}\">{}</td><td style=\"{CELL}\">{}</td><td style=\"{CELL}\">{}</td>{}{}{}\
             <td style=\"{CELL}\">{}</td><td style=\"{CELL}\">{}</td></tr>\n",
            escape(measure.title),
            figure_text(measure, line.figure),
            measure.rate_text(measure.target),
            status_cell(line.status),
            if office_page {
                format!("<td style=\"{CELL}\">{}</td>", measure.rate_text(line.statewide.rate()))
            } else {
                String::new()
            },
            national_cell(measure, line.national_status),
            line.overdue,
            line.due_soon,
        );
    }
    page.push_str("</table></td></tr>\n");
}

/// Opens a narrow table with `first_column` and one column per measure (ids that may wrap).
fn open_measure_table(page: &mut String, model: &ReportModel, first_column: &str, last_columns: &[&str]) {
    let _ = write!(
        page,
        "<tr><td style=\"padding:0 24px;\"><table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\"><tr><th style=\"{NARROW_HEAD}\">{first_column}</th>"
    );
    for measure in &model.measures {
        let _ = write!(
            page,
            "<th style=\"{NARROW_HEAD}\" title=\"{}\">{}</th>",
            escape(measure.title),
            wrapping_id(measure.id)
        );
    }
    for column in last_columns {
        let _ = write!(page, "<th style=\"{NARROW_HEAD}\">{column}</th>");
    }
    page.push_str("</tr>\n");
}

/// Statewide page: every office's rate for every measure, coloured by status.
fn offices_section(page: &mut String, model: &ReportModel) {
    section_title(page, "Offices");
    open_measure_table(page, model, "Office", &[]);
    let mut offices: Vec<&str> = model
        .summary
        .iter()
        .filter_map(|line| line.scope.office_name())
        .collect();
    offices.sort_unstable();
    offices.dedup();
    for office in offices {
        let _ = write!(page, "<tr><td style=\"{NARROW_CELL}\">{}</td>", escape(office));
        for (index, measure) in model.measures.iter().enumerate() {
            let line = model
                .summary
                .iter()
                .find(|line| line.measure == index && line.scope.office_name() == Some(office));
            let (text, colour) = match line {
                Some(line) => (
                    match line.figure {
                        Figure::Suppressed => "suppressed".to_string(),
                        figure => measure.compact_rate(figure.rate()),
                    },
                    match line.status {
                        Status::OnTrack => "#006100",
                        Status::OffTrack => "#9c0006",
                        _ => "#7b8794",
                    },
                ),
                None => ("—".to_string(), "#7b8794"),
            };
            let _ = write!(page, "<td style=\"{NARROW_CELL}color:{colour};\">{text}</td>");
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</table><p style=\"margin:4px 0 0;font-size:11px;color:#7b8794;\">Green: on track against the target (at or above it; at or below it where lower is better). Red: off track.</p></td></tr>\n");
}

/// One row per measure: twelve bars, one per month, height proportional to the rate.
fn trend_section(page: &mut String, model: &ReportModel) {
    section_title(page, &format!("Trend over 12 months — {}", model.scope.display_name()));
    const BAR_AREA: f64 = 40.0;
    let _ = write!(
        page,
        "<tr><td style=\"padding:0 24px;\"><table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" style=\"{FONT}\">"
    );
    for (index, measure) in model.measures.iter().enumerate() {
        let _ = write!(
            page,
            "<tr><td style=\"padding:4px 10px 4px 0;font-size:12px;width:230px;\">{}</td>",
            escape(measure.title)
        );
        let points = &model.trend[index];
        // A percentage fills the bar area at 100 %; a rate per 1,000 days at the series' highest.
        let full_bar = match measure.display {
            crate::measures::RateDisplay::Percent => 1.0,
            crate::measures::RateDisplay::PerThousandDays => points
                .iter()
                .filter_map(|figure| figure.rate())
                .fold(0.0, f64::max)
                .max(f64::MIN_POSITIVE),
        };
        for (month, figure) in model.trend_months.iter().zip(points) {
            let label = month.start.format("%b %Y").to_string();
            let (height, colour, value) = match figure.rate() {
                Some(rate) => (
                    (rate / full_bar * BAR_AREA).round().max(1.0),
                    "#3e7cb1",
                    measure.rate_text(Some(rate)),
                ),
                None if figure.is_suppressed() => (2.0, "#cbd2d9", "suppressed".to_string()),
                None => (2.0, "#e4e7eb", "no data".to_string()),
            };
            let _ = write!(
                page,
                "<td valign=\"bottom\" style=\"height:{BAR_AREA}px;width:16px;padding:0 1px;border-bottom:1px solid #9aa5b1;\">\
                 <div title=\"{label}: {value}\" style=\"height:{height}px;width:14px;background:{colour};font-size:0;line-height:0;\">&nbsp;</div></td>"
            );
        }
        let latest = points
            .last()
            .map_or_else(|| "—".to_string(), |figure| measure.compact_rate(figure.rate()));
        let _ = write!(
            page,
            "<td style=\"padding:0 0 0 8px;font-size:12px;color:#52606d;\">{latest}</td></tr>\n"
        );
    }
    let _ = write!(page, "<tr><td></td>");
    for month in &model.trend_months {
        let _ = write!(
            page,
            "<td style=\"font-size:9px;color:#7b8794;text-align:center;\">{}</td>",
            month.start.format("%b").to_string().chars().next().unwrap_or(' ')
        );
    }
    let first = model
        .trend_months
        .first()
        .map(|month| month.start.format("%b %Y").to_string())
        .unwrap_or_default();
    let _ = write!(
        page,
        "<td style=\"font-size:10px;color:#7b8794;padding-left:8px;\">from {first}</td></tr></table></td></tr>\n"
    );
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
                "<tr><td style=\"padding:0 24px;font-size:13px;\">Case lists are not included in this report.</td></tr>\n"
            );
            return;
        }
        CaseList::CountsOnly => {
            let _ = write!(
                page,
                "<tr><td style=\"padding:0 24px;font-size:13px;\">{} items overdue and {} due soon across all offices; each office's \
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
            "<tr><td style=\"padding:0 24px;font-size:13px;\">No child is overdue or due soon.</td></tr>\n"
        );
        return;
    }
    let blocks = child_blocks(cases);
    let _ = write!(
        page,
        "<tr><td style=\"padding:0 24px 4px;font-size:13px;color:#52606d;\">{} children: {overdue} items overdue, {} due soon. \
         Most overdue first, then the nearest deadlines.</td></tr>\n<tr><td style=\"padding:0 24px;\">",
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
             attached workbook's Case lists sheet.</p>",
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
         <tr><td style=\"padding:2px 8px;font-size:13px;\"><strong>Child {}</strong> <span style=\"color:#7b8794;\">removal {} · removed {}</span></td></tr>",
        if first.days_overdue > 0 { "#c81e1e" } else { "#e1a100" },
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
        let colour = if item.days_overdue > 0 { "#9c0006" } else { "#1f2933" };
        let when = crate::reports::when_due(item.days_overdue);
        let _ = write!(
            page,
            "<tr><td style=\"padding:1px 8px 1px 16px;font-size:12px;\">{} — <span style=\"color:{colour};font-weight:bold;\">{when}</span> \
             <span style=\"color:#7b8794;\">(deadline {})</span></td></tr>",
            escape(title),
            item.deadline
        );
    }
    page.push_str("</table>");
}

/// An office's units, or a unit's workers: each measure's rate with n/N, and the open items.
fn units_section(page: &mut String, model: &ReportModel) {
    if model.units.is_empty() {
        return;
    }
    let (title, first_column) = match model.scope {
        Scope::Unit { .. } => ("Workers", "Worker"),
        _ => ("Units", "Unit"),
    };
    section_title(page, title);
    open_measure_table(page, model, first_column, &["Overdue", "Due soon"]);
    for line in &model.units {
        let _ = write!(page, "<tr><td style=\"{NARROW_CELL}\">{}</td>", escape(&line.label));
        for (figure, measure) in line.figures.iter().zip(&model.measures) {
            let text = match figure {
                Figure::Shown(counts) if counts.denominator > 0 => format!(
                    "{}<br><span style=\"font-size:10px;color:#7b8794;\">{}/{}</span>",
                    measure.compact_rate(counts.rate()),
                    counts.numerator,
                    counts.denominator
                ),
                Figure::Shown(_) => "—".to_string(),
                Figure::Suppressed => "suppressed".to_string(),
            };
            let _ = write!(page, "<td style=\"{NARROW_CELL}\">{text}</td>");
        }
        let _ = write!(
            page,
            "<td style=\"{NARROW_CELL}color:#9c0006;\">{}</td><td style=\"{NARROW_CELL}\">{}</td></tr>\n",
            line.overdue, line.due_soon
        );
    }
    page.push_str("</table></td></tr>\n");
}

/// For the report's own scope: each group's rate, with all other children's rate beneath.
fn equity_section(page: &mut String, model: &ReportModel) {
    section_title(page, &format!("Equity — {}", model.scope.display_name()));
    let own = &model.scope;
    let mut groups: Vec<&str> = Vec::new();
    for line in model.equity.iter().filter(|line| line.scope == *own) {
        if !groups.contains(&line.group.as_str()) {
            groups.push(&line.group);
        }
    }
    open_measure_table(page, model, "Group", &[]);
    for group in groups {
        let _ = write!(page, "<tr><td style=\"{NARROW_CELL}\">{}</td>", escape(group));
        for (index, measure) in model.measures.iter().enumerate() {
            let line = model
                .equity
                .iter()
                .find(|line| line.measure == index && line.scope == *own && line.group == group);
            let cell = match line {
                Some(line) if line.group_figure.is_suppressed() => "suppressed".to_string(),
                Some(line) => {
                    let gap = match (line.group_figure.rate(), line.others_figure.rate()) {
                        (Some(group), Some(others)) if measure.gap_is_notable(group, others) => {
                            "color:#9c0006;font-weight:bold;"
                        }
                        _ => "",
                    };
                    format!(
                        "<span style=\"{gap}\">{}</span><br><span style=\"font-size:10px;color:#7b8794;\">others {}</span>",
                        measure.compact_rate(line.group_figure.rate()),
                        measure.compact_rate(line.others_figure.rate())
                    )
                }
                None => "—".to_string(),
            };
            let _ = write!(page, "<td style=\"{NARROW_CELL}\">{cell}</td>");
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</table><p style=\"margin:4px 0 0;font-size:11px;color:#7b8794;\">Red: the group's rate is at least 10 points worse than all other children's.</p></td></tr>\n");
}

fn quality_section(page: &mut String, model: &ReportModel) {
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
        "<tr><td style=\"padding:16px 24px 0;font-size:12px;color:#52606d;\"><strong>Data quality.</strong> {}.</td></tr>\n",
        escape(&parts.join("; "))
    );
}
