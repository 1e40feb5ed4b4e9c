//! SHA-256 digests as the manifest writes them (lower-case hexadecimal): of the inputs, the
//! outputs, the configuration, and the tokens of Message-IDs.

use sha2::{Digest, Sha256};

/// SHA-256 of `bytes`, as lower-case hexadecimal.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// A digest as lower-case hexadecimal, as the manifest lists it.
pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}
