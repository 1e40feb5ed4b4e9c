//! Every number of the measures' definitions (`docs/measures.md`), declared once: each line of
//! `timeframes!` below is a key of `[timeframes]` in the configuration with its default (the
//! policy's), its sensible range and its meaning. The struct, its defaults, the validation of
//! the configuration and the list the reports print are all made from those lines, so a new
//! parameter is one line here plus its use in the measure that declares it
//! (`Measure::parameters`).

use serde::Deserialize;

/// One parameter as declared: what the configuration may set and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parameter {
    pub key: &'static str,
    pub default: u32,
    pub lowest: u32,
    pub highest: u32,
    pub meaning: &'static str,
}

macro_rules! timeframes {
    ($($key:ident = $default:literal in $lowest:literal ..= $highest:literal, $meaning:literal;)*) => {
        /// The timeframes in force (`[timeframes]`; each missing key takes its default).
        #[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct Timeframes {
            $(#[doc = $meaning] pub $key: u32,)*
        }

        impl Default for Timeframes {
            fn default() -> Self {
                Self { $($key: $default,)* }
            }
        }

        impl Timeframes {
            /// Every parameter, in declaration order.
            pub const PARAMETERS: &'static [Parameter] = &[$(Parameter {
                key: stringify!($key),
                default: $default,
                lowest: $lowest,
                highest: $highest,
                meaning: $meaning,
            },)*];

            /// The value in force of the parameter named `key`.
            pub fn value(&self, key: &str) -> Option<u32> {
                match key {
                    $(stringify!($key) => Some(self.$key),)*
                    _ => None,
                }
            }
        }
    };
}

timeframes! {
    reunification_months = 12 in 1..=240, "reunification_12m deadline: removal + N months";
    guardianship_months = 18 in 1..=240, "guardianship_18m deadline: removal + N months";
    adoption_months = 24 in 1..=240, "adoption_24m deadline: removal + N months";
    entry_cohort_permanency_months = 12 in 1..=240, "permanency_12m_entry: follow-up and look-back, months";
    short_stay_days = 8 in 0..=366, "stays shorter than this many days are excluded";
    adult_age_months = 216 in 1..=600, "aged 18: birth_date + N months <= date";
    relative_notice_days = 30 in 0..=366, "relative_notice_30d window, calendar days";
    initial_joint_days = 5 in 0..=366, "initial_joint_5d window after placement, calendar days";
    emergency_team_business_days = 2 in 0..=60, "emergency_team_2bd window, business days";
    teaming_interval_days = 90 in 1..=3660, "teaming_90d look-back, calendar days";
    due_soon_days = 60 in 0..=3660, "case lists: \"due soon\" horizon of the timely-permanency measures, calendar days";
    teaming_due_soon_days = 14 in 0..=3660, "teaming_90d case list: \"due soon\" horizon, calendar days";
    in_care_band_months = 12 in 1..=240, "permanency_12m_in_care_12_23: in care at least N months on the period's first day";
    in_care_long_band_months = 24 in 1..=480, "permanency_12m_in_care_12_23 below, and _24_plus from, N months in care on the period's first day";
    reentry_months = 12 in 1..=240, "reentry_12m: follow-up after an exit and look-back of the exit window, months";
    team_before_decision_days = 30 in 0..=366, "team_before_return_home, team_before_placement_change: a large team meeting at most N days before";
    trial_home_visit_days = 30 in 0..=3660, "permanency_12m_entry: a trial home visit longer than N days counts as a discharge N days after it began";
}

impl Timeframes {
    /// Every parameter with the value in force, in declaration order (for the reports).
    pub fn entries(&self) -> Vec<(&'static str, u32)> {
        Self::PARAMETERS
            .iter()
            .map(|parameter| (parameter.key, self.value(parameter.key).unwrap_or(parameter.default)))
            .collect()
    }

    /// The first value outside its sensible range: (key, message).
    pub fn out_of_range(&self) -> Option<(&'static str, String)> {
        Self::PARAMETERS.iter().find_map(|parameter| {
            let value = self.value(parameter.key)?;
            (!(parameter.lowest..=parameter.highest).contains(&value)).then(|| {
                (
                    parameter.key,
                    format!(
                        "{value} is outside the sensible range {}..={}",
                        parameter.lowest, parameter.highest
                    ),
                )
            })
        })
    }

    /// `text` with every `{key}` of a parameter replaced by its value in force: how exclusion
    /// explanations carry the configured numbers ("in care fewer than {short_stay_days} days").
    pub fn fill_in(&self, text: &str) -> String {
        let mut filled = text.to_string();
        for parameter in Self::PARAMETERS {
            let placeholder = format!("{{{}}}", parameter.key);
            if filled.contains(&placeholder) {
                let value = self.value(parameter.key).unwrap_or(parameter.default);
                filled = filled.replace(&placeholder, &value.to_string());
            }
        }
        filled
    }
}

#[cfg(test)]
mod tests {
    use super::Timeframes;

    #[test]
    fn every_parameter_has_its_default_a_range_that_holds_it_and_a_meaning() {
        let defaults = Timeframes::default();
        for parameter in Timeframes::PARAMETERS {
            assert_eq!(defaults.value(parameter.key), Some(parameter.default));
            assert!((parameter.lowest..=parameter.highest).contains(&parameter.default));
            assert!(!parameter.meaning.is_empty());
        }
        assert_eq!(defaults.out_of_range(), None);
        let wrong = Timeframes {
            teaming_interval_days: 0,
            ..Timeframes::default()
        };
        assert_eq!(wrong.out_of_range().map(|(key, _)| key), Some("teaming_interval_days"));
        assert_eq!(
            defaults.fill_in("fewer than {short_stay_days} days, aged {adult_age_months} months, {unknown}"),
            "fewer than 8 days, aged 216 months, {unknown}"
        );
    }
}
