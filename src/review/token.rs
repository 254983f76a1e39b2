//! API token secrets: random, shown once, stored only as their SHA-256.

use crate::store::changelog_hex;
use rand::RngExt;
use sha2::{Digest, Sha256};

/// A new random secret (`fy_` and 64 hex digits: 256 bits).
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    format!("fy_{}", changelog_hex(&bytes))
}

/// The stored form of a secret.
pub fn hash_secret(secret: &str) -> String {
    changelog_hex(&Sha256::digest(secret.as_bytes()))
}
