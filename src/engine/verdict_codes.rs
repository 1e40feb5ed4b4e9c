//! Each episode's headline verdict in one measure, one byte each (a million episodes × eight
//! measures would take hundreds of megabytes as full `Verdict`s), for `episodes.csv`; and,
//! when asked (`Wanted::evidence`, for `episodes.parquet`), the dates that decided it as days
//! (nine bytes more an episode).

use chrono::NaiveDate;

use crate::calendar::{date_from_epoch_days, days_since_epoch};

use crate::measures::Verdict;

#[derive(Debug, Clone, Default)]
pub struct VerdictCodes {
    /// 0 = numerator, 1 = denominator only, 2 + i = excluded by `rules[i]`.
    codes: Vec<u8>,
    rules: Vec<&'static str>,
    evidence: Option<EvidenceColumns>,
}

/// Each episode's deadline and deciding event, as days from 1970-01-01 (`NONE`: none).
#[derive(Debug, Clone, Default)]
struct EvidenceColumns {
    deadlines: Vec<i32>,
    event_dates: Vec<i32>,
    /// Index into `event_names`, or `u8::MAX` without an event.
    event_kinds: Vec<u8>,
    event_names: Vec<&'static str>,
}

const NONE: i32 = i32::MIN;

fn to_days(date: Option<NaiveDate>) -> i32 {
    date.map_or(NONE, days_since_epoch)
}

fn from_days(days: i32) -> Option<NaiveDate> {
    (days != NONE).then(|| date_from_epoch_days(days)).flatten()
}

/// The deadline and the deciding event of one episode's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecidingDates {
    pub deadline: Option<NaiveDate>,
    pub event: Option<(&'static str, NaiveDate)>,
}

impl EvidenceColumns {
    fn kind_of(&mut self, name: &'static str) -> u8 {
        // Names are literals: the same name is almost always the same pointer.
        let index = match (self.event_names.iter().position(|known| std::ptr::eq(*known, name)))
            .or_else(|| self.event_names.iter().position(|known| *known == name))
        {
            Some(index) => index,
            None => {
                self.event_names.push(name);
                self.event_names.len() - 1
            }
        };
        u8::try_from(index).unwrap_or(u8::MAX - 1)
    }

    fn push(&mut self, verdict: &Verdict) {
        let (deadline, event) = match verdict {
            Verdict::Counted { evidence, .. } => (evidence.deadline, evidence.event),
            Verdict::Excluded(_) => (None, None),
        };
        self.deadlines.push(to_days(deadline));
        match event {
            Some((name, date)) => {
                let kind = self.kind_of(name);
                self.event_kinds.push(kind);
                self.event_dates.push(to_days(Some(date)));
            }
            None => {
                self.event_kinds.push(u8::MAX);
                self.event_dates.push(NONE);
            }
        }
    }

    fn append(&mut self, other: &Self) {
        let kinds: Vec<u8> = other.event_names.iter().map(|name| self.kind_of(name)).collect();
        self.deadlines.extend_from_slice(&other.deadlines);
        self.event_dates.extend_from_slice(&other.event_dates);
        self.event_kinds
            .extend((other.event_kinds.iter()).map(|&kind| kinds.get(usize::from(kind)).copied().unwrap_or(u8::MAX)));
    }
}

impl VerdictCodes {
    pub fn with_capacity(episodes: usize) -> Self {
        Self {
            codes: Vec::with_capacity(episodes),
            rules: Vec::new(),
            evidence: None,
        }
    }

    /// Also keeps each verdict's deciding dates (`deciding_dates`).
    pub fn with_evidence(mut self) -> Self {
        self.evidence = Some(EvidenceColumns::default());
        self
    }

    /// Every episode's deadline and deciding event's date, as days from 1970-01-01 with
    /// `i32::MIN` for none, when kept: for writing a million rows column by column.
    pub fn deciding_days(&self) -> Option<(&[i32], &[i32])> {
        let evidence = self.evidence.as_ref()?;
        Some((&evidence.deadlines, &evidence.event_dates))
    }

    /// The deadline and deciding event of the `index`th episode's verdict, when kept.
    pub fn deciding_dates(&self, index: usize) -> Option<DecidingDates> {
        let evidence = self.evidence.as_ref()?;
        let event = match evidence.event_kinds.get(index) {
            Some(&kind) if kind != u8::MAX => {
                let name = evidence.event_names.get(usize::from(kind)).copied()?;
                Some((name, from_days(*evidence.event_dates.get(index)?)?))
            }
            _ => None,
        };
        Some(DecidingDates {
            deadline: from_days(*evidence.deadlines.get(index)?),
            event,
        })
    }

    pub fn push(&mut self, verdict: &Verdict) {
        if let Some(evidence) = &mut self.evidence {
            evidence.push(verdict);
        }
        let code = match verdict {
            Verdict::Counted { in_numerator: true, .. } => 0,
            Verdict::Counted { .. } => 1,
            Verdict::Excluded(exclusion) => {
                // Rules are literals: the same rule is almost always the same pointer.
                let index = match (self.rules.iter().position(|rule| std::ptr::eq(*rule, exclusion.rule)))
                    .or_else(|| self.rules.iter().position(|rule| *rule == exclusion.rule))
                {
                    Some(index) => index,
                    None => {
                        self.rules.push(exclusion.rule);
                        self.rules.len() - 1
                    }
                };
                // A measure has a handful of rules; 254 would be a programming error.
                2 + u8::try_from(index).unwrap_or(u8::MAX - 2)
            }
        };
        self.codes.push(code);
    }

    /// Puts `other`'s codes (of the episodes after these) after these.
    pub fn append(&mut self, other: &Self) {
        if let (Some(evidence), Some(more)) = (&mut self.evidence, &other.evidence) {
            evidence.append(more);
        }
        let rule_codes: Vec<u8> = (other.rules.iter())
            .map(|&rule| {
                let index = match self.rules.iter().position(|known| *known == rule) {
                    Some(index) => index,
                    None => {
                        self.rules.push(rule);
                        self.rules.len() - 1
                    }
                };
                2 + u8::try_from(index).unwrap_or(u8::MAX - 2)
            })
            .collect();
        self.codes.extend(other.codes.iter().map(|&code| match code {
            0 | 1 => code,
            code => rule_codes.get(usize::from(code - 2)).copied().unwrap_or(code),
        }));
    }

    /// `numerator`, `denominator` or `excluded:<rule>`: the text of `code`.
    fn code_text(&self, code: u8) -> String {
        match code {
            0 => "numerator".to_string(),
            1 => "denominator".to_string(),
            code => format!(
                "excluded:{}",
                self.rules.get(usize::from(code - 2)).copied().unwrap_or("unknown")
            ),
        }
    }

    /// Every episode's code, and the text of each code (`texts[code]`): for writing a million
    /// rows without building a string per cell.
    pub fn codes_and_texts(&self) -> (&[u8], Vec<String>) {
        let texts = (0..2 + self.rules.len())
            .map(|code| self.code_text(u8::try_from(code).unwrap_or(u8::MAX)))
            .collect();
        (&self.codes, texts)
    }
}

#[cfg(test)]
mod tests {
    use super::VerdictCodes;
    use crate::measures::{Evidence, Verdict, excluded};

    #[test]
    fn appended_codes_keep_their_rules() {
        let mut first = VerdictCodes::default();
        first.push(&excluded("outside", ""));
        first.push(&Verdict::counted(true, Evidence::default()));
        let mut second = VerdictCodes::default();
        second.push(&excluded("short_stay", ""));
        second.push(&excluded("outside", ""));
        second.push(&Verdict::counted(false, Evidence::default()));
        first.append(&second);
        let (codes, texts) = first.codes_and_texts();
        let words: Vec<&str> = codes.iter().map(|&code| texts[usize::from(code)].as_str()).collect();
        assert_eq!(
            words,
            [
                "excluded:outside",
                "numerator",
                "excluded:short_stay",
                "excluded:outside",
                "denominator"
            ]
        );
    }
}

#[cfg(test)]
mod evidence_tests {
    use super::{from_days, to_days};

    #[test]
    fn no_date_is_kept_as_none() {
        let date = chrono::NaiveDate::from_ymd_opt(2024, 2, 29);
        assert_eq!(from_days(to_days(date)), date);
        assert_eq!(from_days(to_days(None)), None);
    }
}
