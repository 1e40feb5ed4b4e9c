//! Each office's own data quality, for its reports: the rows of each extract that belong to the
//! office (accepted, and rejected rows that name it), so that an office workbook never shows the
//! statewide counts as if they were the office's.
//!
//! A rejected removal belongs to the office in its `office` column (spelt as ingest spells it);
//! a rejected notice, meeting or placement to the office of the accepted removal its
//! `removal_id` names. A rejected row naming no known office (or without a readable removal_id)
//! is counted as not placed: the statewide report has it. The staff extract has no office.

use std::collections::BTreeMap;

use crate::config::Config;
use crate::extracts::Extract;
use crate::ingest::IngestedData;
use crate::ingest::office_spelling;

/// One extract's rows for one office.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfficeExtractQuality {
    pub accepted: u64,
    pub rejected: u64,
    /// Rejected rows by kind (`bad_date`, …).
    pub rejected_by_kind: BTreeMap<&'static str, u64>,
}

/// Every office's rows per extract, and the rejected rows no office could be found for.
#[derive(Debug, Default)]
pub struct OfficeQuality {
    pub by_office: BTreeMap<String, BTreeMap<Extract, OfficeExtractQuality>>,
    pub not_placed: BTreeMap<Extract, u64>,
}

impl OfficeQuality {
    pub fn count(data: &IngestedData, config: &Config) -> Self {
        let mut quality = Self::default();
        for episode in &data.episodes {
            let office = quality.by_office.entry(episode.office.to_string()).or_default();
            for (extract, rows) in [
                (Extract::Removals, 1),
                (Extract::Notifications, episode.notice_dates.len()),
                (Extract::Meetings, episode.meetings.len()),
                (Extract::Placements, episode.placements.len()),
            ] {
                if data.reports.contains_key(&extract) {
                    office.entry(extract).or_default().accepted += rows as u64;
                }
            }
        }
        for (&extract, report) in &data.reports {
            if extract == Extract::Staff {
                continue;
            }
            let office_position = report.position_of("office");
            let removal_position = report.position_of("removal_id");
            for row in &report.rejected {
                let value_at = |position: Option<usize>| position.and_then(|position| row.raw_values.get(position));
                let office = match extract {
                    Extract::Removals => value_at(office_position)
                        .filter(|raw| !raw.trim().is_empty())
                        .and_then(|raw| office_spelling(raw.trim(), config)),
                    _ => value_at(removal_position)
                        .and_then(|raw| data.position_of(raw))
                        .map(|position| data.episodes[position].office.to_string()),
                };
                match office.and_then(|office| quality.by_office.get_mut(&office)) {
                    Some(office) => {
                        let counts = office.entry(extract).or_default();
                        counts.rejected += 1;
                        *counts.rejected_by_kind.entry(row.kind().as_str()).or_default() += 1;
                    }
                    None => *quality.not_placed.entry(extract).or_default() += 1,
                }
            }
        }
        quality
    }

    /// An office's rows, extract by extract (empty for an office without accepted removals).
    pub fn of(&self, office: &str) -> Option<&BTreeMap<Extract, OfficeExtractQuality>> {
        self.by_office.get(office)
    }
}
