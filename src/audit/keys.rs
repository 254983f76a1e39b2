//! Checkpoint keys: an Ed25519 signing key in a PKCS#8 PEM file outside
//! the store (readable by its owner only), and its public key beside it
//! (`KEY.pub`), which is what other agencies need to check checkpoints.

use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signer, Verifier};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Why a key could not be made, read or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The file holds no key of this kind.
    #[error("{path}: not an Ed25519 key in PEM: {why}")]
    Format {
        /// The key file.
        path: PathBuf,
        /// What the decoder said.
        why: String,
    },
    /// `keygen` would overwrite a key.
    #[error("{0} exists: a key is never overwritten (checkpoints signed with it would no longer verify)")]
    Exists(PathBuf),
}

/// The key checkpoints are signed with.
pub struct SigningKey(ed25519_dalek::SigningKey);

/// The key checkpoints are checked with.
#[derive(Clone)]
pub struct VerifyingKey(ed25519_dalek::VerifyingKey);

/// The public key's file beside the signing key's.
pub fn public_path(key: &Path) -> PathBuf {
    let mut p = key.as_os_str().to_owned();
    p.push(".pub");
    PathBuf::from(p)
}

/// Makes a new key pair: the signing key at `path` (mode 0600) and the
/// public key at `path.pub`. Refuses to overwrite either.
pub fn keygen(path: &Path) -> Result<VerifyingKey, KeyError> {
    let public = public_path(path);
    for p in [path, public.as_path()] {
        if p.exists() {
            return Err(KeyError::Exists(p.to_path_buf()));
        }
    }
    let mut seed = [0u8; 32];
    rand::fill(&mut seed);
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let format = |why: String| KeyError::Format { path: path.to_path_buf(), why };
    let pem = key.to_pkcs8_pem(Default::default()).map_err(|e| format(e.to_string()))?;
    let public_pem =
        key.verifying_key().to_public_key_pem(Default::default()).map_err(|e| format(e.to_string()))?;
    write_private(path, pem.as_bytes())?;
    std::fs::write(&public, public_pem).map_err(|source| KeyError::Io { path: public.clone(), source })?;
    Ok(VerifyingKey(key.verifying_key()))
}

/// Writes the signing key readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let io = |source| KeyError::Io { path: path.to_path_buf(), source };
    let mut f =
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(io)?;
    f.write_all(bytes).map_err(io)
}

fn read(path: &Path) -> Result<String, KeyError> {
    std::fs::read_to_string(path).map_err(|source| KeyError::Io { path: path.to_path_buf(), source })
}

impl SigningKey {
    /// Reads the signing key at `path`.
    pub fn read(path: &Path) -> Result<SigningKey, KeyError> {
        let key = ed25519_dalek::SigningKey::from_pkcs8_pem(&read(path)?)
            .map_err(|e| KeyError::Format { path: path.to_path_buf(), why: e.to_string() })?;
        Ok(SigningKey(key))
    }

    /// The signature of `message`, hex.
    pub fn sign(&self, message: &[u8]) -> String {
        hex::encode(self.0.sign(message).to_bytes())
    }

    /// Its public key.
    pub fn verifying(&self) -> VerifyingKey {
        VerifyingKey(self.0.verifying_key())
    }
}

impl VerifyingKey {
    /// Reads a public key, or the public half of a signing key, at `path`.
    pub fn read(path: &Path) -> Result<VerifyingKey, KeyError> {
        let pem = read(path)?;
        if let Ok(k) = ed25519_dalek::VerifyingKey::from_public_key_pem(&pem) {
            return Ok(VerifyingKey(k));
        }
        SigningKey::read(path).map(|k| k.verifying())
    }

    /// The public key as PEM.
    pub fn pem(&self) -> String {
        self.0.to_public_key_pem(Default::default()).unwrap_or_default()
    }

    /// Its id: the first 16 hex digits of the SHA-256 of the key's bytes.
    pub fn id(&self) -> String {
        hex::encode(&Sha256::digest(self.0.as_bytes())[..8])
    }

    /// Whether `signature` (hex) is this key's signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &str) -> bool {
        let Ok(bytes) = hex::decode(signature) else { return false };
        let Ok(sig) = ed25519_dalek::Signature::from_slice(&bytes) else { return false };
        self.0.verify(message, &sig).is_ok()
    }
}
