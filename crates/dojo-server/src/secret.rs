//! The server secret that API token keys are derived from.
//!
//! `DOJO_SECRET_KEY` wins; otherwise a random key is created once in the data folder
//! (`secret.key`, readable by its owner only). Several servers sharing one PostgreSQL
//! must be given the same `DOJO_SECRET_KEY`.

use std::io::Write;
use std::path::Path;

use rand::RngCore;

/// Key material for deriving API token keys; never logged.
#[derive(Clone)]
pub struct ServerSecret(Vec<u8>);

impl std::fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecret(…)")
    }
}

impl ServerSecret {
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret from `explicit` (DOJO_SECRET_KEY), else from `<data_dir>/secret.key`,
    /// creating that file on first use.
    pub fn load(explicit: Option<&str>, data_dir: &Path) -> Result<Self, String> {
        if let Some(key) = explicit.map(str::trim).filter(|k| !k.is_empty()) {
            if key.len() < 32 {
                return Err("DOJO_SECRET_KEY must be at least 32 characters long".into());
            }
            return Ok(Self(key.as_bytes().to_vec()));
        }
        let path = data_dir.join("secret.key");
        match std::fs::read_to_string(&path) {
            Ok(text) if !text.trim().is_empty() => {
                return Ok(Self(text.trim().as_bytes().to_vec()))
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        }
        std::fs::create_dir_all(data_dir)
            .map_err(|e| format!("cannot create data folder {}: {e}", data_dir.display()))?;
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let key = hex::encode(bytes);
        write_private(&path, key.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(Self(key.into_bytes()))
    }
}

fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secret_is_stable_across_loads() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = ServerSecret::load(None, dir.path()).expect("create");
        let second = ServerSecret::load(None, dir.path()).expect("reload");
        assert_eq!(first.as_bytes(), second.as_bytes());
        assert_eq!(first.as_bytes().len(), 64);
    }

    #[test]
    fn explicit_secret_wins_and_must_be_long() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = "k".repeat(40);
        let secret = ServerSecret::load(Some(&key), dir.path()).expect("explicit");
        assert_eq!(secret.as_bytes(), key.as_bytes());
        assert!(!dir.path().join("secret.key").exists());
        assert!(ServerSecret::load(Some("short"), dir.path()).is_err());
    }
}
