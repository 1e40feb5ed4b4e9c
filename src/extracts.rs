//! The extracts, declared as data (`docs/extracts.md`): for each, its name, default file name,
//! canonical columns (which are required), the column whose repeats are rejected, its date
//! columns, and how its rows relate to episodes. Configuration (file names, header mapping),
//! ingest and data quality all read these declarations; adding an extract is a new entry here
//! plus its own validation in `ingest`.

/// One of the extracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Extract {
    Removals,
    Notifications,
    Meetings,
    Placements,
    Staff,
}

impl Extract {
    /// Every extract, in reading order (removals first: the others link to its episodes).
    pub const ALL: [Self; 5] = [
        Self::Removals,
        Self::Notifications,
        Self::Meetings,
        Self::Placements,
        Self::Staff,
    ];

    pub fn spec(self) -> &'static ExtractSpec {
        match self {
            Self::Removals => &REMOVALS,
            Self::Notifications => &NOTIFICATIONS,
            Self::Meetings => &MEETINGS,
            Self::Placements => &PLACEMENTS,
            Self::Staff => &STAFF,
        }
    }

    /// The name used in messages, configuration keys and `rejects/<name>.csv`.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn columns(self) -> &'static [CanonicalColumn] {
        self.spec().columns
    }
}

/// Whether a night needs the extract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Always read; a missing file is an input error.
    Required,
    /// Read only when its file is configured; measures that need it are otherwise not
    /// reported.
    Optional,
}

/// How an extract's rows relate to episodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linking {
    /// Each row is an episode.
    IsEpisodes,
    /// Each row belongs to an episode: by `removal_id` when given, else the child's episode
    /// with the latest removal date on or before `date_column`; otherwise it is an orphan.
    ToEpisodes { date_column: &'static str },
    /// Rows about something else (the staff).
    Standalone,
}

/// One extract's contract.
#[derive(Debug)]
pub struct ExtractSpec {
    pub extract: Extract,
    pub name: &'static str,
    /// The file name when the configuration names none (required extracts only).
    pub default_file: Option<&'static str>,
    pub presence: Presence,
    pub columns: &'static [CanonicalColumn],
    /// The column whose repeats are rejected (the later row).
    pub id_column: &'static str,
    /// Columns holding dates (parsed in the configured formats).
    pub date_columns: &'static [&'static str],
    pub linking: Linking,
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

pub static REMOVALS: ExtractSpec = ExtractSpec {
    extract: Extract::Removals,
    name: "removals",
    default_file: Some("removals.csv"),
    presence: Presence::Required,
    columns: &[
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
        optional("unit"),
        optional("worker_id"),
    ],
    id_column: "removal_id",
    date_columns: &["removal_date", "placement_date", "birth_date", "discharge_date"],
    linking: Linking::IsEpisodes,
};

pub static NOTIFICATIONS: ExtractSpec = ExtractSpec {
    extract: Extract::Notifications,
    name: "notifications",
    default_file: Some("notifications.csv"),
    presence: Presence::Required,
    columns: &[
        required("notice_id"),
        required("child_id"),
        optional("removal_id"),
        required("notice_date"),
    ],
    id_column: "notice_id",
    date_columns: &["notice_date"],
    linking: Linking::ToEpisodes {
        date_column: "notice_date",
    },
};

pub static MEETINGS: ExtractSpec = ExtractSpec {
    extract: Extract::Meetings,
    name: "meetings",
    default_file: Some("meetings.csv"),
    presence: Presence::Required,
    columns: &[
        required("meeting_id"),
        required("child_id"),
        optional("removal_id"),
        required("meeting_date"),
        required("meeting_type"),
        optional("status"),
    ],
    id_column: "meeting_id",
    date_columns: &["meeting_date"],
    linking: Linking::ToEpisodes {
        date_column: "meeting_date",
    },
};

pub static PLACEMENTS: ExtractSpec = ExtractSpec {
    extract: Extract::Placements,
    name: "placements",
    default_file: None,
    presence: Presence::Optional,
    columns: &[
        required("placement_id"),
        required("child_id"),
        optional("removal_id"),
        required("start_date"),
        optional("end_date"),
        required("setting"),
        optional("emergency"),
    ],
    id_column: "placement_id",
    date_columns: &["start_date", "end_date"],
    linking: Linking::ToEpisodes {
        date_column: "start_date",
    },
};

pub static STAFF: ExtractSpec = ExtractSpec {
    extract: Extract::Staff,
    name: "staff",
    default_file: None,
    presence: Presence::Optional,
    columns: &[required("worker_id"), required("email"), optional("name")],
    id_column: "worker_id",
    date_columns: &[],
    linking: Linking::Standalone,
};

#[cfg(test)]
mod tests {
    use super::Extract;

    #[test]
    fn each_declaration_names_columns_it_has() {
        for extract in Extract::ALL {
            let spec = extract.spec();
            assert_eq!(spec.extract, extract);
            let has = |name: &str| spec.columns.iter().any(|column| column.name == name);
            assert!(has(spec.id_column), "{}", spec.name);
            assert!(spec.date_columns.iter().all(|column| has(column)), "{}", spec.name);
            if let super::Linking::ToEpisodes { date_column } = spec.linking {
                assert!(has(date_column) && has("removal_id") && has("child_id"));
            }
        }
    }
}
