//! Writes the machine-readable outputs of `outputs.md` into `<out>/<as_of>/`. Rendering the
//! bytes is pure (`tables`, `manifest`); only `run_directory` touches the disk.

pub mod manifest;
pub mod run_directory;
pub mod tables;

use sha2::{Digest, Sha256};

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// A digest as lower-case hexadecimal, as the manifest lists it.
pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A value from the data, made safe for spreadsheet programs: text starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return gets a leading `'` (OWASP CSV injection), unless it is
/// a plain number, which is left as it is.
pub fn neutralise_csv_text(value: &str) -> std::borrow::Cow<'_, str> {
    let risky = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && value.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{value}"))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

/// A rate as a decimal fraction, shortest exact form (`0.75`, `0.6666666666666666`), or empty.
pub fn format_rate(rate: Option<f64>) -> String {
    rate.map(|value| value.to_string()).unwrap_or_default()
}
