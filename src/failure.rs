//! The kinds of failure the exit status distinguishes (`docs/outputs.md`). Orchestration builds
//! errors with `anyhow` and says here which kind each one is.

/// A failed command, sorted by what the operator has to do about it.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Exit 1: a bad flag or configuration; nothing was written.
    #[error("{0:#}")]
    Configuration(anyhow::Error),
    /// Exit 2: an extract is missing or unreadable, or too many rows were rejected; reports
    /// are withheld and the data-quality report is written.
    #[error("{0:#}")]
    Input(anyhow::Error),
    /// Exit 3: reports were written but could not be delivered.
    #[error("{0:#}")]
    Delivery(anyhow::Error),
    /// Exit 1 as well: writing outputs failed (disk full, permissions), or another run holds
    /// the output directory's lock.
    #[error("{0:#}")]
    Output(anyhow::Error),
}

impl Failure {
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Configuration(_) | Self::Output(_) => 1,
            Self::Input(_) => 2,
            Self::Delivery(_) => 3,
        }
    }
}
