//! `explain --removal-id ID`: why one episode is (or is not) counted in each measure, from
//! the engine's own evaluation (`engine::evaluate_episode`).

use std::fmt::Write;

use chrono::NaiveDate;

use crate::calendar::Period;
use crate::cli::ExplainArgs;
use crate::commands::{as_of_or_yesterday, load_config};
use crate::config::Config;
use crate::engine::{EpisodeEvaluation, Knowledge, evaluate_episode};
use crate::failure::Failure;
use crate::ingest;
use crate::measures::{EpisodeAsOf, Tally, Verdict};

pub fn explain(arguments: &ExplainArgs, today: NaiveDate, progress: crate::progress::Progress) -> Result<(), Failure> {
    let config = load_config(&arguments.input, arguments.holidays.as_deref())?;
    let as_of = as_of_or_yesterday(arguments.as_of, today);
    let data = ingest::read_extracts(&config, progress).map_err(|error| Failure::Input(error.into()))?;
    let Ok(position) = data
        .episodes
        .binary_search_by(|episode| (*episode.removal_id).cmp(arguments.removal_id.as_str()))
    else {
        let removals = config
            .extract(crate::extracts::Extract::Removals)
            .map(|input| input.path.display().to_string())
            .unwrap_or_default();
        return Err(Failure::Configuration(anyhow::anyhow!(
            "removal_id {:?} is not among the accepted episodes of {removals} (if it was rejected, `run` lists it in \
             rejects/removals.csv)",
            arguments.removal_id,
        )));
    };
    print!("{}", explanation(&data, &config, position, as_of));
    Ok(())
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
        episode.removal_id, episode.child_id, episode.office, episode.unit, episode.worker_id
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
