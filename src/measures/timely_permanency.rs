//! The rule shared by the three timely-permanency measures (`reunification_12m`,
//! `guardianship_18m`, `adoption_24m`); each of those files instantiates it with its exit
//! reasons, goals and timeframe, and pins its own boundaries in tests.
//!
//! Denominator: episodes discharged, with one of the measure's reasons, on a date inside the
//! reporting period; excluded are stays shorter than 8 days (`discharge − removal < 8`) and
//! children aged 18 or more on the removal date (when the birth date is known).
//! Numerator: those discharged on or before `removal_date + N months` (month-end clamped).
//! Case list: in care on `as_of` with a matching goal; overdue when the deadline is before
//! `as_of`, due soon when it falls on `as_of` or within the next 60 days.

use crate::calendar::{add_days, add_months, days_between};
use crate::measures::{CaseEntry, CaseStatus, EpisodeAsOf, EvaluationContext, Evidence, Measure, Verdict, excluded};
use crate::model::{DischargeReason, PermanencyGoal};
use crate::timeframes::Timeframes;

pub struct TimelyPermanency {
    pub id: &'static str,
    pub title: &'static str,
    /// A few words for narrow places.
    pub short_title: &'static str,
    /// Discharge reasons that count as this kind of permanency.
    pub exit_reasons: &'static [DischargeReason],
    /// Permanency goals whose open episodes go on this measure's case list.
    pub goals: &'static [PermanencyGoal],
    /// The timeframe in months, from the configuration.
    pub months: fn(&Timeframes) -> u32,
    /// The `[timeframes]` keys the measure uses (its months among them).
    pub parameters: &'static [&'static str],
}

impl TimelyPermanency {
    fn deadline(&self, episode: &EpisodeAsOf<'_>, timeframes: &Timeframes) -> chrono::NaiveDate {
        add_months(episode.removal_date(), (self.months)(timeframes) as i32)
    }

    fn reason_words(&self) -> String {
        let words: Vec<&str> = self.exit_reasons.iter().map(|reason| reason.canonical_code()).collect();
        words.join(" or ")
    }
}

impl Measure for TimelyPermanency {
    fn id(&self) -> &'static str {
        self.id
    }

    fn title(&self) -> &'static str {
        self.title
    }

    fn short_title(&self) -> &'static str {
        self.short_title
    }

    fn section(&self) -> crate::measures::Section {
        crate::measures::Section::TimelyPermanency
    }

    fn parameters(&self) -> &'static [&'static str] {
        self.parameters
    }

    fn has_case_list(&self) -> bool {
        true
    }

    fn definition(&self, timeframes: &Timeframes) -> String {
        format!(
            "Of the children discharged to {reasons} during the reporting period (excluding stays shorter than {short} days \
             and children aged 18 or more at removal), the share discharged within {months} months of removal. \
             Case list: children in care with a {reasons} goal whose {months}-month deadline has passed (overdue) \
             or falls within the next {soon} days (due soon).",
            reasons = self.reason_words(),
            short = timeframes.short_stay_days,
            months = (self.months)(timeframes),
            soon = timeframes.due_soon_days,
        )
    }

    fn rolling_points(&self) -> crate::measures::RollingPoints {
        // The period only selects the cohort (by its date): points are sums of their pieces.
        crate::measures::RollingPoints::Additive
    }

    fn candidates(&self) -> crate::measures::Candidates {
        crate::measures::Candidates::ByDate(crate::measures::CohortDate::Discharge)
    }

    fn evaluate(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Verdict {
        let Some(discharge) = episode.discharge() else {
            return excluded("not_discharged", "not discharged on or before the as-of date");
        };
        if !self.exit_reasons.contains(&discharge.reason) {
            return excluded(
                "other_discharge_reason",
                "discharged for a reason this measure does not count",
            );
        }
        if !context.period.contains(discharge.date) {
            return excluded(
                "discharged_outside_period",
                "discharge date is outside the reporting period",
            );
        }
        let removal = episode.removal_date();
        if days_between(removal, discharge.date) < i64::from(context.timeframes.short_stay_days) {
            return excluded("short_stay", "in care fewer than {short_stay_days} days");
        }
        if episode.is_adult_on(removal, context.timeframes) {
            return excluded(
                "aged_18_at_removal",
                "aged 18 or more (birth date + {adult_age_months} months) on the removal date",
            );
        }
        let deadline = self.deadline(episode, context.timeframes);
        Verdict::counted(
            discharge.date <= deadline,
            Evidence {
                deadline: Some(deadline),
                event: Some(("discharge", discharge.date)),
            },
        )
    }

    fn case_entry(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Option<CaseEntry> {
        let goal = episode.permanency_goal()?;
        if !self.goals.contains(&goal) || !episode.in_care_on(context.as_of) {
            return None;
        }
        let deadline = self.deadline(episode, context.timeframes);
        let status = if deadline < context.as_of {
            CaseStatus::Overdue
        } else if deadline <= add_days(context.as_of, i64::from(context.timeframes.due_soon_days)) {
            CaseStatus::DueSoon
        } else {
            return None;
        };
        Some(CaseEntry { status, deadline })
    }
}
