//! Grids a manager scans: the statewide workbook's office × measure grid (rate, n/N, status by
//! word and colour) and the equity grid (group × measure, each beside all other children).

use rust_xlsxwriter::{Format, Worksheet, XlsxError};

use super::{Formats, heading, status_colours};
use crate::measures::RateDisplay;
use crate::reports::suppression::Figure;
use crate::reports::{EquityLine, MeasureLine, ReportModel, Scope, Status};

/// The columns each measure takes in a grid, and what they hold.
const MEASURE_COLUMNS: u16 = 3;

/// Two header rows: each measure's short title over its three columns, then what they hold.
pub(super) fn grid_header(
    sheet: &mut Worksheet,
    row: u32,
    first_title: &str,
    sub_titles: [&str; MEASURE_COLUMNS as usize],
    model: &ReportModel,
    formats: &Formats,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(row, 0, "", &formats.header)?;
    sheet.write_string_with_format(row + 1, 0, first_title, &formats.header)?;
    sheet.set_column_width(0, 18)?;
    for (index, measure) in model.measures.iter().enumerate() {
        let column = 1 + MEASURE_COLUMNS * index as u16;
        sheet.merge_range(
            row,
            column,
            row,
            column + MEASURE_COLUMNS - 1,
            measure.short,
            &formats.header,
        )?;
        for (offset, title) in sub_titles.iter().enumerate() {
            sheet.write_string_with_format(row + 1, column + offset as u16, *title, &formats.header)?;
        }
        sheet.set_column_width(column, 10)?;
        sheet.set_column_width(column + 1, 11)?;
        sheet.set_column_width(column + 2, 15)?;
    }
    sheet.set_row_height(row, 30)?;
    sheet.set_freeze_panes(row + 2, 1)?;
    sheet.set_repeat_rows(row, row + 1)?;
    // Printed: as many pages across as the measures need, the first column on every page (one
    // page wide would print 40-odd columns too small to read).
    sheet.set_print_fit_to_pages(0, 1);
    sheet.set_repeat_columns(0, 0)?;
    Ok(())
}

/// A rate's cell format: the measure's number format, filled by status (grey italics when too
/// few to judge).
fn rate_format(measure: &MeasureLine, status: Status) -> Format {
    let format = match measure.display {
        RateDisplay::Percent => Format::new().set_num_format("0.0%"),
        RateDisplay::PerThousandDays => Format::new().set_num_format("0.00"),
    };
    status_colours(format, status)
}

/// Rate, "n/N" and a word in three cells from `column`.
fn write_grid_cell(
    sheet: &mut Worksheet,
    row: u32,
    column: u16,
    measure: &MeasureLine,
    figure: Figure,
    status: Status,
    formats: &Formats,
) -> Result<(), XlsxError> {
    match figure {
        Figure::Suppressed => {
            sheet.write_string_with_format(row, column, "suppressed", &formats.muted)?;
        }
        Figure::Shown(counts) => {
            if let Some(rate) = counts.rate() {
                let value = measure.display.spreadsheet_value(rate);
                sheet.write_number_with_format(row, column, value, &rate_format(measure, status))?;
            }
            let counts_text = format!("{}/{}", counts.numerator, counts.denominator);
            sheet.write_string_with_format(row, column + 1, counts_text, &formats.muted_plain)?;
        }
    }
    Ok(())
}

/// Statewide workbook: one row per office (and the state), three columns per measure.
pub(super) fn offices_sheet(sheet: &mut Worksheet, model: &ReportModel, formats: &Formats) -> anyhow::Result<()> {
    sheet.set_name("Offices")?;
    let top = heading(sheet, model, formats, "every office against every target")?;
    sheet.write_string_with_format(
        top,
        0,
        format!(
            "Rate, n/N and status per office; rates per 1,000 days are events per 1,000 days in care. Below {} cases a rate is \
             shown but not judged.",
            model.min_denominator
        ),
        &formats.muted,
    )?;
    let header = top + 1;
    grid_header(sheet, header, "Office", ["Rate", "n/N", "Status"], model, formats)?;
    let mut scopes: Vec<&Scope> = Vec::new();
    for line in &model.summary {
        if !scopes.contains(&&line.scope) {
            scopes.push(&line.scope);
        }
    }
    for (offset, scope) in scopes.into_iter().enumerate() {
        let row = header + 2 + offset as u32;
        let name_format = if *scope == Scope::Statewide {
            &formats.bold
        } else {
            &formats.plain
        };
        sheet.write_string_with_format(row, 0, scope.office_label(), name_format)?;
        for line in model.summary.iter().filter(|line| line.scope == *scope) {
            let measure = &model.measures[line.measure];
            let column = 1 + MEASURE_COLUMNS * line.measure as u16;
            write_grid_cell(sheet, row, column, measure, line.figure, line.status, formats)?;
            sheet.write_string_with_format(row, column + 2, line.status.label(), &formats.muted_plain)?;
        }
    }
    Ok(())
}

/// The report's own scope: one row per group, three columns per measure (the group's rate and
/// n/N, then all other children's rate), a gap worth flagging in red.
pub(super) fn equity_sheet(sheet: &mut Worksheet, model: &ReportModel, formats: &Formats) -> anyhow::Result<()> {
    sheet.set_name("Equity")?;
    let what = format!("each group beside all other children, {}", model.scope.display_name());
    let top = heading(sheet, model, formats, &what)?;
    sheet.write_string_with_format(
        top,
        0,
        format!(
            "Red: the group is 10 points or more worse off than all other children, with at least {} cases on both sides. \
             Every office's groups are in equity.csv.",
            model.min_denominator
        ),
        &formats.muted,
    )?;
    let header = top + 1;
    grid_header(sheet, header, "Group", ["Rate", "n/N", "Others"], model, formats)?;
    let lines: Vec<&EquityLine> = model.equity.iter().filter(|line| line.scope == model.scope).collect();
    let mut groups: Vec<&str> = Vec::new();
    for line in &lines {
        if !groups.contains(&line.group.as_str()) {
            groups.push(&line.group);
        }
    }
    for (offset, group) in groups.into_iter().enumerate() {
        let row = header + 2 + offset as u32;
        sheet.write_string(row, 0, group)?;
        for line in lines.iter().filter(|line| line.group == group) {
            let measure = &model.measures[line.measure];
            let column = 1 + MEASURE_COLUMNS * line.measure as u16;
            let flagged = match (line.group_figure, line.others_figure) {
                (Figure::Shown(group), Figure::Shown(others)) => {
                    measure.gap_is_notable(group, others, model.min_denominator)
                }
                _ => false,
            };
            let status = if flagged { Status::OffTrack } else { Status::NoTarget };
            write_grid_cell(sheet, row, column, measure, line.group_figure, status, formats)?;
            match line.others_figure {
                Figure::Suppressed => {
                    sheet.write_string_with_format(row, column + 2, "suppressed", &formats.muted)?;
                }
                Figure::Shown(others) => {
                    if let Some(rate) = others.rate() {
                        let value = measure.display.spreadsheet_value(rate);
                        sheet.write_number_with_format(
                            row,
                            column + 2,
                            value,
                            &rate_format(measure, Status::NoTarget),
                        )?;
                    }
                }
            }
        }
    }
    Ok(())
}
