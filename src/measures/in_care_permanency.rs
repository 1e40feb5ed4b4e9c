//! The rule shared by the federal (CFSR Round 4) indicators of permanency in 12 months for
//! children already in care (`permanency_12m_in_care_12_23`, `permanency_12m_in_care_24_plus`);
//! each of those files instantiates it with its band of months in care and pins its own
//! boundaries in tests.
//!
//! F is the period's first day (`as_of − 12 months + 1 day` for the headline).
//! - Denominator: episodes in care on F (removed on or before F, not discharged on or before F)
//!   whose months in care on F fall in the band (`removal_date + lower ≤ F`, and
//!   `F < removal_date + upper` when the band has an upper end), excluding children aged 18 or
//!   more on F.
//! - Numerator: those discharged to permanency (reunification, relative, guardianship,
//!   permanent_guardianship, adoption) on or before the period's last day and, when the birth
//!   date is known, before their 18th birthday.
//! - Trend: month and rolling points alike take F as the first day of the 12 months ending on
//!   the point's last day (docs/measures.md, "Trend"), so a month's point is its rolling point.

use chrono::NaiveDate;

use crate::calendar::{Period, add_days, add_months, months_reached};
use crate::measures::{
    Candidates, DecidingDate, EpisodeAsOf, EvaluationContext, Evidence, Measure, PeriodKind, RollingPoints, Verdict,
    excluded,
};
use crate::timeframes::Timeframes;

/// A named exclusion: its rule and its explanation (which may name timeframe parameters).
type Rule = (&'static str, &'static str);

/// A number of months from the configuration.
type Months = fn(&Timeframes) -> u32;

pub struct PermanencyInCare {
    pub id: &'static str,
    pub title: &'static str,
    /// A few words for narrow places.
    pub short_title: &'static str,
    /// The band starts at this many months in care on F.
    pub from_months: Months,
    /// The exclusion of episodes in care for less than the band on F.
    pub under_band: Rule,
    /// The band ends before this many months in care on F (`None`: no upper end), with the
    /// exclusion of episodes in care that long.
    pub below_months: Option<(Months, Rule)>,
    /// The `[timeframes]` keys the measure uses.
    pub parameters: &'static [&'static str],
    /// National performance, CFSR Round 4 (docs/measures.md).
    pub national: f64,
}

impl PermanencyInCare {
    /// The day the episode has been in care `months` months.
    fn in_care_for(&self, episode: &EpisodeAsOf<'_>, months: u32) -> NaiveDate {
        add_months(episode.removal_date(), months as i32)
    }
}

impl Measure for PermanencyInCare {
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
        crate::measures::Section::FederalIndicators
    }

    fn parameters(&self) -> &'static [&'static str] {
        self.parameters
    }

    fn national_default(&self) -> Option<f64> {
        Some(self.national)
    }

    fn numerator_words(&self) -> [&'static str; 2] {
        [
            "discharged to permanency in time",
            "not discharged to permanency in time",
        ]
    }

    fn definition(&self, timeframes: &Timeframes) -> String {
        let band = match self.below_months {
            Some((below, _)) => format!(
                "in care at least {} and less than {} months",
                (self.from_months)(timeframes),
                below(timeframes)
            ),
            None => format!("in care {} months or more", (self.from_months)(timeframes)),
        };
        format!(
            "Of the children in care on the first day of the reporting period who had then been {band} (excluding children \
             aged 18 or more on that day), the share discharged to permanency (reunification, relative, guardianship, \
             permanent guardianship or adoption) by the period's last day and before their 18th birthday. Federal \
             indicator (CFSR Round 4)."
        )
    }

    fn cohort_period(&self, period: Period, kind: PeriodKind, _timeframes: &Timeframes) -> Period {
        match kind {
            PeriodKind::Headline | PeriodKind::Rolling => period,
            // F is the first day of the 12 months ending on the month's last day.
            PeriodKind::Month => Period::reporting_period(period.end),
        }
    }

    fn candidates(&self) -> Candidates {
        // In care on F, the period's first day: in care during the period.
        Candidates::InCareDuring
    }

    fn rolling_points(&self) -> RollingPoints {
        RollingPoints::SameAsMonth
    }

    fn evaluate(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Verdict {
        let (first_day, last_day) = (context.period.start, context.period.end);
        if !episode.in_care_on(first_day) {
            return excluded("not_in_care_on_first_day", "not in care on the period's first day");
        }
        let in_care_for_months_on = |months: u32| months_reached(episode.removal_date(), months, first_day);
        if !in_care_for_months_on((self.from_months)(context.timeframes)) {
            return excluded(self.under_band.0, self.under_band.1);
        }
        if let Some((below, rule)) = self.below_months
            && in_care_for_months_on(below(context.timeframes))
        {
            return excluded(rule.0, rule.1);
        }
        if episode.is_adult_on(first_day, context.timeframes) {
            return excluded(
                "aged_18_on_first_day",
                "aged 18 or more (birth date + {adult_age_months} months) on the period's first day",
            );
        }
        // The last day a discharge to permanency counts: the period's last, or the day before
        // the 18th birthday.
        let deadline = match episode.adult_from(context.timeframes) {
            Some(adult) => last_day.min(add_days(adult, -1)),
            None => last_day,
        };
        let discharge = episode.discharge();
        Verdict::counted(
            discharge.is_some_and(|discharge| discharge.reason.is_permanency() && discharge.date <= deadline),
            Evidence {
                deadline: Some(deadline),
                event: discharge.map(|discharge| ("discharge", discharge.date)),
            },
        )
    }

    fn deciding_dates(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Vec<DecidingDate> {
        let months = (self.from_months)(context.timeframes);
        let mut dates = vec![
            DecidingDate::new("the period's first day (F)", context.period.start),
            DecidingDate::new(format!("in care {months} months on"), self.in_care_for(episode, months)),
        ];
        if let Some((below, _)) = self.below_months {
            let months = below(context.timeframes);
            dates.push(DecidingDate::new(
                format!("in care {months} months on"),
                self.in_care_for(episode, months),
            ));
        }
        if let Some(adult) = episode.adult_from(context.timeframes) {
            dates.push(DecidingDate::new("18th birthday", adult));
        }
        dates
    }
}
