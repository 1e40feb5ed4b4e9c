//! Publishing a run's files safely: one run at a time per output directory (a lock file), and
//! a run directory that appears complete or not at all. Files are written into a staging
//! directory beside the final one, then the staging directory is renamed into place; a rerun
//! for the same as-of moves the previous directory aside first and deletes it after. A crash
//! or `kill -9` leaves only a hidden staging directory, removed by the next run.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::Digest;

use crate::config::OutputPermissions;
use crate::output::direct_file::StreamedFile;

/// Applies `mode` to `path` (Unix; elsewhere the platform's defaults apply).
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

const LOCK_FILE: &str = ".permanency-report.lock";

/// Held for the whole run; dropping it releases the lock.
pub struct OutputLock {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another permanency-report run is writing to {directory} (lock file {lock}); try again when it has finished"
    )]
    Busy { directory: PathBuf, lock: PathBuf },
    #[error("cannot lock the output directory {directory}")]
    Io {
        directory: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Takes the output directory's lock without waiting, then removes what crashed runs left.
/// The output directory, and the lock file when they are new, take the configured modes (not
/// the umask).
pub fn lock_output_directory(out_root: &Path, permissions: OutputPermissions) -> Result<OutputLock, LockError> {
    let io_error = |source| LockError::Io {
        directory: out_root.to_path_buf(),
        source,
    };
    if !out_root.exists() {
        std::fs::create_dir_all(out_root).map_err(io_error)?;
        restrict(out_root, permissions.directory_mode).map_err(io_error)?;
    }
    let lock_path = out_root.join(LOCK_FILE);
    let mut options = File::options();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, permissions.file_mode);
    let file = options.open(&lock_path).map_err(io_error)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(LockError::Busy {
                directory: out_root.to_path_buf(),
                lock: lock_path,
            });
        }
        Err(std::fs::TryLockError::Error(source)) => return Err(io_error(source)),
    }
    remove_leftovers(out_root);
    Ok(OutputLock { _file: file })
}

/// Staging and replaced directories of runs that died; only called under the lock.
fn remove_leftovers(out_root: &Path) {
    let Ok(entries) = std::fs::read_dir(out_root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && (name.contains(".partial-") || name.contains(".replaced-")) {
            let path = entry.path();
            let _ = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
    }
}

/// A run directory being written: a hidden staging directory beside the final one, renamed
/// into place by `publish`. Dropped unpublished (an error on the way), it is removed.
pub struct Staging {
    out_root: PathBuf,
    name: String,
    path: PathBuf,
    permissions: OutputPermissions,
    published: bool,
    /// Files streamed without a sync of their own (`stream_file_synced_later`): `write_files`
    /// makes them durable with everything else.
    synced_later: std::sync::Mutex<Vec<String>>,
}

impl Staging {
    /// Creates the staging directory for `<out_root>/<name>`. Call it while holding the lock.
    pub fn create(out_root: &Path, name: &str, permissions: OutputPermissions) -> anyhow::Result<Self> {
        let path = out_root.join(format!(".{name}.partial-{}", std::process::id()));
        if path.exists() {
            std::fs::remove_dir_all(&path).with_context(|| format!("cannot clear {}", path.display()))?;
        }
        std::fs::create_dir_all(&path).with_context(|| format!("cannot create {}", path.display()))?;
        restrict(&path, permissions.directory_mode).with_context(|| format!("cannot restrict {}", path.display()))?;
        Ok(Self {
            out_root: out_root.to_path_buf(),
            name: name.to_string(),
            path,
            permissions,
            published: false,
            synced_later: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// Creates `relative` (and its parent directories) with the configured permissions.
    fn create_file(&self, relative: &str) -> anyhow::Result<(PathBuf, File)> {
        let path = self.path.join(relative);
        if let Some(parent) = path.parent()
            && !parent.exists()
        {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
            restrict(parent, self.permissions.directory_mode)
                .with_context(|| format!("cannot restrict {}", parent.display()))?;
        }
        let file = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        restrict(&path, self.permissions.file_mode).with_context(|| format!("cannot restrict {}", path.display()))?;
        Ok((path, file))
    }

    /// Writes `bytes` as `relative` and syncs it to disk.
    pub fn write_file(&self, relative: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let (path, mut file) = self.create_file(relative)?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// Writes every file of `files` (relative name → bytes), then flushes them to disk with
    /// one `syncfs` of the staging directory's file system (a sync after each file cost a
    /// journal commit per file: 20,000 workers' messages took ten seconds). Where `syncfs` is
    /// unavailable, each file is synced.
    /// Two threads write, the largest files first (so that neither is left with a large one
    /// at the end); a file of a megabyte or more past the page cache (`direct_file`), as the
    /// streamed ones are.
    pub fn write_files(&self, files: &BTreeMap<String, Vec<u8>>) -> anyhow::Result<()> {
        let files = largest_first(files);
        crate::performance::work_queue::map_on_two_threads(&files, |&(relative, bytes)| -> anyhow::Result<()> {
            let (path, file) = self.create_file(relative)?;
            write_whole(file, bytes).with_context(|| format!("cannot write {}", path.display()))
        })?;
        let synced_later = self.streamed_unsynced().clone();
        self.sync_everything_written(files.iter().map(|(relative, _)| *relative).chain(&synced_later))
    }

    /// Makes what was written into the staging directory durable.
    fn sync_everything_written<'a>(&self, relatives: impl Iterator<Item = &'a String>) -> anyhow::Result<()> {
        #[cfg(target_os = "linux")]
        {
            let directory = File::open(&self.path).with_context(|| format!("cannot open {}", self.path.display()))?;
            if rustix::fs::syncfs(&directory).is_ok() {
                return Ok(());
            }
        }
        for relative in relatives {
            let path = self.path.join(relative);
            File::open(&path)
                .and_then(|file| file.sync_all())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    }

    /// Streams `relative` from `fill` (for files too large to hold in memory), syncs it, and
    /// returns its SHA-256, computed on the way.
    pub fn stream_file(
        &self,
        relative: &str,
        fill: impl FnOnce(&mut (dyn Write + Send)) -> anyhow::Result<()>,
    ) -> anyhow::Result<String> {
        let (path, file, sha256) = self.stream_unsynced(relative, fill)?;
        file.sync_all()
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(sha256)
    }

    /// Streams `relative` from `fill` as `stream_file` does, but leaves its sync to
    /// `write_files`, which must follow: for a file written while other work goes on, which a
    /// sync of its own would hold up.
    pub fn stream_file_synced_later(
        &self,
        relative: &str,
        fill: impl FnOnce(&mut (dyn Write + Send)) -> anyhow::Result<()>,
    ) -> anyhow::Result<String> {
        let (_, _, sha256) = self.stream_unsynced(relative, fill)?;
        self.streamed_unsynced().push(relative.to_string());
        Ok(sha256)
    }

    /// The files `stream_file_synced_later` wrote. A thread that panicked holding the list
    /// cannot have left it half-changed (a push), so the list is taken as it is: a name lost
    /// would be a file published unsynced.
    fn streamed_unsynced(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.synced_later
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Creates `relative`, writes it from `fill` (past the page cache where the file system
    /// allows: `direct_file`) and returns it with its SHA-256.
    fn stream_unsynced(
        &self,
        relative: &str,
        fill: impl FnOnce(&mut (dyn Write + Send)) -> anyhow::Result<()>,
    ) -> anyhow::Result<(PathBuf, File, String)> {
        let (path, file) = self.create_file(relative)?;
        let mut hashing = HashingWriter {
            inner: StreamedFile::new(file),
            hasher: sha2::Sha256::new(),
        };
        fill(&mut hashing).with_context(|| format!("cannot write {}", path.display()))?;
        let HashingWriter { inner, hasher } = hashing;
        let file = inner
            .finish()
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok((path, file, crate::digest::hex(&hasher.finalize())))
    }

    /// Renames the staging directory to `<out_root>/<name>`, replacing any previous one.
    pub fn publish(mut self) -> anyhow::Result<PathBuf> {
        let final_directory = self.out_root.join(&self.name);
        let replaced = self
            .out_root
            .join(format!(".{}.replaced-{}", self.name, std::process::id()));
        // `symlink_metadata`: whatever is there (a directory, a file, a link) is moved aside.
        if final_directory.symlink_metadata().is_ok() {
            std::fs::rename(&final_directory, &replaced)
                .with_context(|| format!("cannot move the previous {} aside", final_directory.display()))?;
        }
        std::fs::rename(&self.path, &final_directory)
            .with_context(|| format!("cannot move {} into place", final_directory.display()))?;
        self.published = true;
        if let Ok(metadata) = replaced.symlink_metadata() {
            let removed = if metadata.is_dir() {
                std::fs::remove_dir_all(&replaced)
            } else {
                std::fs::remove_file(&replaced)
            };
            removed.with_context(|| format!("cannot remove {}", replaced.display()))?;
        }
        Ok(final_directory)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// `files` largest first: the order in which two threads share them out most evenly.
pub fn largest_first(files: &BTreeMap<String, Vec<u8>>) -> Vec<(&String, &Vec<u8>)> {
    let mut files: Vec<(&String, &Vec<u8>)> = files.iter().collect();
    files.sort_by_key(|(_, bytes)| std::cmp::Reverse(bytes.len()));
    files
}

/// Writes `bytes` as the whole of `file`: past the page cache from a megabyte up.
fn write_whole(mut file: File, bytes: &[u8]) -> std::io::Result<()> {
    if bytes.len() < DIRECT_FROM_BYTES {
        return file.write_all(bytes);
    }
    let mut direct = StreamedFile::new(file);
    direct.write_all(bytes)?;
    direct.finish().map(drop)
}

/// The size from which a file held in memory is written past the page cache: below it, the
/// page cache's copy costs less than a thread and a wait for the disk.
const DIRECT_FROM_BYTES: usize = 1 << 20;

/// Feeds every byte written into a SHA-256, so a streamed file's digest costs no second read.
struct HashingWriter<Inner> {
    inner: Inner,
    hasher: sha2::Sha256,
}

impl<Inner: Write> Write for HashingWriter<Inner> {
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        let count = self.inner.write(buffer)?;
        sha2::Digest::update(&mut self.hasher, &buffer[..count]);
        Ok(count)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Whether `directory` holds a complete run (its manifest is the last file a run writes).
pub fn is_complete_run(directory: &Path) -> bool {
    directory.join("manifest.json").is_file()
}

/// Writes `files` (relative names → bytes) as the directory `<out_root>/<name>`, replacing any
/// previous one. Call it while holding the lock.
pub fn publish(
    out_root: &Path,
    name: &str,
    files: &BTreeMap<String, Vec<u8>>,
    permissions: OutputPermissions,
) -> anyhow::Result<PathBuf> {
    let staging = Staging::create(out_root, name, permissions)?;
    staging.write_files(files)?;
    staging.publish()
}

/// Writes one file at `<out_root>/<name>` through a temporary name and a rename.
pub fn publish_file(
    out_root: &Path,
    name: &str,
    bytes: &[u8],
    permissions: OutputPermissions,
) -> anyhow::Result<PathBuf> {
    let path = out_root.join(name);
    let temporary = out_root.join(format!(".{name}.partial-{}", std::process::id()));
    let mut file = File::create(&temporary).with_context(|| format!("cannot create {}", temporary.display()))?;
    restrict(&temporary, permissions.file_mode).with_context(|| format!("cannot restrict {}", temporary.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    std::fs::rename(&temporary, &path).with_context(|| format!("cannot move {} into place", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{DIRECT_FROM_BYTES, Staging, largest_first, publish};
    use crate::config::OutputPermissions;

    const PERMISSIONS: OutputPermissions = OutputPermissions {
        file_mode: 0o600,
        directory_mode: 0o700,
    };

    fn files() -> BTreeMap<String, Vec<u8>> {
        let large: Vec<u8> = (0..3 * DIRECT_FROM_BYTES + 5)
            .map(|index| (index % 251) as u8)
            .collect();
        BTreeMap::from([
            ("a.csv".to_string(), b"small".to_vec()),
            ("empty.txt".to_string(), Vec::new()),
            ("outbox/b.eml".to_string(), vec![b'x'; DIRECT_FROM_BYTES]),
            ("units.csv".to_string(), large),
        ])
    }

    #[test]
    fn files_are_shared_out_largest_first() {
        let files = files();
        let names: Vec<&str> = largest_first(&files).iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["units.csv", "outbox/b.eml", "a.csv", "empty.txt"]);
    }

    #[test]
    fn a_published_directory_holds_every_file_exactly_small_or_past_the_page_cache() {
        let out = tempfile::tempdir().expect("temporary directory");
        let files = files();
        let published = publish(out.path(), "2026-10-31", &files, PERMISSIONS).expect("published");
        for (name, bytes) in &files {
            assert!(
                &std::fs::read(published.join(name)).expect("read back") == bytes,
                "{name}"
            );
        }
    }

    #[test]
    fn a_streamed_file_holds_its_bytes_and_their_sha256() {
        let out = tempfile::tempdir().expect("temporary directory");
        let staging = Staging::create(out.path(), "2026-10-31", PERMISSIONS).expect("staging");
        let bytes: Vec<u8> = (0..DIRECT_FROM_BYTES * 2 + 3).map(|index| (index % 13) as u8).collect();
        let sha256 = staging
            .stream_file("episodes.csv", |out| Ok(out.write_all(&bytes)?))
            .expect("streamed");
        let published = staging.publish().expect("published");
        assert_eq!(std::fs::read(published.join("episodes.csv")).expect("read back"), bytes);
        assert_eq!(sha256, crate::digest::sha256_hex(&bytes));
    }
}
