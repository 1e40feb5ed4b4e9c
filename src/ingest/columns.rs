//! The canonical columns of each extract (`extracts.md`), and which are required.

/// One of the three nightly extracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Extract {
    Removals,
    Notifications,
    Meetings,
}

impl Extract {
    /// The name used in messages, configuration keys and `rejects/<name>.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Removals => "removals",
            Self::Notifications => "notifications",
            Self::Meetings => "meetings",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CanonicalColumn {
    pub name: &'static str,
    /// A required column must be in the header, and a row with it empty is rejected.
    pub required: bool,
}

const fn required(name: &'static str) -> CanonicalColumn {
    CanonicalColumn { name, required: true }
}

const fn optional(name: &'static str) -> CanonicalColumn {
    CanonicalColumn { name, required: false }
}

pub const REMOVAL_COLUMNS: [CanonicalColumn; 11] = [
    required("removal_id"),
    required("child_id"),
    required("office"),
    required("removal_date"),
    optional("placement_date"),
    optional("emergency"),
    optional("birth_date"),
    optional("race_ethnicity"),
    optional("permanency_goal"),
    optional("discharge_date"),
    optional("discharge_reason"),
];

pub const NOTIFICATION_COLUMNS: [CanonicalColumn; 4] = [
    required("notice_id"),
    required("child_id"),
    optional("removal_id"),
    required("notice_date"),
];

pub const MEETING_COLUMNS: [CanonicalColumn; 6] = [
    required("meeting_id"),
    required("child_id"),
    optional("removal_id"),
    required("meeting_date"),
    required("meeting_type"),
    optional("status"),
];

pub fn canonical_columns(extract: Extract) -> &'static [CanonicalColumn] {
    match extract {
        Extract::Removals => &REMOVAL_COLUMNS,
        Extract::Notifications => &NOTIFICATION_COLUMNS,
        Extract::Meetings => &MEETING_COLUMNS,
    }
}
