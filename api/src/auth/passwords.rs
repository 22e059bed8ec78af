//! Password hashing: argon2id off the async runtime, bounded.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

use std::cell::RefCell;

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use tokio::sync::oneshot;

/// One hashing job, run on a hasher thread.
type Job = Box<dyn FnOnce() + Send>;

/// Hashes and verifies passwords with argon2id, OWASP parameters
/// (19 MiB, 2 iterations, 1 lane), on a fixed set of threads (one per core),
/// so a login storm cannot starve the async runtime, and the memory stays
/// bounded: each thread keeps one 19 MiB block array for all its hashes (see
/// `BLOCKS`).
#[derive(Clone)]
pub struct PasswordHasherPool {
    jobs: Sender<Job>,
    /// Verified against when the account does not exist, so timing does not
    /// reveal which usernames are registered.
    dummy_hash: Arc<String>,
}

fn argon2() -> Argon2<'static> {
    // Params::new only fails on out-of-range constants; these are in range.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

thread_local! {
    /// This hasher thread's argon2 memory, reused by every hash it runs:
    /// allocating 19 MiB per hash fragmented the allocator's arenas until
    /// the idle server held ~10 MiB per registration.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs `hasher` over `password` and `salt` into `out` on this thread's memory.
fn hash_into(hasher: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> Result<(), String> {
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        let needed = hasher.params().block_count();
        if blocks.len() < needed {
            blocks.resize(needed, Block::default());
        }
        hasher.hash_password_into_with_memory(password, salt, out, &mut blocks[..]).map_err(|e| e.to_string())
    })
}

fn hash_blocking(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let salt_string = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    let hasher = argon2();
    let mut out = [0u8; 32];
    hash_into(&hasher, password.as_bytes(), &salt, &mut out)?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: hasher.params().try_into().map_err(|e: argon2::password_hash::Error| e.to_string())?,
        salt: Some(salt_string.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `hash` (argon2 of any
/// parameters; compared in constant time).
fn verify_blocking(password: &str, hash: &str) -> Result<bool, String> {
    let parsed = PasswordHash::new(hash).map_err(|e| e.to_string())?;
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|e| e.to_string())?;
    let version = Version::try_from(parsed.version.unwrap_or(0x13)).map_err(|e| e.to_string())?;
    let params = Params::try_from(&parsed).map_err(|e| e.to_string())?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err("the stored hash has no salt or output".into());
    };
    let mut salt_buf = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_buf).map_err(|e| e.to_string())?;
    let mut out = vec![0u8; expected.len()];
    hash_into(&Argon2::new(algorithm, version, params), password.as_bytes(), salt, &mut out)?;
    Ok(Output::new(&out).map_err(|e| e.to_string())? == expected)
}

impl PasswordHasherPool {
    /// A pool of one hasher thread per core; the threads end when the last
    /// clone of the pool is dropped.
    pub fn new() -> anyhow::Result<Self> {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let dummy = hash_blocking("jeco-dummy-password").map_err(anyhow::Error::msg)?;
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..cores {
            let queue = queue.clone();
            std::thread::Builder::new().name(format!("jeco-argon2-{i}")).spawn(move || work(&queue))?;
        }
        Ok(PasswordHasherPool { jobs, dummy_hash: Arc::new(dummy) })
    }

    /// Runs `f` on a hasher thread and waits for its answer.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        self.jobs.send(job).map_err(|_| "the password hashers stopped".to_string())?;
        rx.await.map_err(|_| "a password hasher failed".to_string())
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: String) -> Result<String, String> {
        self.run(move || hash_blocking(&password)).await?
    }

    /// Checks a password against a stored hash (or the dummy hash when `None`).
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, String> {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.as_ref().clone());
        let ok = self.run(move || verify_blocking(&password, &hash)).await??;
        Ok(ok && known)
    }
}

/// A hasher thread: takes jobs until every sender is gone.
fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        // Hold the lock only to take a job, not while running it.
        let job = match queue.lock() {
            Ok(q) => q.recv(),
            Err(_) => return,
        };
        match job {
            // A panicking job drops its answer channel (the caller gets an
            // error) but must not take the thread with it.
            Ok(job) => drop(std::panic::catch_unwind(std::panic::AssertUnwindSafe(job))),
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn hashes_are_standard_phc_both_ways() {
        // Ours verifies with the argon2 crate's own verifier ...
        let ours = hash_blocking("correct horse").unwrap();
        assert!(ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{ours}");
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(argon2().verify_password(b"correct horse", &parsed).is_ok());
        assert!(argon2().verify_password(b"wrong", &parsed).is_err());
        // ... and hashes stored by that crate (every account made before) verify with ours.
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let theirs = argon2().hash_password(b"battery staple", &salt).unwrap().to_string();
        assert!(verify_blocking("battery staple", &theirs).unwrap());
        assert!(!verify_blocking("battery stapler", &theirs).unwrap());
        // Other parameters too (the memory grows to fit).
        let big =
            Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(32 * 1024, 1, 1, None).unwrap());
        let other = big.hash_password(b"x", &salt).unwrap().to_string();
        assert!(verify_blocking("x", &other).unwrap());
    }

    #[tokio::test]
    async fn passwords_verify_only_with_the_right_password() {
        let pool = PasswordHasherPool::new().unwrap();
        let hash = pool.hash("correct horse".into()).await.unwrap();
        assert!(pool.verify("correct horse".into(), Some(hash.clone())).await.unwrap());
        assert!(!pool.verify("wrong".into(), Some(hash)).await.unwrap());
        assert!(!pool.verify("jeco-dummy-password".into(), None).await.unwrap());
    }
}
