//! Configuration errors name the file, the key and what is wrong, and stop before any work.

use std::path::Path;

use permanency_report::config::Config;
use permanency_report::measures::known_to_configuration;

fn error_for(toml: &str) -> String {
    Config::from_toml(Path::new("site.toml"), toml, &known_to_configuration())
        .err()
        .map(|error| error.to_string())
        .expect("the configuration should be refused")
}

const VALID: &str = r#"
[input]
dir = "x"
date_formats = ["YYYY-MM-DD"]
max_rejected_share = 0.05
[output]
dir = "reports"
[race_ethnicity]
categories = ["Unknown"]
missing = "Unknown"
"#;

const DELIVERY: &str = "[delivery]\nfrom = \"reports@agency.example\"\nallowed_domains = [\"agency.example\"]\n";

#[test]
fn the_minimal_configuration_is_valid_and_the_shipped_one_too() {
    Config::from_toml(Path::new("site.toml"), VALID, &known_to_configuration()).expect("valid");
    let shipped = crate::support::repository_root().join("config/permanency.toml");
    let config = Config::load(&shipped, &known_to_configuration()).expect("the shipped configuration is valid");
    assert!(config.offices.is_empty(), "every office accepted as written by default");
    assert_eq!(
        config.delivery.as_ref().map(|delivery| delivery.offices.len()),
        Some(14)
    );
}

#[test]
fn each_mistake_gets_a_message_with_file_key_and_reason() {
    let cases: &[(&str, &[&str])] = &[
        (
            &VALID.replace("[output]", "colour = \"red\"\n[output]"),
            &["site.toml", "unknown field `colour`"],
        ),
        (
            &VALID.replace("0.05", "\"five percent\""),
            &["site.toml", "max_rejected_share"],
        ),
        (
            &VALID.replace("0.05", "5"),
            &["site.toml", "`input.max_rejected_share`", "between 0 and 1"],
        ),
        (
            &VALID.replace("\"YYYY-MM-DD\"", "\"%Y-%m-%d\""),
            &["`input.date_formats[0]`"],
        ),
        (
            &format!("{VALID}[holidays]\ndates = [\"2026-02-30\"]\n"),
            &["`holidays.dates[0]`", "\"2026-02-30\" is not a date"],
        ),
        (
            &format!("{VALID}[targets]\nreunification = 0.5\n"),
            &["`targets.reunification`", "no such measure"],
        ),
        (
            &format!("{VALID}[targets]\nteaming_90d = 90\n"),
            &["`targets.teaming_90d`", "between 0 and 1"],
        ),
        (
            &format!("{VALID}[codes.discharge_reason]\n\"X\" = \"home\"\n"),
            &["`codes.discharge_reason.\"X\"`", "\"home\" is not a canonical code"],
        ),
        (
            &format!("{VALID}[input.columns.removals]\nremoval_number = \"RID\"\n"),
            &["`input.columns.removals.removal_number`", "not a column of removals"],
        ),
        (
            &format!("{VALID}[timeframes]\nreunification_months = 0\n"),
            &["`timeframes.reunification_months`"],
        ),
        (
            &VALID.replace("missing = \"Unknown\"", "missing = \"Other\""),
            &["`race_ethnicity.missing`"],
        ),
        (
            &format!("{VALID}[offices]\nnames = [\"  \"]\n"),
            &["`offices.names[0]`", "empty"],
        ),
        (
            &format!("{VALID}{DELIVERY}leadership = [\"boss@gmail.com\"]\n"),
            &["`delivery.leadership[0]`", "outside delivery.allowed_domains"],
        ),
        (
            &format!("{VALID}{DELIVERY}operations = [\"not an address\"]\n"),
            &["`delivery.operations[0]`"],
        ),
        (
            &format!(
                "{VALID}{DELIVERY}[delivery.smtp]\nhost = \"smtp.agency.example\"\nsecurity = \"none\"\nallow_plaintext = true\n"
            ),
            &["`delivery.smtp.security`", "only for a relay on this machine"],
        ),
        (
            &format!(
                "{VALID}{DELIVERY}[delivery.smtp]\nhost = \"smtp.agency.example\"\nsecurity = \"starttls\"\npassword = \"hunter2\"\n"
            ),
            &["unknown field `password`"],
        ),
        (
            &format!(
                "{VALID}{DELIVERY}[delivery.smtp]\nhost = \"smtp.agency.example\"\nsecurity = \"starttls\"\nusername = \"bot\"\n"
            ),
            &["`delivery.smtp`", "needs both a username"],
        ),
    ];
    for (toml, fragments) in cases {
        let message = error_for(toml);
        for fragment in *fragments {
            assert!(message.contains(fragment), "{message:?} should contain {fragment:?}");
        }
    }
}

#[test]
fn the_shipped_configuration_documents_every_timeframe() {
    let shipped = std::fs::read_to_string(crate::support::repository_root().join("config/permanency.toml"))
        .expect("shipped configuration");
    for parameter in permanency_report::timeframes::Timeframes::PARAMETERS {
        assert!(
            shipped
                .lines()
                .any(|line| line.trim_start().starts_with(&format!("{} =", parameter.key))),
            "config/permanency.toml does not set {}",
            parameter.key
        );
    }
}
