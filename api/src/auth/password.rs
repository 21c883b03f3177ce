//! Password hashing with argon2id.

use crate::error::{AppError, AppResult};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::Arc;

#[derive(Clone)]
pub struct Passwords {
    params: Params,
    /// A real hash of a random password, verified against when the e-mail is unknown so a
    /// wrong e-mail and a wrong password take about the same time.
    dummy_hash: Arc<String>,
    /// Hashes running at once: each takes a core and its working memory, so a flood of
    /// sign-ins queues here instead of starting hundreds of blocking threads.
    running: Arc<tokio::sync::Semaphore>,
}

impl Passwords {
    pub fn new(memory_kib: u32, iterations: u32) -> AppResult<Passwords> {
        let params = Params::new(memory_kib, iterations, 1, None).map_err(AppError::internal)?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut p = Passwords {
            params,
            dummy_hash: Arc::new(String::new()),
            running: Arc::new(tokio::sync::Semaphore::new(cores)),
        };
        let random = uuid::Uuid::new_v4().to_string();
        p.dummy_hash = Arc::new(p.hash(&random)?);
        Ok(p)
    }

    fn argon(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    pub fn hash(&self, password: &str) -> AppResult<String> {
        let mut bytes = [0u8; 16];
        rand::fill(&mut bytes);
        let salt = SaltString::encode_b64(&bytes).map_err(AppError::internal)?;
        self.argon()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(AppError::internal)
    }

    /// Verifies `password` against `hash`, or against the dummy hash when there is no user.
    pub fn verify(&self, password: &str, hash: Option<&str>) -> bool {
        let target = hash.unwrap_or(self.dummy_hash.as_str());
        let Ok(parsed) = PasswordHash::new(target) else {
            return false;
        };
        let ok = self
            .argon()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        ok && hash.is_some()
    }

    /// Hashing is CPU-bound for tens of milliseconds: keep it off the async workers.
    pub async fn hash_blocking(&self, password: String) -> AppResult<String> {
        // The permit moves into the task: a request that gives up does not free a core
        // that is still hashing.
        let turn = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(AppError::internal)?;
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let hashed = me.hash(&password);
            crate::memory::release();
            hashed
        })
        .await
        .map_err(AppError::internal)?
    }

    pub async fn verify_blocking(&self, password: String, hash: Option<String>) -> bool {
        let Ok(turn) = self.running.clone().acquire_owned().await else {
            return false;
        };
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let ok = me.verify(&password, hash.as_deref());
            crate::memory::release();
            ok
        })
        .await
        .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let p = Passwords::new(64, 1).unwrap();
        let a = p.hash("Tea-with-Ming-42").unwrap();
        let b = p.hash("Tea-with-Ming-42").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(p.verify("Tea-with-Ming-42", Some(&a)));
        assert!(!p.verify("tea-with-ming-42", Some(&a)));
        assert!(!p.verify("Tea-with-Ming-42", None));
    }
}
