//! `data_quality.txt`: the human summary of how the extracts were read.

use std::collections::BTreeMap;

use crate::extracts::Extract;
use crate::ingest::ExtractReport;

/// The human summary `validate` prints and the run writes as `data_quality.txt`: each
/// extract's counts, newest date and its first rejected rows' summaries.
pub fn data_quality_text(reports: &BTreeMap<Extract, ExtractReport>, max_rejected_share: f64) -> String {
    use std::fmt::Write;
    let mut text = String::new();
    for (extract, report) in reports {
        let _ = writeln!(
            text,
            "{name}: {path}\n  read {read}, accepted {accepted}, rejected {rejected} ({share:.2}% of rows; limit {limit:.2}%), orphaned {orphaned}",
            name = extract.name(),
            path = report.path.display(),
            read = report.rows_read,
            accepted = report.rows_accepted,
            rejected = report.rows_rejected(),
            share = report.rejected_share() * 100.0,
            limit = max_rejected_share * 100.0,
            orphaned = report.rows_orphaned(),
        );
        if !extract.spec().date_columns.is_empty() {
            let _ = writeln!(
                text,
                "  newest date {}",
                report
                    .newest_date
                    .map_or_else(|| "none (no accepted row)".to_string(), |date| date.to_string())
            );
        }
        for (reason, rows) in report.rejected_by_kind() {
            let _ = writeln!(text, "    rejected {reason}: {rows}");
        }
        for (reason, rows) in &report.orphaned_by_reason {
            let _ = writeln!(text, "    orphaned {reason}: {rows}");
        }
        // Summaries only: kind, column, a short excerpt of a non-id value; never an id or a
        // whole row (this text goes into alerts and logs). The rejects file has the rest.
        for row in report.rejected.iter().take(5) {
            let _ = writeln!(text, "    line {}: {}", row.line, row.summary());
        }
        if report.rejected.len() > 5 {
            let _ = writeln!(
                text,
                "    … and {} more in rejects/{}.csv",
                report.rejected.len() - 5,
                extract.name()
            );
        }
    }
    text
}
