//! Ingest: reads the extracts (`crate::extracts` declares them), rejects bad rows with
//! reasons, and links notices and meetings to episodes. This and `delivery` are the only
//! places that read input files.
//!
//! - `reader` reads one extract (header mapping, line numbers, the three-stage pipeline, the
//!   read = accepted + rejected bookkeeping); `csv_records` splits its records;
//! - this module holds each extract's own validation (`removal_from`, `notice_from`,
//!   `meeting_from`, `placement_from`, `staff_member_from`) and what is done with an accepted
//!   row;
//! - `linking` attaches notices, meetings and placements to episodes; `rejects` names the
//!   reasons.

pub mod archive;
pub mod csv_records;
pub mod linking;
pub mod office_quality;
pub mod parquet_extract;
mod placement_ids;
pub mod read_ahead;
pub mod reader;
pub mod rejects;
pub mod repeated_ids;

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::config::{Config, normalize_code};
use crate::extracts::Extract;
use crate::model::{
    Discharge, Episode, LinkedMeeting, LinkedPlacement, MeetingStatus, StaffMember, UNASSIGNED, WorkerIds, WorkerNumber,
};
use crate::performance::inline_text::InlineText;
use crate::performance::work_queue::for_each_on_two_threads;
use crate::progress::Progress;
use crate::scope::{Name, NameInterner};
use linking::{EpisodeIndex, OrphanReason, RecentLookups};
use placement_ids::{PlacementId, PlacementIds};
use reader::RowFields;
pub use reader::{ExtractError, ExtractReport};
use rejects::RejectKind;

/// Everything the measures need, and the data-quality facts of how it was read.
pub struct IngestedData {
    /// Accepted episodes sorted by removal_id, each with its linked notices and meetings.
    pub episodes: Vec<Episode>,
    pub index: EpisodeIndex,
    /// The ids of the episodes' workers (`Episode::worker`).
    pub worker_ids: WorkerIds,
    pub reports: BTreeMap<Extract, ExtractReport>,
    /// The accepted rows of the staff extract, by worker_id (empty without one).
    pub staff: BTreeMap<String, StaffMember>,
}

impl IngestedData {
    /// Where the accepted episode with `removal_id` is (episodes are sorted by removal_id).
    pub fn position_of(&self, removal_id: &str) -> Option<usize> {
        (self.episodes)
            .binary_search_by(|episode| (*episode.removal_id).cmp(removal_id.trim()))
            .ok()
    }

    /// The extracts read tonight (the optional ones only when configured).
    pub fn extracts_read(&self) -> Vec<Extract> {
        self.reports.keys().copied().collect()
    }

    /// Whether removals carry `unit` or `worker_id`: then figures are broken down below the
    /// office (`units.csv`, unit tables).
    pub fn has_assignments(&self) -> bool {
        self.reports.get(&Extract::Removals).is_some_and(|report| {
            report
                .present_columns
                .iter()
                .any(|column| matches!(*column, "unit" | "worker_id"))
        })
    }
}

/// Reads removals first (linking needs every episode), then notices, meetings and (when
/// configured) placements, linking each accepted row as it is read so they are never held in
/// memory as rows; then the staff extract, when configured. (Reading placements at the same
/// time as meetings was tried: no faster, each extract's pipeline already keeps both cores
/// about 90 % busy.) Rows are applied in file order; each episode's notices, meetings and placements are sorted by value
/// afterwards, so the result does not depend on how the extract is ordered either.
pub fn read_extracts(config: &Config, progress: Progress) -> Result<IngestedData, ExtractError> {
    let mut episodes: Vec<Episode> = Vec::new();
    let mut worker_ids = WorkerIds::default();
    let mut unnumbered = UnnumberedWorkers::default();
    let mut removals = reader::read_extract(
        config,
        Extract::Removals,
        progress,
        |fields, names: &mut RemovalNames| removal_from(fields, config, names),
        |(episode, worker_id)| {
            episodes.push(episode);
            unnumbered.push(worker_id, &mut worker_ids, &mut episodes);
        },
    )?;
    unnumbered.number(&mut worker_ids, &mut episodes);
    removals.newest_date = episodes.iter().filter_map(newest_date_of).max();
    // Removal ids are unique (repeats are rejected), so a stable sort gives the one order; it
    // is also linear on the long sorted runs extracts usually have.
    episodes.sort_by(|left, right| left.removal_id.cmp(&right.removal_id));
    let index = EpisodeIndex::new(&episodes);

    let (notices, meetings) = read_notices_and_meetings(config, progress, &index, &mut episodes)?;
    let mut reports = BTreeMap::from([
        (Extract::Removals, removals),
        (Extract::Notifications, notices),
        (Extract::Meetings, meetings),
    ]);
    if config.extract(Extract::Placements).is_some() {
        let placements = read_placements(config, progress, &index, episodes.len())?;
        reports.insert(Extract::Placements, placements.attach_to(&mut episodes));
    }
    let mut staff = BTreeMap::new();
    if config.extract(Extract::Staff).is_some() {
        let (report, members) = read_staff(config, progress)?;
        reports.insert(Extract::Staff, report);
        staff = members;
    }

    // Each extract's read time includes putting its rows in order (as placements' does).
    let started = std::time::Instant::now();
    for_each_on_two_threads(&mut episodes, |episode| episode.notice_dates.sort_unstable());
    add_read_time(&mut reports, Extract::Notifications, started.elapsed());
    let started = std::time::Instant::now();
    for_each_on_two_threads(&mut episodes, |episode| {
        episode
            .meetings
            .sort_unstable_by_key(|meeting| (meeting.date, meeting.meeting_type, meeting.status))
    });
    add_read_time(&mut reports, Extract::Meetings, started.elapsed());
    Ok(IngestedData {
        episodes,
        index,
        worker_ids,
        reports,
        staff,
    })
}

/// Adds `time` to the read time of `extract` (for the log's time per row).
fn add_read_time(reports: &mut BTreeMap<Extract, ExtractReport>, extract: Extract, time: std::time::Duration) {
    if let Some(report) = reports.get_mut(&extract) {
        report.read_time += time;
    }
}

/// Reads notices and meetings, linking each accepted row into its episode as it is read.
fn read_notices_and_meetings(
    config: &Config,
    progress: Progress,
    index: &EpisodeIndex,
    episodes: &mut [Episode],
) -> Result<(ExtractReport, ExtractReport), ExtractError> {
    let mut orphans = Orphans::default();
    let mut newest: Option<NaiveDate> = None;
    let mut notices = reader::read_extract(
        config,
        Extract::Notifications,
        progress,
        |fields, recent: &mut RecentLookups| notice_from(fields, index, recent),
        |(link, notice_date)| {
            newest = newest.max(Some(notice_date));
            match link {
                Ok(episode) => episodes[episode].notice_dates.push(notice_date),
                Err(orphan) => orphans.count(orphan),
            }
        },
    )?;
    notices.newest_date = std::mem::take(&mut newest);
    notices.orphaned_by_reason = std::mem::take(&mut orphans.by_reason);
    let mut meetings = reader::read_extract(
        config,
        Extract::Meetings,
        progress,
        |fields, recent: &mut RecentLookups| meeting_from(fields, config, index, recent),
        |(link, meeting)| {
            newest = newest.max(Some(meeting.date));
            match link {
                Ok(episode) => episodes[episode].meetings.push(meeting),
                Err(orphan) => orphans.count(orphan),
            }
        },
    )?;
    meetings.newest_date = newest;
    meetings.orphaned_by_reason = orphans.by_reason;
    Ok((notices, meetings))
}

/// The placements read, each linked to its episode but not yet attached to it.
struct LinkedPlacements {
    report: ExtractReport,
    /// By episode position: its placements, in file order, with their ids' numbers.
    linked: Vec<Vec<(LinkedPlacement, u32)>>,
    ids: PlacementIds,
}

impl LinkedPlacements {
    /// Gives each episode its placements in (start date, placement_id) order, so ties never
    /// depend on row order; the ids are dropped.
    fn attach_to(self, episodes: &mut [Episode]) -> ExtractReport {
        let Self {
            mut report,
            linked,
            ids,
        } = self;
        let started = std::time::Instant::now();
        let mut pairs: Vec<(&mut Episode, Vec<(LinkedPlacement, u32)>)> = episodes.iter_mut().zip(linked).collect();
        for_each_on_two_threads(&mut pairs, |(episode, placements)| {
            episode.placements = ids.in_order(std::mem::take(placements));
        });
        report.read_time += started.elapsed();
        report
    }
}

/// Reads the placements extract, linking each accepted row to an episode (of
/// `episode_count`), without touching the episodes.
fn read_placements(
    config: &Config,
    progress: Progress,
    index: &EpisodeIndex,
    episode_count: usize,
) -> Result<LinkedPlacements, ExtractError> {
    let started = std::time::Instant::now();
    // Placement ids are kept only until each episode's placements are in order.
    let mut ids = PlacementIds::default();
    let mut linked: Vec<Vec<(LinkedPlacement, u32)>> = vec![Vec::new(); episode_count];
    let mut orphans = Orphans::default();
    let mut newest: Option<NaiveDate> = None;
    let mut report = reader::read_extract(
        config,
        Extract::Placements,
        progress,
        |fields, recent: &mut RecentLookups| placement_from(fields, config, index, recent),
        |(link, placement, placement_id, newest_in_row)| {
            newest = newest.max(Some(newest_in_row));
            match link {
                Ok(episode) => linked[episode].push((placement, ids.push(&placement_id))),
                Err(orphan) => orphans.count(orphan),
            }
        },
    )?;
    report.newest_date = newest;
    report.orphaned_by_reason = orphans.by_reason;
    report.read_time = started.elapsed();
    Ok(LinkedPlacements { report, linked, ids })
}

/// Reads the staff extract: each accepted member by worker_id.
fn read_staff(
    config: &Config,
    progress: Progress,
) -> Result<(ExtractReport, BTreeMap<String, StaffMember>), ExtractError> {
    let mut staff = BTreeMap::new();
    let report = reader::read_extract(
        config,
        Extract::Staff,
        progress,
        |fields, _: &mut ()| staff_member_from(fields, config),
        |member: StaffMember| {
            staff.insert(member.worker_id.clone(), member);
        },
    )?;
    Ok((report, staff))
}

/// The newest date an episode's row holds.
fn newest_date_of(episode: &Episode) -> Option<NaiveDate> {
    [
        Some(episode.removal_date),
        Some(episode.placement_date),
        episode.birth_date,
        episode.discharge.map(|discharge| discharge.date),
    ]
    .into_iter()
    .flatten()
    .max()
}

/// Accepted rows that link to no episode, by why.
#[derive(Default)]
struct Orphans {
    by_reason: BTreeMap<&'static str, u64>,
}

impl Orphans {
    fn count(&mut self, reason: OrphanReason) {
        *self.by_reason.entry(reason.as_str()).or_insert(0) += 1;
    }
}

/// The worker ids of the episodes last read, numbered (`WorkerIds`) a few thousand at a time:
/// in a loop of look-ups alone the processor overlaps their cache misses, which one look-up
/// a row between the rows' other work could not (the 20,000 workers' table of the national
/// benchmark is larger than a core's cache: 130 ms a night one row at a time, measured).
#[derive(Default)]
struct UnnumberedWorkers {
    /// The worker ids of the last `ids.len()` episodes, in episode order.
    ids: Vec<InlineText>,
}

impl UnnumberedWorkers {
    const AT_A_TIME: usize = 4096;

    /// Adds the worker id of the episode just pushed onto `episodes`; numbers the waiting
    /// ones once there are enough.
    fn push(&mut self, id: InlineText, worker_ids: &mut WorkerIds, episodes: &mut [Episode]) {
        self.ids.push(id);
        if self.ids.len() == Self::AT_A_TIME {
            self.number(worker_ids, episodes);
        }
    }

    /// Numbers the waiting worker ids into the last episodes of `episodes`.
    fn number(&mut self, worker_ids: &mut WorkerIds, episodes: &mut [Episode]) {
        let first = episodes.len() - self.ids.len();
        for (episode, id) in episodes[first..].iter_mut().zip(self.ids.drain(..)) {
            episode.worker = worker_ids.number_of(id);
        }
    }
}

/// Where a notice, meeting or placement belongs, or why it belongs nowhere.
type Link = Result<usize, OrphanReason>;

/// The names a validation worker shares among its rows, one interner per column; offices and
/// groups also by the text as written, so a spelling seen before is neither mapped nor
/// allocated again. (Workers are numbered by the applying thread instead: `WorkerIds`.)
#[derive(Default)]
struct RemovalNames {
    offices: NameInterner,
    groups: NameInterner,
    units: NameInterner,
    office_as_written: crate::performance::FastHashMap<Box<str>, Name>,
    group_as_written: crate::performance::FastHashMap<Box<str>, Name>,
}

impl RemovalNames {
    /// The row's office (`office_of`), shared.
    fn office(&mut self, fields: &mut RowFields<'_>, config: &Config) -> Option<Name> {
        let written = fields.required("office")?;
        if let Some(name) = self.office_as_written.get(written) {
            return Some(name.clone());
        }
        let name = self.offices.name(&office_of(fields, written, config)?);
        self.office_as_written.insert(written.into(), name.clone());
        Some(name)
    }

    /// The row's race/ethnicity group (`race_ethnicity_of`), shared.
    fn group(&mut self, fields: &RowFields<'_>, config: &Config) -> Name {
        let written = fields.optional("race_ethnicity");
        if let Some(name) = written.and_then(|written| self.group_as_written.get(written)) {
            return name.clone();
        }
        let name = self.groups.name(&race_ethnicity_of(written, config));
        if let Some(written) = written {
            self.group_as_written.insert(written.into(), name.clone());
        }
        name
    }
}

/// A row of removals.csv as an episode and its worker's id (the episode's `worker` is
/// numbered when it is applied), or `None` with its problems recorded. `names` shares the
/// office, group and unit names among a validation worker's rows.
fn removal_from(
    fields: &mut RowFields<'_>,
    config: &Config,
    names: &mut RemovalNames,
) -> Option<(Episode, InlineText)> {
    let removal_id = fields.required("removal_id");
    let child_id = fields.required("child_id");
    let office = names.office(fields, config);
    let removal_date = fields.date("removal_date", true);
    let placement_date = fields.date("placement_date", false);
    let emergency = fields.code("emergency", false, &config.codes.yes_no, "Y/N flag");
    let birth_date = fields.date("birth_date", false);
    let race_ethnicity = names.group(fields, config);
    let permanency_goal = fields.code(
        "permanency_goal",
        false,
        &config.codes.permanency_goal,
        "permanency goal",
    );
    let discharge = discharge_of(fields, config, removal_date);
    let unit = names.units.name(fields.optional("unit").unwrap_or(UNASSIGNED));
    let worker_id = InlineText::new(fields.optional("worker_id").unwrap_or(UNASSIGNED));
    let (Some(removal_id), Some(child_id), Some(office), Some(removal_date)) =
        (removal_id, child_id, office, removal_date)
    else {
        return None;
    };
    if !fields.problems.is_empty() {
        return None;
    }
    let episode = Episode {
        removal_id: removal_id.into(),
        child_id: child_id.into(),
        office,
        unit,
        worker: WorkerNumber::UNASSIGNED,
        removal_date,
        placement_date: placement_date.unwrap_or(removal_date),
        emergency: emergency.unwrap_or(false),
        birth_date,
        race_ethnicity,
        permanency_goal,
        discharge,
        notice_dates: Vec::new(),
        meetings: Vec::new(),
        placements: Vec::new(),
    };
    Some((episode, worker_id))
}

/// The office in its canonical spelling (`office_spelling`); an office that is not a
/// configured one is a problem of the row.
fn office_of(fields: &mut RowFields<'_>, office: &str, config: &Config) -> Option<String> {
    let known = office_spelling(office, config);
    if known.is_none() {
        fields.add_problem(
            RejectKind::UnknownOffice,
            "office",
            Some(office),
            format!("{office:?} is not one of the configured offices"),
        );
    }
    known
}

/// An office as written in an extract, in its canonical spelling: the configured one (`None`
/// when it is not configured), or, with no offices configured, `scope::canonical_name` (so
/// `HARTFORD` is `Hartford`).
pub fn office_spelling(office: &str, config: &Config) -> Option<String> {
    if config.codes.offices.is_empty() {
        return Some(if crate::scope::is_canonical_name(office) {
            office.to_string()
        } else {
            crate::scope::canonical_name(office)
        });
    }
    config.codes.offices.get(&normalize_code(office)).cloned()
}

/// The reporting category: the configured one for the value or alias, the missing category
/// when empty, else the value as written (its own group).
fn race_ethnicity_of(written: Option<&str>, config: &Config) -> String {
    match written {
        None => config.race_missing_category.clone(),
        Some(value) => (config.codes.race_ethnicity.get(value))
            .or_else(|| config.codes.race_ethnicity.get(&normalize_code(value)))
            .cloned()
            .unwrap_or_else(|| value.to_string()),
    }
}

/// The discharge, when both its date and a known reason are given; the date without a reason,
/// or a discharge before the removal, is a problem.
fn discharge_of(fields: &mut RowFields<'_>, config: &Config, removal_date: Option<NaiveDate>) -> Option<Discharge> {
    // Each column read in its declared order (`RowFields` finds the next one first).
    let discharge_date = fields.date("discharge_date", false);
    let discharge_date_given = fields.optional("discharge_date").is_some();
    let discharge_reason = fields.code(
        "discharge_reason",
        false,
        &config.codes.discharge_reason,
        "discharge reason",
    );
    let discharge_reason_given = fields.optional("discharge_reason").is_some();
    if discharge_date_given && !discharge_reason_given {
        let date_header = fields.header_of("discharge_date");
        fields.add_problem(
            RejectKind::DischargeWithoutReason,
            "discharge_reason",
            None,
            format!("{date_header} is present but the discharge reason is missing"),
        );
    }
    if let (Some(removal), Some(discharge)) = (removal_date, discharge_date)
        && discharge < removal
    {
        fields.add_problem(
            RejectKind::DischargeBeforeRemoval,
            "discharge_date",
            Some(&discharge.to_string()),
            format!("discharge date {discharge} is before the removal date {removal}"),
        );
    }
    match (discharge_date, discharge_reason) {
        (Some(date), Some(reason)) => Some(Discharge { date, reason }),
        _ => None,
    }
}

/// A row of staff.csv: a worker and their address, which must be in the delivery allow-list
/// when delivery is configured.
fn staff_member_from(fields: &mut RowFields<'_>, config: &Config) -> Option<StaffMember> {
    let worker_id = fields.required("worker_id");
    let email = fields.required("email");
    let name = fields.optional("name").map(str::to_string);
    let (worker_id, email) = (worker_id?, email?);
    let address: lettre::Address = match email.parse() {
        Ok(address) => address,
        Err(_) => {
            fields.add_problem(
                RejectKind::BadEmail,
                "email",
                None,
                format!("{email:?} is not an email address"),
            );
            return None;
        }
    };
    if let Some(delivery) = &config.delivery
        && !delivery.allowed_domains.contains(&address.domain().to_lowercase())
    {
        fields.add_problem(
            RejectKind::EmailNotAllowed,
            "email",
            None,
            format!(
                "the domain {:?} is outside delivery.allowed_domains ({})",
                address.domain(),
                delivery.allowed_domains.join(", ")
            ),
        );
        return None;
    }
    fields.problems.is_empty().then(|| StaffMember {
        worker_id: worker_id.to_string(),
        email: address,
        name,
    })
}

/// A row of notifications.csv: the episode it belongs to and its date.
fn notice_from(
    fields: &mut RowFields<'_>,
    index: &EpisodeIndex,
    recent: &mut RecentLookups,
) -> Option<(Link, NaiveDate)> {
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
}

/// A row of placements.csv: the episode it belongs to (by `removal_id`, else by child and start
/// date), the placement, its id (for ordering ties) and the newest date the row holds.
fn placement_from(
    fields: &mut RowFields<'_>,
    config: &Config,
    index: &EpisodeIndex,
    recent: &mut RecentLookups,
) -> Option<(Link, LinkedPlacement, PlacementId, NaiveDate)> {
    let placement_id = fields.required("placement_id");
    let child_id = fields.required("child_id");
    let removal_id = fields.optional("removal_id");
    let start_date = fields.date("start_date", true);
    let end_date = fields.date("end_date", false);
    let setting = fields.code("setting", true, &config.codes.placement_setting, "placement setting");
    let emergency = fields.code("emergency", false, &config.codes.yes_no, "Y/N flag");
    if let (Some(start), Some(end)) = (start_date, end_date)
        && end < start
    {
        fields.add_problem(
            RejectKind::EndBeforeStart,
            "end_date",
            Some(&end.to_string()),
            format!("end date {end} is before the start date {start}"),
        );
    }
    let (Some(placement_id), Some(child_id), Some(start_date), Some(setting)) =
        (placement_id, child_id, start_date, setting)
    else {
        return None;
    };
    if !fields.problems.is_empty() {
        return None;
    }
    let placement = LinkedPlacement {
        start_date,
        setting,
        emergency: emergency.unwrap_or(false),
    };
    let link = index.link_remembering(recent, removal_id, child_id, start_date);
    Some((
        link,
        placement,
        PlacementId::new(placement_id),
        end_date.map_or(start_date, |end| end.max(start_date)),
    ))
}

/// A row of meetings.csv: the episode it belongs to and the meeting.
fn meeting_from(
    fields: &mut RowFields<'_>,
    config: &Config,
    index: &EpisodeIndex,
    recent: &mut RecentLookups,
) -> Option<(Link, LinkedMeeting)> {
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
}
