//! Why a row was rejected. Every rejected row keeps its line, its reasons and its values as
//! read (cut at `input.max_value_bytes`), and goes to `rejects/<extract>.csv`, the analysts'
//! confidential file. What goes anywhere else — logs, alerts, `data_quality.txt` — is the row's
//! `summary`: line, column and kind of problem, and at most a short, escaped excerpt of a value
//! that is not an id.

/// The rejection rules of `docs/extracts.md`, plus the ways a row can fail to be read at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RejectKind {
    WrongFieldCount,
    InvalidUtf8,
    ValueTooLong,
    MissingValue,
    BadDate,
    UnknownCode,
    UnknownOffice,
    DuplicateId,
    DischargeBeforeRemoval,
    DischargeWithoutReason,
    EndBeforeStart,
    BadEmail,
    EmailNotAllowed,
}

impl RejectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WrongFieldCount => "wrong_field_count",
            Self::InvalidUtf8 => "invalid_utf8",
            Self::ValueTooLong => "value_too_long",
            Self::MissingValue => "missing_value",
            Self::BadDate => "bad_date",
            Self::UnknownCode => "unknown_code",
            Self::UnknownOffice => "unknown_office",
            Self::DuplicateId => "duplicate_id",
            Self::DischargeBeforeRemoval => "discharge_before_removal",
            Self::DischargeWithoutReason => "discharge_without_reason",
            Self::EndBeforeStart => "end_before_start",
            Self::BadEmail => "bad_email",
            Self::EmailNotAllowed => "email_not_allowed",
        }
    }
}

/// The longest excerpt of a value a summary shows.
const EXCERPT_CHARACTERS: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: RejectKind,
    /// The column's header in the file, when the problem is one column's.
    pub column: Option<String>,
    /// What was wrong, naming the value and what was expected (for the rejects file).
    pub detail: String,
    /// A short, escaped excerpt of the value, only when it is not an id (for summaries).
    pub excerpt: Option<String>,
}

impl Problem {
    /// A problem of the whole row.
    pub fn of_row(kind: RejectKind, detail: String) -> Self {
        Self {
            kind,
            column: None,
            detail,
            excerpt: None,
        }
    }

    /// A problem of one column's value. `canonical` names the column (an id column's value is
    /// never excerpted); `value` is what was read, if anything.
    pub fn of_column(kind: RejectKind, header: &str, canonical: &str, value: Option<&str>, detail: String) -> Self {
        let is_id = canonical.ends_with("_id");
        Self {
            kind,
            column: Some(header.to_string()),
            detail,
            excerpt: value.filter(|_| !is_id).map(excerpt),
        }
    }

    /// `column X: detail`, as the rejects file gives it.
    pub fn message(&self) -> String {
        match &self.column {
            Some(column) => format!("column {column}: {}", self.detail),
            None => self.detail.clone(),
        }
    }

    /// The kind, the column and an excerpt, safe for logs and alerts.
    pub fn summary(&self) -> String {
        let mut text = self.kind.as_str().to_string();
        if let Some(column) = &self.column {
            text.push_str(&format!(" in column {}", excerpt(column)));
        }
        if let Some(excerpt) = &self.excerpt {
            text.push_str(&format!(" ({excerpt})"));
        }
        text
    }
}

/// At most `EXCERPT_CHARACTERS` characters of `value`, quoted with control characters
/// escaped, `…` when cut.
fn excerpt(value: &str) -> String {
    let mut characters = value.chars();
    let kept: String = characters.by_ref().take(EXCERPT_CHARACTERS).collect();
    let quoted = format!("{kept:?}");
    if characters.next().is_some() {
        format!("{quoted}…")
    } else {
        quoted
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// 1-based line on which the record starts (the header is line 1).
    pub line: u64,
    /// Never empty; the first decides the row's kind in the counts.
    pub problems: Vec<Problem>,
    /// The row's fields as read (invalid UTF-8 replaced by U+FFFD), each cut at the longest
    /// accepted value.
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

    /// All problems, "; "-separated, each prefixed by its kind (the rejects file).
    pub fn reason(&self) -> String {
        let parts: Vec<String> = self
            .problems
            .iter()
            .map(|problem| format!("{}: {}", problem.kind.as_str(), problem.message()))
            .collect();
        parts.join("; ")
    }

    /// Every problem's summary, "; "-separated: no id and no whole value (logs, alerts,
    /// `data_quality.txt`).
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self.problems.iter().map(Problem::summary).collect();
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::{Problem, RejectKind};

    #[test]
    fn summaries_name_the_column_and_kind_and_never_an_id_or_a_long_value() {
        let id = Problem::of_column(
            RejectKind::DuplicateId,
            "RemovalID",
            "removal_id",
            Some("R123"),
            "id \"R123\" repeats an earlier row's id".into(),
        );
        assert_eq!(id.summary(), "duplicate_id in column \"RemovalID\"");
        assert_eq!(
            id.message(),
            "column RemovalID: id \"R123\" repeats an earlier row's id"
        );
        let office = Problem::of_column(
            RejectKind::UnknownOffice,
            "office",
            "office",
            Some("Hartford\nINFO forged log line and more"),
            String::new(),
        );
        assert_eq!(
            office.summary(),
            "unknown_office in column \"office\" (\"Hartford\\nINFO forged\"…)"
        );
    }
}
