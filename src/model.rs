//! The canonical records of `docs/extracts.md`, after ingest has validated and mapped them.
//! Measures read only these types.

use chrono::NaiveDate;

use crate::performance::inline_text::InlineText;
use crate::scope::Name;

/// Why an episode ended (`discharge_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DischargeReason {
    Reunification,
    Guardianship,
    PermanentGuardianship,
    Adoption,
    Relative,
    Emancipation,
    Transfer,
    Runaway,
    Death,
    Other,
}

impl DischargeReason {
    pub const ALL: [Self; 10] = [
        Self::Reunification,
        Self::Guardianship,
        Self::PermanentGuardianship,
        Self::Adoption,
        Self::Relative,
        Self::Emancipation,
        Self::Transfer,
        Self::Runaway,
        Self::Death,
        Self::Other,
    ];

    pub fn canonical_code(self) -> &'static str {
        match self {
            Self::Reunification => "reunification",
            Self::Guardianship => "guardianship",
            Self::PermanentGuardianship => "permanent_guardianship",
            Self::Adoption => "adoption",
            Self::Relative => "relative",
            Self::Emancipation => "emancipation",
            Self::Transfer => "transfer",
            Self::Runaway => "runaway",
            Self::Death => "death",
            Self::Other => "other",
        }
    }

    /// Exits that count as permanency for the federal entry-cohort measure.
    pub fn is_permanency(self) -> bool {
        matches!(
            self,
            Self::Reunification | Self::Relative | Self::Guardianship | Self::PermanentGuardianship | Self::Adoption
        )
    }
}

/// The episode's current `permanency_goal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PermanencyGoal {
    Reunification,
    Guardianship,
    PermanentGuardianship,
    Adoption,
    Oppla,
}

impl PermanencyGoal {
    pub const ALL: [Self; 5] = [
        Self::Reunification,
        Self::Guardianship,
        Self::PermanentGuardianship,
        Self::Adoption,
        Self::Oppla,
    ];

    pub fn canonical_code(self) -> &'static str {
        match self {
            Self::Reunification => "reunification",
            Self::Guardianship => "guardianship",
            Self::PermanentGuardianship => "permanent_guardianship",
            Self::Adoption => "adoption",
            Self::Oppla => "oppla",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MeetingType {
    InitialJoint,
    LargeTeam,
    Individual,
    Other,
}

impl MeetingType {
    pub const ALL: [Self; 4] = [Self::InitialJoint, Self::LargeTeam, Self::Individual, Self::Other];

    pub fn canonical_code(self) -> &'static str {
        match self {
            Self::InitialJoint => "initial_joint",
            Self::LargeTeam => "large_team",
            Self::Individual => "individual",
            Self::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MeetingStatus {
    Held,
    Cancelled,
    Scheduled,
}

impl MeetingStatus {
    pub const ALL: [Self; 3] = [Self::Held, Self::Cancelled, Self::Scheduled];

    pub fn canonical_code(self) -> &'static str {
        match self {
            Self::Held => "held",
            Self::Cancelled => "cancelled",
            Self::Scheduled => "scheduled",
        }
    }
}

/// Where a child was placed (`setting` of placements.csv).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlacementSetting {
    FosterFamily,
    RelativeFoster,
    PreAdoptive,
    GroupHome,
    Institution,
    SupervisedIndependentLiving,
    Respite,
    TrialHomeVisit,
    Runaway,
    Other,
}

impl PlacementSetting {
    pub const ALL: [Self; 10] = [
        Self::FosterFamily,
        Self::RelativeFoster,
        Self::PreAdoptive,
        Self::GroupHome,
        Self::Institution,
        Self::SupervisedIndependentLiving,
        Self::Respite,
        Self::TrialHomeVisit,
        Self::Runaway,
        Self::Other,
    ];

    pub fn canonical_code(self) -> &'static str {
        match self {
            Self::FosterFamily => "foster_family",
            Self::RelativeFoster => "relative_foster",
            Self::PreAdoptive => "pre_adoptive",
            Self::GroupHome => "group_home",
            Self::Institution => "institution",
            Self::SupervisedIndependentLiving => "supervised_independent_living",
            Self::Respite => "respite",
            Self::TrialHomeVisit => "trial_home_visit",
            Self::Runaway => "runaway",
            Self::Other => "other",
        }
    }

    /// Whether a stay in this setting is a placement for placement moves and changes: trial
    /// home visits, runaways and respite are not (docs/measures.md, sections 4 and 5).
    pub fn is_placement(self) -> bool {
        !matches!(self, Self::TrialHomeVisit | Self::Runaway | Self::Respite)
    }
}

/// A placement as linked to an episode: only what the measures need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkedPlacement {
    pub start_date: NaiveDate,
    pub setting: PlacementSetting,
    /// An emergency placement change (`emergency = Y`).
    pub emergency: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Discharge {
    pub date: NaiveDate,
    pub reason: DischargeReason,
}

/// A meeting as linked to an episode: only what the measures need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkedMeeting {
    pub date: NaiveDate,
    pub meeting_type: MeetingType,
    pub status: MeetingStatus,
}

/// The unit or worker of an episode whose extract leaves it empty.
pub const UNASSIGNED: &str = "Unassigned";

/// An episode's assigned worker: a number into the night's `WorkerIds`. A million episodes
/// share about 20,000 workers; a shared name would cost each row a write to a count held
/// among 20,000 (a cache miss, and an atomic one), a number costs nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkerNumber(u32);

impl WorkerNumber {
    /// `UNASSIGNED`: number 0 in every `WorkerIds`.
    pub const UNASSIGNED: Self = Self(0);
}

/// The worker ids of the night's episodes, by `WorkerNumber`, numbered in the order first
/// seen (nothing is ordered by number). `UNASSIGNED` is number 0.
#[derive(Debug, Clone)]
pub struct WorkerIds {
    ids: Vec<Name>,
    numbers: crate::performance::FastHashMap<InlineText, WorkerNumber>,
}

impl Default for WorkerIds {
    fn default() -> Self {
        let mut ids = Self {
            ids: Vec::new(),
            numbers: Default::default(),
        };
        ids.number_of(InlineText::new(UNASSIGNED));
        ids
    }
}

impl WorkerIds {
    /// The number of worker `id`, given one when it is new.
    pub fn number_of(&mut self, id: InlineText) -> WorkerNumber {
        use std::collections::hash_map::Entry;
        match self.numbers.entry(id) {
            Entry::Occupied(known) => *known.get(),
            Entry::Vacant(new) => {
                let number = WorkerNumber(u32::try_from(self.ids.len()).unwrap_or(u32::MAX));
                self.ids.push(new.key().as_str().into());
                *new.insert(number)
            }
        }
    }

    /// The id of worker `number` (`UNASSIGNED` for a number this table never gave).
    pub fn id(&self, number: WorkerNumber) -> &Name {
        self.ids.get(number.0 as usize).unwrap_or(&self.ids[0])
    }
}

/// A member of staff from `staff.csv`: where a worker's own case list goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub worker_id: String,
    pub email: lettre::Address,
    /// Shown beside the worker's figures in their unit's report; the worker id when empty.
    pub name: Option<String>,
}

/// One accepted row of `removals.csv`, with the notices, meetings and placements linked to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Episode {
    pub removal_id: Name,
    pub child_id: Name,
    pub office: Name,
    /// The team within the office the episode is assigned to (`UNASSIGNED` when empty).
    pub unit: Name,
    /// The assigned worker (`WorkerIds` holds the ids; `UNASSIGNED` when empty).
    pub worker: WorkerNumber,
    pub removal_date: NaiveDate,
    /// `placement_date`, or `removal_date` when the extract left it empty.
    pub placement_date: NaiveDate,
    pub emergency: bool,
    pub birth_date: Option<NaiveDate>,
    /// The configured reporting category (the configured "missing" category when empty).
    pub race_ethnicity: Name,
    pub permanency_goal: Option<PermanencyGoal>,
    pub discharge: Option<Discharge>,
    /// Dates of the relative notices linked to this episode, ascending.
    pub notice_dates: Vec<NaiveDate>,
    /// Meetings linked to this episode, by date ascending.
    pub meetings: Vec<LinkedMeeting>,
    /// Placements linked to this episode, by start date, then placement_id (empty without the
    /// placements extract).
    pub placements: Vec<LinkedPlacement>,
}

#[cfg(test)]
mod tests {
    use super::{InlineText, UNASSIGNED, WorkerIds, WorkerNumber};

    #[test]
    fn each_worker_id_has_one_number_and_unassigned_is_number_zero() {
        let mut ids = WorkerIds::default();
        let long = "W-0000000000000000000000000000-1";
        let numbers: Vec<WorkerNumber> = ["W2", long, "W1", "W2", UNASSIGNED, long]
            .iter()
            .map(|id| ids.number_of(InlineText::new(id)))
            .collect();
        assert_eq!(numbers[0], numbers[3]);
        assert_eq!(numbers[1], numbers[5]);
        assert_eq!(numbers[4], WorkerNumber::UNASSIGNED);
        assert_ne!(numbers[0], numbers[2]);
        let texts: Vec<&str> = numbers.iter().map(|&number| &**ids.id(number)).collect();
        assert_eq!(texts, ["W2", long, "W1", "W2", UNASSIGNED, long]);
    }
}
