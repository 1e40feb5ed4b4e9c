//! The Trend sheet (a block per measure: the rolling 12-month line with its n and target, the
//! month's own counts beside it, one small native chart with the target) and, in the statewide
//! workbook, the Office trends sheet (each office's rolling line, one row per office and measure).

use rust_xlsxwriter::{
    Chart, ChartFont, ChartFormat, ChartLegendPosition, ChartLine, ChartLineDashType, ChartType, Worksheet, XlsxError,
};

use super::{Formats, excel_date, header_row, heading, write_figure, write_rate};
use crate::calendar::Period;
use crate::measures::RateDisplay;
use crate::reports::suppression::Figure;
use crate::reports::{MeasureLine, ReportModel, Status};

/// Rows a measure's block takes: its title, the column titles, 12 months and a gap, tall enough
/// for its chart.
const BLOCK_ROWS: u32 = 17;
/// The chart sits to the right of the block's table, from this column.
const CHART_COLUMN: u16 = 9;

pub(super) fn trend_sheet(sheet: &mut Worksheet, model: &ReportModel, formats: &Formats) -> anyhow::Result<()> {
    sheet.set_name("Trend")?;
    let what = format!("rolling 12-month trend, {}", model.scope.display_name());
    let mut row = heading(sheet, model, formats, &what)?;
    sheet.write_string_with_format(
        row,
        0,
        "Each month: the rate over the 12 months ending that month (the line a manager reads; the last is the headline), \
         and beside it the month's own counts. permanency_12m_entry's month is the entry cohort of that month one year \
         earlier; teaming_90d is measured on the month's last day.",
        &formats.muted,
    )?;
    row += 2;
    let titles = [
        "Month",
        "12 months: rate",
        "n",
        "N",
        "Target",
        "Month: rate",
        "n",
        "N",
        "Note",
    ];
    header_row(
        sheet,
        row - 1,
        &titles,
        &[11.0, 15.0, 9.0, 9.0, 14.0, 13.0, 8.0, 8.0, 46.0],
        formats,
    )?;
    for (index, measure) in model.measures.iter().enumerate() {
        let (Some(rolling), Some(months)) = (model.rolling.get(index), model.trend.get(index)) else {
            continue;
        };
        if rolling.is_empty() {
            continue;
        }
        measure_block(sheet, model, formats, row, measure, rolling, months)?;
        row += BLOCK_ROWS;
    }
    Ok(())
}

/// One measure: its title, 12 rows, and its chart.
fn measure_block(
    sheet: &mut Worksheet,
    model: &ReportModel,
    formats: &Formats,
    top: u32,
    measure: &MeasureLine,
    rolling: &[Figure],
    months: &[Figure],
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(top, 0, measure.title, &formats.bold)?;
    let first = top + 1;
    for (offset, month) in model.trend_months.iter().enumerate() {
        let row = first + offset as u32;
        sheet.write_datetime_with_format(row, 0, excel_date(month.start)?, &formats.month)?;
        let point = rolling
            .get(offset)
            .copied()
            .unwrap_or(Figure::Shown(Default::default()));
        write_figure(sheet, row, 1, point, measure, formats)?;
        if let Some(target) = measure.target {
            write_rate(sheet, row, 4, target, measure, formats)?;
        }
        if let Some(month_figure) = months.get(offset) {
            write_figure(sheet, row, 5, *month_figure, measure, formats)?;
        }
        let note = month_note(model, measure, month, point);
        if !note.is_empty() {
            sheet.write_string_with_format(row, 8, note, &formats.muted_note)?;
        }
    }
    let last = first + model.trend_months.len() as u32 - 1;
    sheet.insert_chart(
        top,
        CHART_COLUMN,
        &measure_chart(sheet.name().as_str(), measure, first, last),
    )?;
    Ok(())
}

/// Why a month's rolling point needs a word: the month is in progress, or too few to judge.
fn month_note(model: &ReportModel, measure: &MeasureLine, month: &Period, point: Figure) -> String {
    let mut notes = Vec::new();
    if month.is_partial_month() {
        notes.push(format!("in progress, to {}", month.end));
    }
    if Status::of(point, measure.target, measure.direction, model.min_denominator) == Status::TooFew {
        notes.push(format!("too few to judge (N < {})", model.min_denominator));
    }
    notes.join("; ")
}

/// A small line chart of the rolling rate, with the target as a dashed line.
fn measure_chart(sheet: &str, measure: &MeasureLine, first: u32, last: u32) -> Chart {
    let mut chart = Chart::new(ChartType::Line);
    // No data in the title: a chart title that looks like `Sheet!A1` is read as a reference.
    chart
        .title()
        .set_name(measure.short)
        .set_font(ChartFont::new().set_size(11).set_bold());
    chart
        .add_series()
        .set_name("12 months")
        .set_categories((sheet, first, 0, last, 0))
        .set_values((sheet, first, 1, last, 1))
        .set_format(ChartFormat::new().set_line(ChartLine::new().set_color("2F5597").set_width(2.25)));
    if measure.target.is_some() {
        chart
            .add_series()
            .set_name("Target")
            .set_categories((sheet, first, 0, last, 0))
            .set_values((sheet, first, 4, last, 4))
            .set_format(
                ChartFormat::new().set_line(
                    ChartLine::new()
                        .set_color("404040")
                        .set_width(1.25)
                        .set_dash_type(ChartLineDashType::Dash),
                ),
            );
    }
    match measure.display {
        RateDisplay::Percent => {
            chart.y_axis().set_num_format("0%").set_min(0).set_max(1);
        }
        RateDisplay::PerThousandDays => {
            chart.y_axis().set_num_format("0.0").set_min(0);
        }
    }
    chart.x_axis().set_num_format("mmm");
    chart.legend().set_position(ChartLegendPosition::Bottom);
    chart.set_width(420).set_height(320);
    chart
}

/// Statewide workbook: each office's rolling 12-month rates, a row per office and measure, the
/// latest point's n beside them.
pub(super) fn office_trends_sheet(sheet: &mut Worksheet, model: &ReportModel, formats: &Formats) -> anyhow::Result<()> {
    sheet.set_name("Office trends")?;
    let header = heading(sheet, model, formats, "each office's rolling 12-month trend")?;
    let mut titles = vec!["Office".to_string(), "Measure".to_string()];
    let mut widths = vec![18.0, 36.0];
    for month in &model.trend_months {
        titles.push(if month.is_partial_month() {
            format!("{} (to {})", month.start.format("%b %Y"), month.end.format("%-d %b"))
        } else {
            month.start.format("%b %Y").to_string()
        });
        widths.push(if month.is_partial_month() { 13.0 } else { 10.0 });
    }
    titles.extend(["Latest n".to_string(), "Latest N".to_string()]);
    widths.extend([10.0, 10.0]);
    let titles: Vec<&str> = titles.iter().map(String::as_str).collect();
    header_row(sheet, header, &titles, &widths, formats)?;
    let mut row = header + 1;
    for (office, by_measure) in &model.office_rolling {
        for (measure, points) in model.measures.iter().zip(by_measure) {
            if points.is_empty() {
                continue;
            }
            sheet.write_string(row, 0, office)?;
            sheet.write_string(row, 1, measure.title)?;
            for (offset, point) in points.iter().enumerate() {
                write_point(sheet, row, 2 + offset as u16, *point, measure, formats)?;
            }
            if let Some(Figure::Shown(latest)) = points.last() {
                let column = 2 + model.trend_months.len() as u16;
                sheet.write_number_with_format(row, column, latest.numerator as f64, &formats.count)?;
                sheet.write_number_with_format(row, column + 1, latest.denominator as f64, &formats.count)?;
            }
            row += 1;
        }
    }
    if row > header + 1 {
        sheet.autofilter(header, 0, row - 1, titles.len() as u16 - 1)?;
    }
    sheet.set_freeze_panes(header + 1, 2)?;
    Ok(())
}

/// One rate in a grid of rates: the number, "suppressed", or nothing without a denominator. A
/// rate per 1,000 days is the bare number ("6.43"): its row's measure says "per 1,000 days",
/// and "6.43 /1,000 d" does not fit a month's column.
fn write_point(
    sheet: &mut Worksheet,
    row: u32,
    column: u16,
    point: Figure,
    measure: &MeasureLine,
    formats: &Formats,
) -> Result<(), XlsxError> {
    match point {
        Figure::Suppressed => {
            sheet.write_string_with_format(row, column, "suppressed", &formats.muted)?;
        }
        Figure::Shown(counts) => match (counts.rate(), measure.display) {
            (Some(rate), RateDisplay::PerThousandDays) => {
                let value = measure.display.spreadsheet_value(rate);
                sheet.write_number_with_format(row, column, value, &formats.per_thousand_days_bare)?;
            }
            (Some(rate), _) => write_rate(sheet, row, column, rate, measure, formats)?,
            (None, _) => {}
        },
    }
    Ok(())
}
