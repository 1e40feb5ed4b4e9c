//! Why a row was rejected. Every rejected row keeps its line, its reasons and its original
//! values, and goes to `rejects/<extract>.csv`.

/// The rejection rules of `docs/extracts.md`, plus the two ways a row can fail to be read at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RejectKind {
    WrongFieldCount,
    InvalidUtf8,
    MissingValue,
    BadDate,
    UnknownCode,
    UnknownOffice,
    DuplicateId,
    DischargeBeforeRemoval,
    DischargeWithoutReason,
}

impl RejectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WrongFieldCount => "wrong_field_count",
            Self::InvalidUtf8 => "invalid_utf8",
            Self::MissingValue => "missing_value",
            Self::BadDate => "bad_date",
            Self::UnknownCode => "unknown_code",
            Self::UnknownOffice => "unknown_office",
            Self::DuplicateId => "duplicate_id",
            Self::DischargeBeforeRemoval => "discharge_before_removal",
            Self::DischargeWithoutReason => "discharge_without_reason",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: RejectKind,
    /// Names the column, the value and what was expected.
    pub message: String,
}

impl Problem {
    pub fn new(kind: RejectKind, message: String) -> Self {
        Self { kind, message }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// 1-based line on which the record starts (the header is line 1).
    pub line: u64,
    /// Never empty; the first decides the row's kind in the counts.
    pub problems: Vec<Problem>,
    /// The row's fields as read (invalid UTF-8 replaced by U+FFFD).
    pub raw_values: Vec<String>,
}

impl RejectedRow {
    pub fn new(line: u64, problems: Vec<Problem>, raw_values: Vec<String>) -> Self {
        debug_assert!(!problems.is_empty());
        Self {
            line,
            problems,
            raw_values,
        }
    }

    pub fn kind(&self) -> RejectKind {
        self.problems
            .first()
            .map_or(RejectKind::MissingValue, |problem| problem.kind)
    }

    /// All problems, "; "-separated, each prefixed by its kind.
    pub fn reason(&self) -> String {
        let parts: Vec<String> = self
            .problems
            .iter()
            .map(|problem| format!("{}: {}", problem.kind.as_str(), problem.message))
            .collect();
        parts.join("; ")
    }
}
