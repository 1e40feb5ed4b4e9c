//! Reads an extract's file on a thread of its own, a few chunks ahead of the parser, and
//! computes the file's SHA-256 there.
//!
//! The parser thread is the one stage of reading that cannot be shared out (records, line
//! numbers and repeated ids depend on file order); hashing the bytes on it made it the slowest
//! stage, with a core idle while the validation workers waited for batches. Here the reading
//! thread hashes each chunk as it reads it and hands the chunk on; the parser copies it into
//! its buffer. The digest is of exactly the bytes the parser was given, as before. A file that
//! is not in the page cache is also read while the previous chunk is parsed.

use std::fs::File;
use std::io::Read;
use std::sync::mpsc::{Receiver, Sender, SyncSender};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};

/// Bytes read at a time.
const CHUNK_BYTES: usize = 1 << 20;
/// Chunks read but not yet taken by the parser.
const CHUNKS_AHEAD: usize = 4;
/// Chunks the reading thread makes: those ahead, the parser's, and the one being read. They go
/// round, so the file's bytes are never written into fresh memory (a new chunk each time was
/// a gigabyte of page faults and zeroing at national scale).
const CHUNKS_MADE: usize = CHUNKS_AHEAD + 2;

/// What the reading thread found once the file ended.
pub struct ReadSummary {
    pub sha256: String,
    pub bytes: u64,
}

/// A `Read` over a file that a thread of its own reads and hashes.
pub struct ReadAhead {
    chunks: Receiver<std::io::Result<Vec<u8>>>,
    spent_chunks: Sender<Vec<u8>>,
    current: Vec<u8>,
    /// How much of `current` has been handed on.
    position: usize,
    reader: JoinHandle<ReadSummary>,
}

impl ReadAhead {
    /// Starts reading `file`; `progress` advances by the bytes read.
    pub fn start(file: File, progress: indicatif::ProgressBar) -> Self {
        let (full_chunks, chunks) = std::sync::mpsc::sync_channel(CHUNKS_AHEAD);
        let (spent_chunks, chunks_to_reuse) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || read_and_hash(file, &full_chunks, &chunks_to_reuse, &progress));
        Self {
            chunks,
            spent_chunks,
            current: Vec::new(),
            position: 0,
            reader,
        }
    }

    /// The digest and size of the whole file. Call it once the reader has returned 0 (the end
    /// of the file); earlier, the digest would be of the bytes read so far.
    pub fn finish(self) -> ReadSummary {
        let Self {
            chunks,
            spent_chunks,
            reader,
            ..
        } = self;
        // The reading thread stops at the end of the file, or when nobody takes its chunks or
        // can hand one back.
        drop(chunks);
        drop(spent_chunks);
        reader.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

impl Read for ReadAhead {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if self.position == self.current.len() {
            let next = match self.chunks.recv() {
                Ok(chunk) => chunk?,
                Err(_) => return Ok(0), // the reading thread reached the end of the file
            };
            let spent = std::mem::replace(&mut self.current, next);
            if spent.capacity() > 0 {
                let _ = self.spent_chunks.send(spent);
            }
            self.position = 0;
        }
        let count = buffer.len().min(self.current.len() - self.position);
        buffer[..count].copy_from_slice(&self.current[self.position..self.position + count]);
        self.position += count;
        Ok(count)
    }
}

/// The reading thread: reads `file` chunk by chunk, hashing each before handing it on, until
/// the end of the file, a read error (handed on), or nobody taking the chunks.
fn read_and_hash(
    mut file: File,
    full_chunks: &SyncSender<std::io::Result<Vec<u8>>>,
    chunks_to_reuse: &Receiver<Vec<u8>>,
    progress: &indicatif::ProgressBar,
) -> ReadSummary {
    let mut hasher = Sha256::new();
    let mut bytes = 0_u64;
    let mut chunks_made = 0;
    loop {
        // A chunk the parser is done with, or a new one while there are fewer than
        // `CHUNKS_MADE`, or else wait for the parser to hand one back (it always will: fewer
        // chunks fit in the queue and the parser's hands than there are).
        let mut chunk = match chunks_to_reuse.try_recv() {
            Ok(chunk) => chunk,
            Err(_) if chunks_made < CHUNKS_MADE => {
                chunks_made += 1;
                Vec::new()
            }
            Err(_) => match chunks_to_reuse.recv() {
                Ok(chunk) => chunk,
                Err(_) => break, // the parser stopped
            },
        };
        chunk.resize(CHUNK_BYTES, 0);
        let count = match read_some(&mut file, &mut chunk) {
            Ok(0) => break,
            Ok(count) => count,
            Err(error) => {
                let _ = full_chunks.send(Err(error));
                break;
            }
        };
        chunk.truncate(count);
        hasher.update(&chunk);
        bytes += count as u64;
        progress.inc(count as u64);
        if full_chunks.send(Ok(chunk)).is_err() {
            break;
        }
    }
    ReadSummary {
        sha256: crate::digest::hex(&hasher.finalize()),
        bytes,
    }
}

/// One `read`, tried again when a signal interrupted it.
fn read_some(file: &mut File, chunk: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match file.read(chunk) {
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            result => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ReadAhead;
    use std::io::Read;

    #[test]
    fn hands_on_every_byte_in_order_and_hashes_them_all() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let path = directory.path().join("extract.csv");
        // More chunks than are ever made (so they go round), and half a chunk, of varied bytes,
        // read through buffers of an odd size.
        let chunks = super::CHUNKS_MADE * 2;
        let content: Vec<u8> = (0..(super::CHUNK_BYTES * chunks + super::CHUNK_BYTES / 2))
            .map(|index| (index * 31 % 251) as u8)
            .collect();
        std::fs::write(&path, &content).expect("write");
        let file = std::fs::File::open(&path).expect("open");
        let mut reader = ReadAhead::start(file, indicatif::ProgressBar::hidden());
        let mut read = Vec::new();
        let mut buffer = vec![0; 77_777];
        loop {
            let count = reader.read(&mut buffer).expect("read");
            if count == 0 {
                break;
            }
            read.extend_from_slice(&buffer[..count]);
        }
        let summary = reader.finish();
        assert!(read == content, "the bytes handed on differ from the file's");
        assert_eq!(summary.bytes, content.len() as u64);
        assert_eq!(summary.sha256, crate::digest::sha256_hex(&content));
    }

    #[test]
    fn finishing_before_the_end_stops_the_reading_thread() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let path = directory.path().join("extract.csv");
        let content = vec![b'x'; super::CHUNK_BYTES * super::CHUNKS_MADE * 3];
        std::fs::write(&path, &content).expect("write");
        let mut reader = ReadAhead::start(
            std::fs::File::open(&path).expect("open"),
            indicatif::ProgressBar::hidden(),
        );
        assert_eq!(reader.read(&mut [0; 16]).expect("read"), 16);
        // Give the thread time to fill every chunk and wait for one back.
        std::thread::sleep(std::time::Duration::from_millis(200));
        let summary = reader.finish();
        assert!(summary.bytes < content.len() as u64, "{}", summary.bytes);
    }

    #[test]
    fn an_empty_file_ends_at_once_with_the_digest_of_nothing() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let path = directory.path().join("empty.csv");
        std::fs::write(&path, b"").expect("write");
        let mut reader = ReadAhead::start(
            std::fs::File::open(&path).expect("open"),
            indicatif::ProgressBar::hidden(),
        );
        assert_eq!(reader.read(&mut [0; 16]).expect("read"), 0);
        let summary = reader.finish();
        assert_eq!(summary.bytes, 0);
        assert_eq!(summary.sha256, crate::digest::sha256_hex(b""));
    }
}
