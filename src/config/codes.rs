//! `[codes]`, `[offices]` and `[race_ethnicity]`: the agency's spellings mapped onto canonical
//! codes, the list of area offices, and the reporting categories.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::config::{ConfigError, Validator, normalize_code};
use crate::model::{DischargeReason, MeetingStatus, MeetingType, PermanencyGoal, PlacementSetting};
use crate::performance::FastHashMap;
use crate::performance::code_map::CodeMap;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OfficesSection {
    #[serde(default)]
    names: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CodesSection {
    #[serde(default)]
    discharge_reason: BTreeMap<String, String>,
    #[serde(default)]
    permanency_goal: BTreeMap<String, String>,
    #[serde(default)]
    meeting_type: BTreeMap<String, String>,
    #[serde(default)]
    meeting_status: BTreeMap<String, String>,
    #[serde(default)]
    placement_setting: BTreeMap<String, String>,
    #[serde(default)]
    yes: Vec<String>,
    #[serde(default)]
    no: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RaceEthnicitySection {
    categories: Vec<String>,
    missing: String,
    #[serde(default)]
    aliases: BTreeMap<String, String>,
}

/// Agency codes (lower-cased, trimmed) → canonical values. Offices and race/ethnicity also
/// hold their spellings as configured, so the common case needs no lower-casing.
#[derive(Debug, Clone, Default)]
pub struct CodeMaps {
    pub discharge_reason: CodeMap<DischargeReason>,
    pub permanency_goal: CodeMap<PermanencyGoal>,
    pub meeting_type: CodeMap<MeetingType>,
    pub meeting_status: CodeMap<MeetingStatus>,
    pub placement_setting: CodeMap<PlacementSetting>,
    pub yes_no: CodeMap<bool>,
    /// Office spelling (as configured, and lower-cased) → canonical spelling; empty = any
    /// office accepted.
    pub offices: FastHashMap<String, String>,
    /// Category or alias (as configured, and lower-cased) → category.
    pub race_ethnicity: FastHashMap<String, String>,
}

/// The reporting categories of the equity breakdown.
pub(super) struct RaceCategories {
    pub categories: Vec<String>,
    pub missing: String,
}

impl Validator<'_> {
    /// The code maps of `[codes]` (offices and race/ethnicity are added by their sections).
    pub(super) fn codes(&self, codes: &CodesSection) -> Result<CodeMaps, ConfigError> {
        let mut maps = CodeMaps {
            discharge_reason: self.code_map(
                "codes.discharge_reason",
                &codes.discharge_reason,
                &DischargeReason::ALL,
                |c| c.canonical_code(),
            )?,
            permanency_goal: self.code_map(
                "codes.permanency_goal",
                &codes.permanency_goal,
                &PermanencyGoal::ALL,
                |c| c.canonical_code(),
            )?,
            meeting_type: self.code_map("codes.meeting_type", &codes.meeting_type, &MeetingType::ALL, |c| {
                c.canonical_code()
            })?,
            meeting_status: self.code_map(
                "codes.meeting_status",
                &codes.meeting_status,
                &MeetingStatus::ALL,
                |c| c.canonical_code(),
            )?,
            placement_setting: self.code_map(
                "codes.placement_setting",
                &codes.placement_setting,
                &PlacementSetting::ALL,
                |c| c.canonical_code(),
            )?,
            ..CodeMaps::default()
        };
        for (flag, spellings, key) in [(true, &codes.yes, "codes.yes"), (false, &codes.no, "codes.no")] {
            let defaults: &[&str] = if flag {
                &["y", "yes", "true", "1"]
            } else {
                &["n", "no", "false", "0"]
            };
            for spelling in defaults.iter().map(|s| s.to_string()).chain(spellings.iter().cloned()) {
                let normalized = normalize_code(&spelling);
                if normalized.is_empty() {
                    return Err(self.invalid(key, "an empty spelling cannot mean yes or no (empty already means N)"));
                }
                if maps.yes_no.insert(normalized, flag) == Some(!flag) {
                    return Err(self.invalid(key, format!("{spelling:?} is listed as both yes and no")));
                }
            }
        }
        Ok(maps)
    }

    fn code_map<Code: Copy>(
        &self,
        key: &str,
        aliases: &BTreeMap<String, String>,
        all: &[Code],
        canonical: fn(Code) -> &'static str,
    ) -> Result<CodeMap<Code>, ConfigError> {
        let mut map: CodeMap<Code> = all.iter().map(|&code| (canonical(code).to_string(), code)).collect();
        for (agency_code, target) in aliases {
            let Some(&code) = all.iter().find(|&&code| canonical(code) == target.trim()) else {
                let names: Vec<&str> = all.iter().map(|&code| canonical(code)).collect();
                return Err(self.invalid(
                    format!("{key}.{agency_code:?}"),
                    format!("{target:?} is not a canonical code; use one of {}", names.join(", ")),
                ));
            };
            if normalize_code(agency_code).is_empty() {
                return Err(self.invalid(key, "an agency code cannot be empty"));
            }
            map.insert(normalize_code(agency_code), code);
        }
        Ok(map)
    }

    /// The configured offices in their order, each also added to `codes.offices`.
    pub(super) fn offices(&self, section: &OfficesSection, codes: &mut CodeMaps) -> Result<Vec<String>, ConfigError> {
        let mut offices = Vec::new();
        let mut seen_offices = BTreeSet::new();
        for (index, name) in section.names.iter().enumerate() {
            let trimmed = name.trim();
            if trimmed.is_empty() {
                return Err(self.invalid(
                    format!("offices.names[{index}]"),
                    format!("{name:?} cannot be an office name (it is empty)"),
                ));
            }
            if !seen_offices.insert(normalize_code(trimmed)) {
                return Err(self.invalid(format!("offices.names[{index}]"), format!("{name:?} is listed twice")));
            }
            codes.offices.insert(trimmed.to_string(), trimmed.to_string());
            codes.offices.insert(normalize_code(trimmed), trimmed.to_string());
            offices.push(trimmed.to_string());
        }
        Ok(offices)
    }

    /// The reporting categories, each category and alias also added to `codes.race_ethnicity`.
    pub(super) fn race_categories(
        &self,
        race: &RaceEthnicitySection,
        codes: &mut CodeMaps,
    ) -> Result<RaceCategories, ConfigError> {
        if race.categories.is_empty() {
            return Err(self.invalid("race_ethnicity.categories", "list at least one reporting category"));
        }
        let mut seen_categories = BTreeSet::new();
        for category in &race.categories {
            if !seen_categories.insert(normalize_code(category)) {
                return Err(self.invalid("race_ethnicity.categories", format!("{category:?} is listed twice")));
            }
            codes.race_ethnicity.insert(category.clone(), category.clone());
            codes.race_ethnicity.insert(normalize_code(category), category.clone());
        }
        if !race.categories.contains(&race.missing) {
            return Err(self.invalid(
                "race_ethnicity.missing",
                format!("{:?} is not one of race_ethnicity.categories", race.missing),
            ));
        }
        for (alias, category) in &race.aliases {
            if !race.categories.contains(category) {
                return Err(self.invalid(
                    format!("race_ethnicity.aliases.{alias:?}"),
                    format!("{category:?} is not one of race_ethnicity.categories"),
                ));
            }
            codes.race_ethnicity.insert(alias.clone(), category.clone());
            codes.race_ethnicity.insert(normalize_code(alias), category.clone());
        }
        Ok(RaceCategories {
            categories: race.categories.clone(),
            missing: race.missing.clone(),
        })
    }
}
