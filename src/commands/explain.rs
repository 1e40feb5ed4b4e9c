//! `explain --removal-id ID… | --ids FILE [--format text|csv]`: why episodes are (or are not)
//! counted in each measure, from the engine's own evaluation (`engine::evaluate_episode`):
//! a paragraph per measure, or a CSV row per episode and measure for analysts.

use std::fmt::Write;
use std::path::Path;

use anyhow::Context;
use chrono::NaiveDate;

use crate::calendar::Period;
use crate::cli::{ExplainArgs, ExplainFormat};
use crate::commands::{as_of_or_yesterday, load_config};
use crate::config::Config;
use crate::engine::{EpisodeEvaluation, Knowledge, evaluate_episode};
use crate::failure::Failure;
use crate::ingest;
use crate::measures::{EpisodeAsOf, Tally, Verdict};

pub fn explain(arguments: &ExplainArgs, today: NaiveDate, progress: crate::progress::Progress) -> Result<(), Failure> {
    let config = load_config(&arguments.input, arguments.holidays.as_deref())?;
    let as_of = as_of_or_yesterday(arguments.as_of, today);
    let mut removal_ids = arguments.removal_id.clone();
    if let Some(file) = &arguments.ids {
        removal_ids.extend(ids_in_file(file).map_err(Failure::Configuration)?);
    }
    let data = ingest::read_extracts(&config, progress).map_err(|error| Failure::Input(error.into()))?;
    let positions: Vec<(&str, Option<usize>)> = (removal_ids.iter())
        .map(|removal_id| (removal_id.as_str(), data.position_of(removal_id)))
        .collect();
    if positions.iter().all(|(_, position)| position.is_none()) {
        let removals = config
            .extract(crate::extracts::Extract::Removals)
            .map(|input| input.path.display().to_string())
            .unwrap_or_default();
        let which = match removal_ids.as_slice() {
            [one] => format!("removal_id {one:?} is not"),
            many => format!("none of the removal ids {:?} is", many.join(", ")),
        };
        return Err(Failure::Configuration(anyhow::anyhow!(
            "{which} among the accepted episodes of {removals} (if rejected, `run` lists it in rejects/removals.csv)"
        )));
    }
    let output = match arguments.format {
        ExplainFormat::Text => {
            let mut text = String::new();
            for (index, (removal_id, position)) in positions.iter().enumerate() {
                if index > 0 {
                    text.push_str("\n\n");
                }
                match position {
                    Some(position) => text.push_str(&explanation(&data, &config, *position, as_of)),
                    None => {
                        let _ = writeln!(text, "removal_id {removal_id}: not among the accepted episodes");
                    }
                }
            }
            text
        }
        ExplainFormat::Csv => explanation_csv(&data, &config, &positions, as_of).map_err(Failure::Configuration)?,
    };
    print!("{output}");
    Ok(())
}

/// The removal ids in `file`: one a line, blank lines skipped, a first line `removal_id` taken
/// as a header.
fn ids_in_file(file: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading the ids in {}", file.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .enumerate()
        .filter(|&(line, id)| {
            let header = line == 0 && id == "removal_id";
            !id.is_empty() && !header
        })
        .map(|(_, id)| id.to_string())
        .collect())
}

/// The columns of `explain --format csv`.
pub const EXPLAIN_CSV_COLUMNS: [&str; 13] = [
    "as_of",
    "removal_id",
    "child_id",
    "office",
    "measure",
    "period_start",
    "period_end",
    "verdict",
    "rule",
    "deadline",
    "deciding_event",
    "deciding_date",
    "days_from_deadline",
];

/// One row per episode and measure: `verdict` is `numerator`, `denominator` (counted, not in the
/// numerator), `excluded` (with its `rule`) or `not_accepted` (an id no accepted episode has);
/// `days_from_deadline` is the deciding date minus the deadline (negative: before it). A
/// measure counted per event (several per episode) says `numerator` only when every one was in
/// it, and `rule` gives the counts (`3 of 4`).
pub fn explanation_csv(
    data: &ingest::IngestedData,
    config: &Config,
    positions: &[(&str, Option<usize>)],
    as_of: NaiveDate,
) -> anyhow::Result<String> {
    let measures = crate::measures::reported_measures(&data.extracts_read());
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(EXPLAIN_CSV_COLUMNS)?;
    let knowledge = Knowledge::of(data, config, &measures);
    let date = |date: Option<NaiveDate>| date.map_or(String::new(), |date| date.to_string());
    for (removal_id, position) in positions {
        let Some(position) = *position else {
            let mut row = vec![String::new(); EXPLAIN_CSV_COLUMNS.len()];
            row[0] = as_of.to_string();
            row[1] = crate::output::neutralise_csv_text(removal_id).into_owned();
            row[7] = "not_accepted".into();
            writer.write_record(&row)?;
            continue;
        };
        let episode = &data.episodes[position];
        for evaluation in evaluate_episode(knowledge, position, as_of) {
            let (verdict, rule, deadline, event) = match evaluation.verdict {
                Verdict::Excluded(exclusion) => ("excluded", exclusion.rule.to_string(), None, None),
                Verdict::Counted {
                    in_numerator,
                    tally,
                    evidence,
                } => (
                    if in_numerator { "numerator" } else { "denominator" },
                    if tally == Tally::counted(in_numerator) {
                        String::new()
                    } else {
                        format!("{} of {}", tally.numerator, tally.denominator)
                    },
                    evidence.deadline,
                    evidence.event,
                ),
            };
            let days_from_deadline = match (deadline, event) {
                (Some(deadline), Some((_, happened))) => (happened - deadline).num_days().to_string(),
                _ => String::new(),
            };
            writer.write_record([
                as_of.to_string(),
                crate::output::neutralise_csv_text(&episode.removal_id).into_owned(),
                crate::output::neutralise_csv_text(&episode.child_id).into_owned(),
                crate::output::neutralise_csv_text(&episode.office).into_owned(),
                evaluation.measure.id().to_string(),
                evaluation.period.start.to_string(),
                evaluation.period.end.to_string(),
                verdict.to_string(),
                rule,
                date(deadline),
                event.map_or(String::new(), |(what, _)| what.to_string()),
                date(event.map(|(_, happened)| happened)),
                days_from_deadline,
            ])?;
        }
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}

/// The text `explain` prints: the episode's facts as known on `as_of`, then one paragraph per
/// measure.
pub fn explanation(data: &ingest::IngestedData, config: &Config, position: usize, as_of: NaiveDate) -> String {
    let measures = crate::measures::reported_measures(&data.extracts_read());
    let knowledge = Knowledge::of(data, config, &measures);
    let mut text = facts(data, position, as_of);
    for evaluation in evaluate_episode(knowledge, position, as_of) {
        measure_paragraph(&mut text, &evaluation, config, as_of);
    }
    text
}

/// The episode's ids and dates, and the notices and meetings known on `as_of`.
fn facts(data: &ingest::IngestedData, position: usize, as_of: NaiveDate) -> String {
    let episode = &data.episodes[position];
    let known = EpisodeAsOf::new(&data.episodes, position, as_of);
    let mut text = String::new();
    let _ = writeln!(
        text,
        "removal_id {}  child_id {}  office {}  unit {}  worker {}",
        episode.removal_id,
        episode.child_id,
        episode.office,
        episode.unit,
        data.worker_ids.id(episode.worker)
    );
    let _ = writeln!(
        text,
        "as of {as_of}; reporting period {} to {}",
        Period::reporting_period(as_of).start,
        as_of
    );
    let _ = writeln!(
        text,
        "  removal {}  placement {}  emergency {}",
        episode.removal_date,
        episode.placement_date,
        if episode.emergency { "Y" } else { "N" }
    );
    let _ = writeln!(
        text,
        "  birth {}  goal {}  race/ethnicity {}",
        episode
            .birth_date
            .map_or("unknown".to_string(), |date| date.to_string()),
        episode.permanency_goal.map_or("none", |goal| goal.canonical_code()),
        episode.race_ethnicity
    );
    let _ = match (episode.discharge, known.discharge()) {
        (Some(discharge), Some(_)) => writeln!(
            text,
            "  discharged {} ({})",
            discharge.date,
            discharge.reason.canonical_code()
        ),
        (Some(discharge), None) => writeln!(
            text,
            "  discharged {} — after as_of, so still in care on {as_of}",
            discharge.date
        ),
        _ => writeln!(text, "  not discharged"),
    };
    let notices: Vec<String> = known.notice_dates().map(|date| date.to_string()).collect();
    let _ = writeln!(text, "  relative notices known on as_of: {}", listed(&notices));
    let meetings: Vec<String> = known
        .meetings()
        .map(|meeting| {
            format!(
                "{} {} ({})",
                meeting.date,
                meeting.meeting_type.canonical_code(),
                meeting.status.canonical_code()
            )
        })
        .collect();
    let _ = writeln!(text, "  meetings known on as_of: {}", listed(&meetings));
    let placements: Vec<String> = known
        .placements()
        .map(|placement| {
            format!(
                "{} {}{}",
                placement.start_date,
                placement.setting.canonical_code(),
                if placement.emergency { " (emergency)" } else { "" }
            )
        })
        .collect();
    if !data.extracts_read().contains(&crate::extracts::Extract::Placements) {
        let _ = writeln!(text, "  placements: not read (no placements extract configured)");
    } else {
        let _ = writeln!(text, "  placements known on as_of: {}", listed(&placements));
    }
    text
}

fn listed(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// One measure's verdict, the dates that decided it and the case-list entry.
fn measure_paragraph(text: &mut String, evaluation: &EpisodeEvaluation, config: &Config, as_of: NaiveDate) {
    let measure = evaluation.measure;
    let _ = writeln!(text, "\n{} — {}", measure.id(), measure.title());
    let _ = writeln!(
        text,
        "  period {} to {}",
        evaluation.period.start, evaluation.period.end
    );
    match evaluation.verdict {
        Verdict::Excluded(exclusion) => {
            let _ = writeln!(
                text,
                "  excluded ({}): {}",
                exclusion.rule,
                exclusion.explanation(&config.timeframes)
            );
        }
        Verdict::Counted {
            in_numerator,
            tally,
            evidence,
        } => {
            let [counted_in, counted_out] = measure.numerator_words();
            let _ = if tally == Tally::counted(in_numerator) {
                writeln!(
                    text,
                    "  in the denominator; {}",
                    if in_numerator {
                        format!("in the numerator ({counted_in})")
                    } else {
                        format!("not in the numerator ({counted_out})")
                    }
                )
            } else {
                writeln!(
                    text,
                    "  adds {} to the numerator and {} to the denominator ({})",
                    tally.numerator,
                    tally.denominator,
                    measure.tally_words()
                )
            };
            if let Some(deadline) = evidence.deadline {
                let _ = writeln!(text, "  deadline {deadline}");
            }
            let _ = match evidence.event {
                Some((what, date)) => writeln!(text, "  {what} {date}"),
                None => writeln!(text, "  no qualifying event recorded"),
            };
        }
    }
    for deciding in &evaluation.deciding_dates {
        let _ = writeln!(text, "  {} {}", deciding.what, deciding.date);
    }
    if let Some(entry) = evaluation.case_entry {
        let _ = writeln!(
            text,
            "  case list: {} (deadline {}, days overdue {})",
            entry.status.as_str(),
            entry.deadline,
            entry.days_overdue(as_of)
        );
    }
}
