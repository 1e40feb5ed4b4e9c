//! Writes the machine-readable outputs (`docs/outputs.md`) into `<out>/<as_of>/`. Every table
//! is declared once in `tables` and rendered by `csv_writer` (and, with `output.formats`
//! including Parquet, by `parquet_writer`); `data_quality` is the text
//! summary, `manifest` what was read and written. Rendering the bytes is pure; only
//! `run_directory` (and `direct_file`, the large streamed files it writes) touches the disk.

pub mod csv_writer;
pub mod data_quality;
pub mod direct_file;
pub mod manifest;
pub mod parquet_writer;
pub mod run_directory;
pub mod tables;

/// A value from the data, made safe for spreadsheet programs: text starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return gets a leading `'` (OWASP CSV injection), unless it is
/// a plain number, which is left as it is.
#[inline]
pub fn neutralise_csv_text(value: &str) -> std::borrow::Cow<'_, str> {
    // By the first byte: each of these characters is one byte, which never starts another
    // character in UTF-8.
    let risky = matches!(
        value.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    );
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

#[cfg(test)]
mod tests {
    use super::neutralise_csv_text;

    #[test]
    fn text_a_spreadsheet_would_run_gets_a_quote_and_numbers_do_not() {
        for (value, written) in [
            ("=1+1", "'=1+1"),
            ("+cmd", "'+cmd"),
            ("-x", "'-x"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tA", "'\tA"),
            ("\rA", "'\rA"),
            ("-5", "-5"),
            ("+1.5", "+1.5"),
            ("", ""),
            ("R0001", "R0001"),
            ("é=1", "é=1"),
            ("A=1", "A=1"),
        ] {
            assert_eq!(neutralise_csv_text(value), written, "{value:?}");
        }
    }
}
