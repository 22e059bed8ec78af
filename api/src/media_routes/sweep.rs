//! The sweeper: every `sweep_every`, removes uploads never used within
//! `unused_ttl` (the database trigger then queues their files), and deletes the
//! files of every removed row (`media_garbage`) from storage. Several
//! instances may sweep at once: each takes different queued files.

use jeco_schema as db;

use crate::state::AppState;

/// Files deleted per round.
const BATCH: i64 = 100;

/// Runs until the process ends.
pub async fn run(state: AppState) {
    let mut shutdown = state.shutdown.clone();
    loop {
        if let Err(e) = round(&state).await {
            tracing::warn!(error = %e, "media sweep failed; retrying next round");
        }
        tokio::select! {
            _ = tokio::time::sleep(state.media.config.sweep_every) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// One round; the number of files deleted.
pub async fn round(state: &AppState) -> anyhow::Result<usize> {
    let mut c = state.pool.get().await?;
    let ttl = chrono::Duration::from_std(state.media.config.unused_ttl)?;
    db::attachments::delete_unused(&mut c, chrono::Utc::now() - ttl).await?;
    let mut deleted = 0;
    loop {
        let keys = db::attachments::take_garbage(&mut c, BATCH).await?;
        if keys.is_empty() {
            return Ok(deleted);
        }
        for key in &keys {
            if let Err(e) = state.media.storage.delete_all(key).await {
                // Queue it again so a later round retries.
                db::attachments::queue_garbage(&mut c, key).await?;
                return Err(e.into());
            }
            deleted += 1;
        }
    }
}
