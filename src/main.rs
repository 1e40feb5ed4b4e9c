//! Sets up the allocator and logging, parses arguments, runs the command and maps its failure to
//! an exit status.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use permanency_report::cli::{Cli, LogFormat};
use permanency_report::progress::Progress;

fn main() -> ExitCode {
    permanency_report::performance::allocator::keep_freed_memory();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version go to stdout with status 0; usage errors are status 1.
            let code = if error.use_stderr() { 1 } else { 0 };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    setup_logging(cli.log_format);
    let today = chrono::Local::now().date_naive();
    let progress = Progress::new(std::io::stderr().is_terminal() && cli.log_format == LogFormat::Text);
    match permanency_report::run(cli.command, today, progress) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::from(failure.exit_code() as u8)
        }
    }
}

fn setup_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PERMANENCY_REPORT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colour only on a terminal, and never with NO_COLOR set (https://no-color.org).
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.with_target(false).init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}
