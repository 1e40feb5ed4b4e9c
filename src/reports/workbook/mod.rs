//! Renders a `ReportModel` as an Excel workbook: Summary, Offices (statewide), Units or Workers,
//! Trend (a small native chart per measure), Office trends (statewide), Case lists, Equity,
//! Data quality and About. Every value from the data is written as a
//! string or a number cell, never as a formula. Byte-identical for the same model: the
//! document's creation time is the as-of date.

use chrono::{Datelike, NaiveDate};
mod grids;
mod trend;

use rust_xlsxwriter::{
    ConditionalFormatText, ConditionalFormatTextRule, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder,
    Workbook, Worksheet, XlsxError,
};

use crate::measures::RateDisplay;
use crate::reports::model::{Change, OfficeQualityView};
use crate::reports::suppression::Figure;
use crate::reports::{MeasureLine, ReportModel, Scope, Status};

/// The formats every sheet uses.
struct Formats {
    title: Format,
    subtitle: Format,
    header: Format,
    percent: Format,
    per_thousand_days: Format,
    /// Where the row or column already says "per 1,000 days".
    per_thousand_days_bare: Format,
    count: Format,
    date: Format,
    month: Format,
    wrapped: Format,
    on_track: Format,
    off_track: Format,
    muted: Format,
    /// `muted`, set off from the count on its left (a trend month's note).
    muted_note: Format,
    muted_plain: Format,
    /// A dash standing for a count there is none of, aligned as the counts are.
    muted_in_counts: Format,
    bold: Format,
    plain: Format,
    /// Text in a column right of a number: set a space off it.
    text_after_numbers: Format,
    change_points: Format,
    change_per_thousand: Format,
}

impl Formats {
    fn new() -> Self {
        Self {
            title: Format::new().set_bold().set_font_size(14),
            subtitle: Format::new().set_font_color("595959"),
            header: Format::new()
                .set_bold()
                .set_background_color("DDEBF7")
                .set_border_bottom(FormatBorder::Thin)
                .set_text_wrap()
                .set_align(FormatAlign::Top),
            percent: Format::new().set_num_format("0.0%"),
            per_thousand_days: Format::new().set_num_format("0.00\" /1,000 d\""),
            per_thousand_days_bare: Format::new().set_num_format("0.00"),
            count: Format::new().set_num_format("#,##0"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            month: Format::new().set_num_format("mmm yyyy"),
            wrapped: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            on_track: status_colours(Format::new(), Status::OnTrack),
            off_track: status_colours(Format::new(), Status::OffTrack),
            muted: status_colours(Format::new(), Status::TooFew),
            muted_note: status_colours(Format::new(), Status::TooFew).set_indent(1),
            muted_plain: Format::new().set_font_color("595959"),
            muted_in_counts: Format::new().set_font_color("595959").set_align(FormatAlign::Right),
            bold: Format::new().set_bold(),
            plain: Format::new(),
            text_after_numbers: Format::new().set_indent(1),
            change_points: Format::new().set_num_format("+0.0\" pts\";-0.0\" pts\";0.0\" pts\""),
            change_per_thousand: Format::new().set_num_format("+0.00;-0.00;0.00"),
        }
    }
}

/// `format` in a status's colours: green on track, red off track, grey italics when not judged
/// for too few cases (a grey, italic cell is also how the workbook mutes a note).
fn status_colours(format: Format, status: Status) -> Format {
    match status {
        Status::OnTrack => format.set_font_color("006100").set_background_color("C6EFCE"),
        Status::OffTrack => format.set_font_color("9C0006").set_background_color("FFC7CE"),
        Status::TooFew => format.set_font_color("7F7F7F").set_italic(),
        _ => format,
    }
}

fn excel_date(date: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(date.year() as u16, date.month() as u8, date.day() as u8)
}

pub fn render(model: &ReportModel) -> anyhow::Result<Vec<u8>> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    // Deflate level 2: at national scale the statewide workbook (every case) saves in three
    // quarters of the time of the default level 6 and is under a fifth larger (level 1 is
    // barely faster and three quarters larger).
    workbook.set_zip_compression_level(2);
    let created = excel_date(model.as_of)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(&model.title)
            .set_author("permanency-report")
            .set_creation_datetime(&created),
    );
    summary_sheet(workbook.add_worksheet(), model, &formats)?;
    if model.scope == Scope::Statewide {
        grids::offices_sheet(workbook.add_worksheet(), model, &formats)?;
    }
    if !model.units.is_empty() {
        units_sheet(workbook.add_worksheet(), model, &formats)?;
    }
    if model.rolling.iter().any(|points| !points.is_empty()) {
        trend::trend_sheet(workbook.add_worksheet(), model, &formats)?;
    }
    if !model.office_rolling.is_empty() {
        trend::office_trends_sheet(workbook.add_worksheet(), model, &formats)?;
    }
    cases_sheet(workbook.add_worksheet(), model, &formats)?;
    if model.equity.iter().any(|line| line.scope == model.scope) {
        grids::equity_sheet(workbook.add_worksheet(), model, &formats)?;
    }
    quality_sheet(workbook.add_worksheet(), model, &formats)?;
    about_sheet(workbook.add_worksheet(), model, &formats)?;
    Ok(workbook.save_to_buffer()?)
}

/// Title, as-of line and (when applied) the suppression note; returns the next free row.
fn heading(sheet: &mut Worksheet, model: &ReportModel, formats: &Formats, what: &str) -> Result<u32, XlsxError> {
    // Printed or turned into PDF: landscape, one page wide.
    sheet.set_landscape().set_print_fit_to_pages(1, 0);
    sheet.write_string_with_format(0, 0, format!("{} — {what}", model.title), &formats.title)?;
    sheet.write_string_with_format(
        1,
        0,
        format!(
            "As of {} · reporting period {} to {} · permanency-report {} · {}",
            model.as_of,
            model.reporting_period.start,
            model.reporting_period.end,
            model.program_version,
            model.newest_dates_line()
        ),
        &formats.subtitle,
    )?;
    let mut row = 3;
    if let Some(note) = &model.suppression_note {
        sheet.write_string_with_format(2, 0, note, &formats.muted)?;
        row = 4;
    }
    Ok(row)
}

fn header_row(
    sheet: &mut Worksheet,
    row: u32,
    titles: &[&str],
    widths: &[f64],
    formats: &Formats,
) -> Result<(), XlsxError> {
    for (column, (title, width)) in titles.iter().zip(widths).enumerate() {
        sheet.write_string_with_format(row, column as u16, *title, &formats.header)?;
        sheet.set_column_width(column as u16, *width)?;
    }
    // Titles wrap to two lines in narrow columns; a program's row does not grow by itself.
    let wraps = (titles.iter().zip(widths)).any(|(title, width)| title.chars().count() as f64 > *width);
    if wraps {
        sheet.set_row_height(row, 30)?;
    }
    sheet.set_freeze_panes(row + 1, 0)?;
    sheet.set_repeat_rows(row, row)?;
    Ok(())
}

/// Writes a rate of `measure` as its reports show it: a percentage, or events per 1,000 days.
fn write_rate(
    sheet: &mut Worksheet,
    row: u32,
    column: u16,
    rate: f64,
    measure: &MeasureLine,
    formats: &Formats,
) -> Result<(), XlsxError> {
    let format = match measure.display {
        RateDisplay::Percent => &formats.percent,
        RateDisplay::PerThousandDays => &formats.per_thousand_days,
    };
    sheet.write_number_with_format(row, column, measure.display.spreadsheet_value(rate), format)?;
    Ok(())
}

/// Writes a figure as rate, numerator, denominator in three cells from `column`.
fn write_figure(
    sheet: &mut Worksheet,
    row: u32,
    column: u16,
    figure: Figure,
    measure: &MeasureLine,
    formats: &Formats,
) -> Result<(), XlsxError> {
    match figure {
        Figure::Suppressed => {
            for offset in 0..3 {
                sheet.write_string_with_format(row, column + offset, "suppressed", &formats.muted)?;
            }
        }
        Figure::Shown(counts) => {
            if let Some(rate) = counts.rate() {
                write_rate(sheet, row, column, rate, measure, formats)?;
            }
            sheet.write_number_with_format(row, column + 1, counts.numerator as f64, &formats.count)?;
            sheet.write_number_with_format(row, column + 2, counts.denominator as f64, &formats.count)?;
        }
    }
    Ok(())
}

/// A change of a rate: points for a percentage, events per 1,000 days otherwise.
fn write_change(
    sheet: &mut Worksheet,
    row: u32,
    column: u16,
    change: &Option<Change>,
    measure: &MeasureLine,
    formats: &Formats,
) -> Result<(), XlsxError> {
    if let Some(change) = change {
        let (value, format) = match measure.display {
            RateDisplay::Percent => (change.difference * 100.0, &formats.change_points),
            RateDisplay::PerThousandDays => (change.difference * 1000.0, &formats.change_per_thousand),
        };
        sheet.write_number_with_format(row, column, value, format)?;
    }
    Ok(())
}

fn summary_sheet(sheet: &mut Worksheet, model: &ReportModel, formats: &Formats) -> anyhow::Result<()> {
    sheet.set_name("Summary")?;
    let header = heading(sheet, model, formats, "summary")?;
    header_row(
        sheet,
        header,
        &[
            "Measure",
            "Office",
            "Rate",
            "Numerator",
            "Denominator",
            "Target",
            "Status",
            "Statewide rate",
            "Overdue now",
            "Due soon",
            "National",
            "Against national",
            "Since last month",
            "Since a year ago",
        ],
        &[
            58.0, 16.0, 14.0, 11.0, 12.0, 14.0, 15.0, 14.0, 10.0, 9.0, 14.0, 17.0, 12.0, 12.0,
        ],
        formats,
    )?;
    // The status and the comparison with the national figure follow right-aligned numbers.
    sheet.set_column_format(6, &formats.text_after_numbers)?;
    sheet.set_column_format(11, &formats.text_after_numbers)?;
    let mut row = header + 1;
    for line in &model.summary {
        let measure = &model.measures[line.measure];
        sheet.write_string(row, 0, measure.title)?;
        sheet.write_string(row, 1, line.scope.office_label())?;
        write_figure(sheet, row, 2, line.figure, measure, formats)?;
        if let Some(target) = measure.target {
            write_rate(sheet, row, 5, target, measure, formats)?;
        }
        sheet.write_string(row, 6, line.status.label())?;
        if let (Some(national), Some(status)) = (measure.national, line.national_status) {
            write_rate(sheet, row, 10, national, measure, formats)?;
            sheet.write_string(row, 11, status.national_label())?;
        }
        match line.statewide.rate() {
            Some(rate) => write_rate(sheet, row, 7, rate, measure, formats)?,
            None if line.statewide.is_suppressed() => {
                sheet.write_string_with_format(row, 7, "suppressed", &formats.muted)?;
            }
            None => {}
        }
        if measure.has_case_list {
            sheet.write_number_with_format(row, 8, line.overdue as f64, &formats.count)?;
            sheet.write_number_with_format(row, 9, line.due_soon as f64, &formats.count)?;
        } else {
            // No case list: nothing can be overdue (not zero).
            sheet.write_string_with_format(row, 8, "—", &formats.muted_in_counts)?;
            sheet.write_string_with_format(row, 9, "—", &formats.muted_in_counts)?;
        }
        write_change(sheet, row, 12, &line.change_since_last_month, measure, formats)?;
        write_change(sheet, row, 13, &line.change_since_a_year_ago, measure, formats)?;
        row += 1;
    }
    let last = row.saturating_sub(1).max(header + 1);
    sheet.autofilter(header, 0, last, 13)?;
    // Status by colour as well as by text.
    for (label, format) in [
        (Status::OnTrack.label(), &formats.on_track),
        (Status::OffTrack.label(), &formats.off_track),
    ] {
        let rule = ConditionalFormatText::new()
            .set_rule(ConditionalFormatTextRule::BeginsWith(label.to_string()))
            .set_format(format);
        sheet.add_conditional_format(header + 1, 6, last, 6, &rule)?;
    }
    Ok(())
}

fn cases_sheet(sheet: &mut Worksheet, model: &ReportModel, formats: &Formats) -> anyhow::Result<()> {
    sheet.set_name("Case lists")?;
    let header = heading(sheet, model, formats, "children overdue or due soon")?;
    let cases = match &model.cases {
        crate::reports::CaseList::Listed(cases) => cases,
        crate::reports::CaseList::Suppressed => {
            sheet.write_string(
                header,
                0,
                "Case lists are not included in this report (small-cell suppression).",
            )?;
            return Ok(());
        }
        crate::reports::CaseList::CountsOnly => {
            sheet.write_string(
                header,
                0,
                format!(
                    "{} items overdue and {} due soon across all offices. Each office's and unit's workbook lists its own \
                     children; cases.csv in the run directory has them all.",
                    model.case_totals.overdue, model.case_totals.due_soon
                ),
            )?;
            return Ok(());
        }
    };
    header_row(
        sheet,
        header,
        &[
            "Office",
            "Unit",
            "Worker",
            "Child ID",
            "Removal ID",
            "Measure",
            "Status",
            "Removal date",
            "Deadline",
            "Days overdue",
        ],
        &[18.0, 16.0, 26.0, 14.0, 14.0, 22.0, 10.0, 13.0, 13.0, 13.0],
        formats,
    )?;
    // The date and count columns carry their formats once, taken by every cell written there
    // without one: a format given with each cell is looked up by hashing it, per cell
    // (hundreds of thousands of rows at national scale).
    sheet.set_column_format(7, &formats.date)?;
    sheet.set_column_format(8, &formats.date)?;
    sheet.set_column_format(9, &formats.count)?;
    // In action order: by unit and worker, each child's items together, most urgent first.
    let mut row = header + 1;
    for case in cases {
        sheet.write_string(row, 0, &*case.office)?;
        sheet.write_string(row, 1, &*case.unit)?;
        sheet.write_string(row, 2, model.worker_label(&case.worker_id))?;
        sheet.write_string(row, 3, &*case.child_id)?;
        sheet.write_string(row, 4, &*case.removal_id)?;
        sheet.write_string(row, 5, case.measure)?;
        sheet.write_string(row, 6, case.status.as_str())?;
        sheet.write_datetime(row, 7, excel_date(case.removal_date)?)?;
        sheet.write_datetime(row, 8, excel_date(case.deadline)?)?;
        sheet.write_number(row, 9, case.days_overdue as f64)?;
        row += 1;
    }
    if cases.is_empty() {
        sheet.write_string(row, 0, "No child is overdue or due soon.")?;
    } else {
        sheet.autofilter(header, 0, row - 1, 9)?;
    }
    Ok(())
}

/// An office's units, or a unit's workers: each measure's rate, numerator and denominator,
/// and the open items.
fn units_sheet(sheet: &mut Worksheet, model: &ReportModel, formats: &Formats) -> anyhow::Result<()> {
    let (name, what, first) = match model.scope {
        crate::reports::Scope::Unit { .. } => ("Workers", "each worker", "Worker"),
        _ => ("Units", "each unit", "Unit"),
    };
    sheet.set_name(name)?;
    let header = heading(sheet, model, formats, what)?;
    // As the statewide grid: each measure's title over its rate, n and N (printed as many
    // pages across as the measures need, not 40-odd columns shrunk onto one page).
    grids::grid_header(sheet, header, first, ["Rate", "n", "N"], model, formats)?;
    // Narrower than the grid's (whose middle column is "n/N" and last a status word): about
    // four measures to a printed page.
    // A rate per 1,000 days ("7.31 /1,000 d") and its denominator of days need more room.
    sheet.set_column_width(0, 24)?;
    for (index, measure) in (0..).zip(&model.measures) {
        let per_days = matches!(measure.display, RateDisplay::PerThousandDays);
        sheet.set_column_width(1 + 3 * index, if per_days { 14 } else { 9 })?;
        sheet.set_column_width(2 + 3 * index, 6)?;
        sheet.set_column_width(3 + 3 * index, if per_days { 9 } else { 6 })?;
    }
    let counts_column = 1 + 3 * model.measures.len() as u16;
    for (offset, title) in ["Overdue", "Due soon"].into_iter().enumerate() {
        let column = counts_column + offset as u16;
        sheet.write_string_with_format(header, column, "", &formats.header)?;
        sheet.write_string_with_format(header + 1, column, title, &formats.header)?;
        sheet.set_column_width(column, 10)?;
    }
    let header = header + 1;
    let mut row = header + 1;
    for line in &model.units {
        sheet.write_string(row, 0, &line.label)?;
        for (index, (figure, measure)) in line.figures.iter().zip(&model.measures).enumerate() {
            write_figure(sheet, row, 1 + 3 * index as u16, *figure, measure, formats)?;
        }
        let column = 1 + 3 * line.figures.len() as u16;
        sheet.write_number_with_format(row, column, line.overdue as f64, &formats.count)?;
        sheet.write_number_with_format(row, column + 1, line.due_soon as f64, &formats.count)?;
        row += 1;
    }
    sheet.autofilter(header, 0, row.saturating_sub(1).max(header + 1), counts_column + 1)?;
    Ok(())
}

fn quality_sheet(sheet: &mut Worksheet, model: &ReportModel, formats: &Formats) -> anyhow::Result<()> {
    sheet.set_name("Data quality")?;
    match &model.own_quality {
        Some(own) => office_quality_sheet(sheet, model, own, formats),
        None => statewide_quality_sheet(sheet, model, formats),
    }
}

/// An office's (or unit's) report: the office's own rows, extract by extract.
fn office_quality_sheet(
    sheet: &mut Worksheet,
    model: &ReportModel,
    own: &OfficeQualityView,
    formats: &Formats,
) -> anyhow::Result<()> {
    let header = heading(
        sheet,
        model,
        formats,
        &format!("data quality, {} office's rows", own.office),
    )?;
    header_row(
        sheet,
        header,
        &["Extract", "Accepted", "Rejected", "Reason", "Rows"],
        &[16.0, 12.0, 12.0, 28.0, 10.0],
        formats,
    )?;
    let mut row = header + 1;
    for (extract, counts) in &own.extracts {
        sheet.write_string(row, 0, *extract)?;
        sheet.write_number_with_format(row, 1, counts.accepted as f64, &formats.count)?;
        sheet.write_number_with_format(row, 2, counts.rejected as f64, &formats.count)?;
        row += 1;
        for (reason, rows) in &counts.rejected_by_kind {
            sheet.write_string(row, 0, *extract)?;
            sheet.write_string(row, 3, *reason)?;
            sheet.write_number_with_format(row, 4, *rows as f64, &formats.count)?;
            row += 1;
        }
    }
    let notes = [
        format!(
            "Rows of {}: its removals, and the notices, meetings and placements linked to them; a rejected row is the office's \
             when its office (removals) or its removal_id (the others) is the office's.",
            own.office
        ),
        format!(
            "{} rejected rows tonight name no office that could be found; they are in the statewide report.",
            own.not_placed
        ),
        "Rejected rows, with their line numbers and reasons, are in rejects/<extract>.csv in the night's directory."
            .to_string(),
    ];
    for (offset, note) in notes.into_iter().enumerate() {
        sheet.write_string_with_format(row + 1 + offset as u32, 0, note, &formats.muted)?;
    }
    Ok(())
}

/// The statewide report: every extract's rows and the reasons rows were rejected or unlinked.
fn statewide_quality_sheet(sheet: &mut Worksheet, model: &ReportModel, formats: &Formats) -> anyhow::Result<()> {
    let header = heading(sheet, model, formats, "data quality")?;
    header_row(
        sheet,
        header,
        &["Extract", "File", "Rows read", "Accepted", "Rejected", "Orphaned"],
        &[16.0, 40.0, 12.0, 12.0, 12.0, 12.0],
        formats,
    )?;
    let mut row = header + 1;
    for line in &model.quality {
        sheet.write_string(row, 0, line.extract)?;
        sheet.write_string(row, 1, &line.input.path)?;
        for (offset, value) in [
            line.input.rows_read,
            line.input.rows_accepted,
            line.input.rows_rejected,
            line.input.rows_orphaned,
        ]
        .into_iter()
        .enumerate()
        {
            sheet.write_number_with_format(row, 2 + offset as u16, value as f64, &formats.count)?;
        }
        row += 1;
    }
    row += 1;
    for (column, title) in ["Extract", "Kind", "Reason", "Rows"].into_iter().enumerate() {
        sheet.write_string_with_format(row, column as u16, title, &formats.header)?;
    }
    row += 1;
    for line in &model.quality {
        for (kind, reason, rows) in &line.reasons {
            sheet.write_string(row, 0, line.extract)?;
            sheet.write_string(row, 1, *kind)?;
            sheet.write_string(row, 2, reason)?;
            sheet.write_number_with_format(row, 3, *rows as f64, &formats.count)?;
            row += 1;
        }
    }
    sheet.write_string_with_format(
        row + 1,
        0,
        "Rejected rows, with their line numbers and reasons, are in rejects/<extract>.csv beside this workbook.",
        &formats.muted,
    )?;
    Ok(())
}

/// The About sheet's column widths, in characters.
const ID_WIDTH: usize = 30;
const TITLE_WIDTH: usize = 40;
const DEFINITION_WIDTH: usize = 100;

/// How many lines `text` takes wrapped at word boundaries in a column `width` characters wide
/// (a little narrower, as proportional fonts run wider than a character count on average).
fn wrapped_lines(text: &str, width: usize) -> usize {
    let usable = width.saturating_sub(width / 8).max(1);
    let mut lines = 1;
    let mut used = 0;
    for word in text.split_whitespace() {
        let length = word.chars().count();
        if used > 0 && used + 1 + length > usable {
            lines += 1;
            used = length;
        } else {
            used += if used > 0 { 1 + length } else { length };
        }
    }
    lines
}

fn about_sheet(sheet: &mut Worksheet, model: &ReportModel, formats: &Formats) -> anyhow::Result<()> {
    sheet.set_name("About")?;
    let header = heading(sheet, model, formats, "about these figures")?;
    sheet.set_column_width(0, ID_WIDTH as f64)?;
    sheet.set_column_width(1, TITLE_WIDTH as f64)?;
    sheet.set_column_width(2, DEFINITION_WIDTH as f64)?;
    let mut row = header;
    for (column, title) in ["Measure", "Title", "Definition"].into_iter().enumerate() {
        sheet.write_string_with_format(row, column as u16, title, &formats.header)?;
    }
    row += 1;
    for measure in &model.measures {
        sheet.write_string_with_format(row, 0, measure.id, &formats.wrapped)?;
        sheet.write_string_with_format(row, 1, measure.title, &formats.wrapped)?;
        sheet.write_string_with_format(row, 2, &measure.definition, &formats.wrapped)?;
        // Neither Excel nor LibreOffice grows a row for wrapped text written by a program:
        // the height is set from the longest cell's lines.
        let lines = wrapped_lines(&measure.definition, DEFINITION_WIDTH)
            .max(wrapped_lines(measure.title, TITLE_WIDTH))
            .max(wrapped_lines(measure.id, ID_WIDTH));
        sheet.set_row_height(row, 15.0 * lines as f64 + 3.0)?;
        row += 1;
    }
    row += 1;
    sheet.write_string_with_format(row, 0, "Timeframe", &formats.header)?;
    sheet.write_string_with_format(row, 1, "Value in force", &formats.header)?;
    row += 1;
    for (name, value) in &model.timeframes {
        sheet.write_string(row, 0, *name)?;
        sheet.write_number(row, 1, f64::from(*value))?;
        row += 1;
    }
    row += 1;
    for (column, title) in ["Input", "File", "SHA-256"].into_iter().enumerate() {
        sheet.write_string_with_format(row, column as u16, title, &formats.header)?;
    }
    row += 1;
    for line in &model.quality {
        sheet.write_string(row, 0, line.extract)?;
        sheet.write_string(row, 1, format!("{} ({} bytes)", line.input.path, line.input.size_bytes))?;
        sheet.write_string(row, 2, &line.input.sha256)?;
        row += 1;
    }
    row += 1;
    sheet.write_string(row, 0, "Configuration SHA-256")?;
    sheet.write_string(row, 2, &model.configuration_sha256)?;
    sheet.write_string(row + 1, 0, "Program")?;
    sheet.write_string(row + 1, 2, format!("permanency-report {}", model.program_version))?;
    sheet.write_string(row + 2, 0, "As of")?;
    sheet.write_datetime_with_format(row + 2, 2, excel_date(model.as_of)?, &formats.date)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::wrapped_lines;

    #[test]
    fn wrapped_lines_count_word_wrapped_lines_in_a_column() {
        assert_eq!(wrapped_lines("", 40), 1);
        assert_eq!(wrapped_lines("short words only", 40), 1);
        // 35 usable characters in a column of 40: "aaaa " × 7 is 34, the eighth word wraps.
        assert_eq!(wrapped_lines(&"aaaa ".repeat(8), 40), 2);
        assert_eq!(wrapped_lines(&"word ".repeat(100), 100), 6);
    }
}
