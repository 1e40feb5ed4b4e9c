//! Ingest: reads the three extracts, rejects bad rows with reasons, and links notices and
//! meetings to episodes. This and `delivery` are the only places that read input files.

pub mod columns;
pub mod csv_records;
pub mod linking;
pub mod reader;
pub mod rejects;
pub mod repeated_ids;

use std::collections::BTreeMap;

use crate::config::Config;
use crate::model::{Discharge, Episode, LinkedMeeting, MeetingStatus};
use crate::progress::Progress;
use columns::Extract;
use linking::{EpisodeIndex, RecentLookups};
pub use reader::{ExtractError, ExtractReport};
use rejects::RejectKind;

/// Everything the measures need, and the data-quality facts of how it was read.
pub struct IngestedData {
    /// Accepted episodes sorted by removal_id, each with its linked notices and meetings.
    pub episodes: Vec<Episode>,
    pub index: EpisodeIndex,
    pub reports: BTreeMap<Extract, ExtractReport>,
}

/// Reads removals first (linking needs every episode), then notices and meetings, linking each
/// accepted row as it is read so they are never held in memory as rows. Rows are applied in
/// file order; each episode's notices and meetings are sorted by value afterwards, so the
/// result does not depend on how the extract is ordered either.
pub fn read_extracts(config: &Config, progress: Progress) -> Result<IngestedData, ExtractError> {
    let (mut episodes, removals_report) = read_removals(config, progress)?;
    // Removal ids are unique (repeats are rejected), so a stable sort gives the one order; it
    // is also linear on the long sorted runs extracts usually have.
    episodes.sort_by(|left, right| left.removal_id.cmp(&right.removal_id));
    let index = EpisodeIndex::new(&episodes);

    let mut notice_orphans: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut meeting_orphans: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut notices_report = reader::read_extract(
        config,
        Extract::Notifications,
        "notice_id",
        progress,
        |fields, recent: &mut RecentLookups| {
            let _ = fields.required("notice_id");
            let child_id = fields.required("child_id");
            let removal_id = fields.optional("removal_id");
            let notice_date = fields.date("notice_date", true);
            let (Some(child_id), Some(notice_date)) = (child_id, notice_date) else {
                return None;
            };
            if !fields.problems.is_empty() {
                return None;
            }
            Some((
                index.link_remembering(recent, removal_id, child_id, notice_date),
                notice_date,
            ))
        },
        |(link, notice_date)| match link {
            Ok(episode) => episodes[episode].notice_dates.push(notice_date),
            Err(orphan) => *notice_orphans.entry(orphan.as_str()).or_insert(0) += 1,
        },
    )?;
    let mut meetings_report = reader::read_extract(
        config,
        Extract::Meetings,
        "meeting_id",
        progress,
        |fields, recent: &mut RecentLookups| {
            let _ = fields.required("meeting_id");
            let child_id = fields.required("child_id");
            let removal_id = fields.optional("removal_id");
            let meeting_date = fields.date("meeting_date", true);
            let meeting_type = fields.code("meeting_type", true, &config.codes.meeting_type, "meeting type");
            let status = fields.code("status", false, &config.codes.meeting_status, "meeting status");
            let (Some(child_id), Some(date), Some(meeting_type)) = (child_id, meeting_date, meeting_type) else {
                return None;
            };
            if !fields.problems.is_empty() {
                return None;
            }
            let meeting = LinkedMeeting {
                date,
                meeting_type,
                status: status.unwrap_or(MeetingStatus::Held),
            };
            Some((index.link_remembering(recent, removal_id, child_id, date), meeting))
        },
        |(link, meeting)| match link {
            Ok(episode) => episodes[episode].meetings.push(meeting),
            Err(orphan) => *meeting_orphans.entry(orphan.as_str()).or_insert(0) += 1,
        },
    )?;

    notices_report.orphaned_by_reason = notice_orphans;
    meetings_report.orphaned_by_reason = meeting_orphans;
    for episode in &mut episodes {
        episode.notice_dates.sort_unstable();
        episode
            .meetings
            .sort_unstable_by_key(|meeting| (meeting.date, meeting.meeting_type, meeting.status));
    }
    let mut reports = BTreeMap::new();
    reports.insert(Extract::Removals, removals_report);
    reports.insert(Extract::Notifications, notices_report);
    reports.insert(Extract::Meetings, meetings_report);
    Ok(IngestedData {
        episodes,
        index,
        reports,
    })
}

fn read_removals(config: &Config, progress: Progress) -> Result<(Vec<Episode>, ExtractReport), ExtractError> {
    let mut episodes = Vec::new();
    let validate = |fields: &mut reader::RowFields<'_>, _: &mut ()| {
        let removal_id = fields.required("removal_id");
        let child_id = fields.required("child_id");
        let office = fields.required("office").and_then(|office| {
            if config.codes.offices.is_empty() {
                return Some(office.to_string());
            }
            let known = config
                .codes
                .offices
                .get(&crate::config::normalize_code(office))
                .cloned();
            if known.is_none() {
                let header = fields.header_of("office");
                fields.add_problem(
                    RejectKind::UnknownOffice,
                    format!("column {header}: {office:?} is not one of the configured offices"),
                );
            }
            known
        });
        let removal_date = fields.date("removal_date", true);
        let placement_date = fields.date("placement_date", false);
        let emergency = fields.code("emergency", false, &config.codes.yes_no, "Y/N flag");
        let birth_date = fields.date("birth_date", false);
        let race_ethnicity = match fields.optional("race_ethnicity") {
            None => config.race_missing_category.clone(),
            Some(value) => (config.codes.race_ethnicity.get(value))
                .or_else(|| config.codes.race_ethnicity.get(&crate::config::normalize_code(value)))
                .cloned()
                .unwrap_or_else(|| value.to_string()),
        };
        let permanency_goal = fields.code(
            "permanency_goal",
            false,
            &config.codes.permanency_goal,
            "permanency goal",
        );
        let discharge_date = fields.date("discharge_date", false);
        let discharge_reason = fields.code(
            "discharge_reason",
            false,
            &config.codes.discharge_reason,
            "discharge reason",
        );
        let discharge_reason_given = fields.optional("discharge_reason").is_some();
        let discharge_date_given = fields.optional("discharge_date").is_some();
        if discharge_date_given && !discharge_reason_given {
            let date_header = fields.header_of("discharge_date");
            let reason_header = fields.header_of("discharge_reason");
            fields.add_problem(
                RejectKind::DischargeWithoutReason,
                format!("column {reason_header}: {date_header} is present but the discharge reason is missing"),
            );
        }
        if let (Some(removal), Some(discharge)) = (removal_date, discharge_date)
            && discharge < removal
        {
            let header = fields.header_of("discharge_date");
            fields.add_problem(
                RejectKind::DischargeBeforeRemoval,
                format!("column {header}: discharge date {discharge} is before the removal date {removal}"),
            );
        }
        let (Some(removal_id), Some(child_id), Some(office), Some(removal_date)) =
            (removal_id, child_id, office, removal_date)
        else {
            return None;
        };
        if !fields.problems.is_empty() {
            return None;
        }
        let discharge = match (discharge_date, discharge_reason) {
            (Some(date), Some(reason)) => Some(Discharge { date, reason }),
            _ => None,
        };
        Some(Episode {
            removal_id: removal_id.to_string(),
            child_id: child_id.to_string(),
            office,
            removal_date,
            placement_date: placement_date.unwrap_or(removal_date),
            emergency: emergency.unwrap_or(false),
            birth_date,
            race_ethnicity,
            permanency_goal,
            discharge,
            notice_dates: Vec::new(),
            meetings: Vec::new(),
        })
    };
    let report = reader::read_extract(config, Extract::Removals, "removal_id", progress, validate, |episode| {
        episodes.push(episode);
    })?;
    Ok((episodes, report))
}
