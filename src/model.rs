//! The canonical records of `docs/extracts.md`, after ingest has validated and mapped them.
//! Measures read only these types.

use chrono::NaiveDate;

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
    /// The assigned worker's id (`UNASSIGNED` when empty).
    pub worker_id: Name,
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
