//! Writing a large streamed file past the page cache (`O_DIRECT`), from a thread of its own.
//!
//! Why: on the virtual machines the night runs on, free memory is handed back to the host
//! between runs, so every page of page cache a write fills is a page the host must back anew.
//! Copying the night's two large streamed files (`episodes.csv` and the workers' mailbox,
//! 600 MB at national scale) into the page cache was then the largest single cost of
//! rendering: 1.6 s of CPU, 2.3 ns a byte, against 0.5 ns for pages already backed
//! (2026-12-06, `perf`). Written with `O_DIRECT`, the bytes go from two buffers, used again and
//! again, straight to the disk; a thread of its own waits for the disk while the caller fills
//! the other buffer.
//!
//! `O_DIRECT` asks that every write start and end on a block boundary and come from a buffer
//! aligned to one: the buffers are aligned and written whole, and the file's last, partial
//! block is written without `O_DIRECT`. Where the file system refuses `O_DIRECT` (when it is
//! set, or at the first write), the file is written through the page cache as before. The
//! bytes in the file are the same either way; only when they reach the disk differs, and the
//! caller still syncs (`run_directory`).

use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// What `O_DIRECT` aligns to: 4,096 bytes covers every block size of the disks it runs on.
const BLOCK: usize = 4096;

/// One buffer's size: the page cache's writer used 1 MiB too. (4 MiB buffers were no faster
/// in the benchmark, and leave the processor's caches sooner.)
const BUFFER: usize = 1 << 20;

/// A writer of one file: `Direct` where the file system takes `O_DIRECT`, else `Buffered`.
pub enum StreamedFile {
    Direct(DirectWriter),
    Buffered(io::BufWriter<File>),
}

impl StreamedFile {
    /// Writes `file` past the page cache where its file system allows, else through a buffer.
    pub fn new(file: File) -> Self {
        match DirectWriter::new(file) {
            Ok(direct) => Self::Direct(direct),
            Err(file) => Self::Buffered(io::BufWriter::with_capacity(1 << 20, file)),
        }
    }

    /// Writes what is left and returns the file (not yet synced).
    pub fn finish(self) -> io::Result<File> {
        match self {
            Self::Direct(direct) => direct.finish(),
            Self::Buffered(buffered) => buffered.into_inner().map_err(io::IntoInnerError::into_error),
        }
    }
}

impl Write for StreamedFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self {
            Self::Direct(direct) => direct.write(bytes),
            Self::Buffered(buffered) => buffered.write(bytes),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Direct(direct) => direct.flush(),
            Self::Buffered(buffered) => buffered.flush(),
        }
    }
}

/// A buffer whose bytes start on a `BLOCK` boundary (a part of a larger vector, so no unsafe
/// allocation is needed).
struct AlignedBuffer {
    storage: Vec<u8>,
    start: usize,
    filled: usize,
}

impl AlignedBuffer {
    fn new() -> Self {
        let storage = vec![0; BUFFER + BLOCK];
        let start = storage.as_ptr().align_offset(BLOCK);
        Self {
            storage,
            start,
            filled: 0,
        }
    }

    fn bytes(&self) -> &[u8] {
        &self.storage[self.start..self.start + self.filled]
    }

    /// Copies as much of `bytes` as fits; returns how much.
    fn fill_from(&mut self, bytes: &[u8]) -> usize {
        let count = bytes.len().min(BUFFER - self.filled);
        let at = self.start + self.filled;
        self.storage[at..at + count].copy_from_slice(&bytes[..count]);
        self.filled += count;
        count
    }

    fn emptied(mut self) -> Self {
        self.filled = 0;
        self
    }

    fn is_full(&self) -> bool {
        self.filled == BUFFER
    }
}

/// Fills one buffer while a thread of its own writes the other to the file with `O_DIRECT`.
pub struct DirectWriter {
    filling: AlignedBuffer,
    /// Full buffers to the writing thread; `None` once it is closed.
    to_disk: Option<SyncSender<AlignedBuffer>>,
    /// Empty buffers: the second one at first, then each one written, back from the thread.
    written: Receiver<AlignedBuffer>,
    thread: Option<std::thread::JoinHandle<io::Result<File>>>,
}

impl DirectWriter {
    /// Sets `O_DIRECT` on `file` and starts its writing thread; gives the file back where
    /// `O_DIRECT` cannot be set (another system, a file system without it).
    fn new(file: File) -> Result<Self, File> {
        if set_direct(&file, true).is_err() {
            return Err(file);
        }
        // The thread writes through a second descriptor of the same open file, so that if no
        // thread can be had the file is still here to be written through the page cache.
        let Ok(for_thread) = file.try_clone() else {
            return Err(without_direct(file));
        };
        let (to_disk, full) = sync_channel::<AlignedBuffer>(1);
        let (give_back, written) = sync_channel::<AlignedBuffer>(2);
        let _ = give_back.send(AlignedBuffer::new());
        let spawned = std::thread::Builder::new()
            .name("direct-write".into())
            .spawn(move || write_buffers(for_thread, full, give_back));
        let Ok(thread) = spawned else {
            return Err(without_direct(file));
        };
        Ok(Self {
            filling: AlignedBuffer::new(),
            to_disk: Some(to_disk),
            written,
            thread: Some(thread),
        })
    }

    /// Hands the full buffer to the writing thread and takes an empty one.
    fn send_filling(&mut self) -> io::Result<()> {
        let Ok(next) = self.written.recv() else {
            return Err(self.failure());
        };
        let full = std::mem::replace(&mut self.filling, next);
        let sent = self.to_disk.as_ref().map(|to_disk| to_disk.send(full));
        match sent {
            Some(Ok(())) => Ok(()),
            _ => Err(self.failure()),
        }
    }

    /// The writing thread's error, once it has stopped on one.
    fn failure(&mut self) -> io::Error {
        match self.stop_and_join() {
            Err(error) => error,
            Ok(_) => io::Error::other("the thread writing the file stopped"),
        }
    }

    /// Tells the writing thread no more buffers come and waits for it: the file, or its error.
    fn stop_and_join(&mut self) -> io::Result<File> {
        self.to_disk = None;
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(written)) => written,
            Some(Err(_)) => Err(io::Error::other("the thread writing the file panicked")),
            None => Err(io::Error::other("the thread writing the file stopped")),
        }
    }

    fn finish(mut self) -> io::Result<File> {
        if self.filling.filled > 0 {
            self.send_filling()?;
        }
        self.stop_and_join()
    }
}

impl Write for DirectWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.filling.is_full() {
            self.send_filling()?;
        }
        Ok(self.filling.fill_from(bytes))
    }

    /// Nothing: only whole buffers can be written with `O_DIRECT`; `finish` writes the rest.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for DirectWriter {
    /// Unfinished (an error on the way): the thread is stopped and waited for, its file
    /// closed; the caller removes the half-written file.
    fn drop(&mut self) {
        let _ = self.stop_and_join();
    }
}

/// The writing thread: each buffer at its place in the file, with `O_DIRECT` while it is
/// whole blocks and the file system takes it, then without; each buffer is given back.
fn write_buffers(file: File, full: Receiver<AlignedBuffer>, give_back: SyncSender<AlignedBuffer>) -> io::Result<File> {
    let mut offset: u64 = 0;
    let mut direct = true;
    for buffer in full {
        let bytes = buffer.bytes();
        let whole_blocks = bytes.len() / BLOCK * BLOCK;
        match file.write_all_at(&bytes[..whole_blocks], offset) {
            Ok(()) => {}
            // A file system that took the flag but not the write: the same bytes again, at the
            // same place, through the page cache.
            Err(error) if direct && refused_direct(&error) => {
                direct = false;
                set_direct(&file, false)?;
                file.write_all_at(&bytes[..whole_blocks], offset)?;
            }
            Err(error) => return Err(error),
        }
        offset += whole_blocks as u64;
        let tail = &bytes[whole_blocks..];
        if !tail.is_empty() {
            // Only the last buffer ends inside a block.
            if direct {
                direct = false;
                set_direct(&file, false)?;
            }
            file.write_all_at(tail, offset)?;
            offset += tail.len() as u64;
        }
        // Given back empty; the writer may have finished and stopped taking buffers back.
        let _ = give_back.try_send(buffer.emptied());
    }
    Ok(file)
}

/// Whether a write failed because the file system does not do `O_DIRECT` writes (some take
/// the flag and refuse the write: EINVAL, or EOPNOTSUPP from some FUSE file systems).
fn refused_direct(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(libc::EINVAL | libc::EOPNOTSUPP))
}

/// `file` with `O_DIRECT` cleared again, to be written through the page cache. (Were that to
/// fail, its first write would fail with the error, not write wrong bytes.)
fn without_direct(file: File) -> File {
    let _ = set_direct(&file, false);
    file
}

/// Sets or clears `O_DIRECT` on `file`.
fn set_direct(file: &File, on: bool) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};
        let flags = fcntl_getfl(file)?;
        let flags = if on {
            flags | OFlags::DIRECT
        } else {
            flags.difference(OFlags::DIRECT)
        };
        fcntl_setfl(file, flags)?;
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (file, on);
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::{BLOCK, BUFFER, StreamedFile};

    /// Bytes that differ from block to block and within one, so a block written twice, at the
    /// wrong place or not at all shows.
    fn pattern(length: usize) -> Vec<u8> {
        (0..length).map(|index| (index * 7 + index / 4096) as u8).collect()
    }

    /// Writes `bytes` through a `StreamedFile` in pieces of `piece` bytes and reads the file
    /// back.
    fn written_and_read_back(bytes: &[u8], piece: usize, buffered: bool) -> Vec<u8> {
        let directory = tempfile::tempdir().expect("temporary directory");
        let path = directory.path().join("streamed.csv");
        let file = std::fs::File::create(&path).expect("create");
        let mut writer = if buffered {
            StreamedFile::Buffered(std::io::BufWriter::new(file))
        } else {
            StreamedFile::new(file)
        };
        for chunk in bytes.chunks(piece.max(1)) {
            writer.write_all(chunk).expect("write");
        }
        let file = writer.finish().expect("finish");
        file.sync_all().expect("sync");
        std::fs::read(&path).expect("read back")
    }

    #[test]
    fn a_file_written_past_the_page_cache_holds_exactly_the_bytes_written() {
        // Around a block's and a buffer's edges, and the empty file.
        let lengths = [
            0,
            1,
            BLOCK - 1,
            BLOCK,
            BLOCK + 1,
            BUFFER - 1,
            BUFFER,
            BUFFER + 1,
            2 * BUFFER + BLOCK + 17,
        ];
        for length in lengths {
            let bytes = pattern(length);
            for piece in [1000, 65_536, BUFFER + 3] {
                assert!(
                    written_and_read_back(&bytes, piece, false) == bytes,
                    "{length} bytes in pieces of {piece}"
                );
            }
        }
    }

    #[test]
    fn the_buffered_fallback_holds_exactly_the_bytes_written() {
        let bytes = pattern(BUFFER + BLOCK + 1);
        assert!(written_and_read_back(&bytes, 10_000, true) == bytes);
    }

    #[test]
    fn only_a_refusal_of_direct_writes_falls_back_to_the_page_cache() {
        for refusal in [libc::EINVAL, libc::EOPNOTSUPP] {
            assert!(super::refused_direct(&std::io::Error::from_raw_os_error(refusal)));
        }
        // A full disk or a failing one is an error of the run, not a reason to write again.
        for failure in [libc::ENOSPC, libc::EIO] {
            assert!(!super::refused_direct(&std::io::Error::from_raw_os_error(failure)));
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn on_linux_a_file_on_the_temporary_file_system_is_written_past_the_page_cache() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let file = std::fs::File::create(directory.path().join("streamed.csv")).expect("create");
        assert!(matches!(StreamedFile::new(file), StreamedFile::Direct(_)));
    }
}
