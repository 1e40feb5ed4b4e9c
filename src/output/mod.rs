//! Writes the machine-readable outputs of `outputs.md` into `<out>/<as_of>/`. Rendering the
//! bytes is pure (`tables`, `manifest`); only `write_file_atomically` touches the disk.

pub mod manifest;
pub mod tables;

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use sha2::{Digest, Sha256};

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place, so a crash or a
/// kill never leaves a half-written file under the final name.
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let directory = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(directory).with_context(|| format!("cannot create directory {}", directory.display()))?;
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = directory.join(format!(".{file_name}.{}.partial", std::process::id()));
    let mut file =
        std::fs::File::create(&temporary).with_context(|| format!("cannot create {}", temporary.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    drop(file);
    std::fs::rename(&temporary, path).with_context(|| format!("cannot move {} into place", path.display()))?;
    Ok(())
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
