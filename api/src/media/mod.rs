//! Media: processing (type by content, metadata stripped, thumbnails,
//! durations; see the `jeco-media` crate), storage (`object_store`) and signed
//! viewer-bound URLs, held in the app state. The HTTP side (the upload `PUT`,
//! the file `GET`, the sweeper) is `media_routes`; the GraphQL side
//! (`createUpload`, `Attachment`, `avatarUrl`) is `graphql::media`; attaching
//! to messages and avatars is `services::uploads`.

pub mod process;
pub mod sign;
pub mod storage;

use std::sync::Arc;
use std::time::Duration;

use jeco_schema::ids::{AttachmentId, ConversationId, UserId};
use tokio::sync::Semaphore;

pub use crate::config::MediaConfig;
use sign::{Bound, Signer, Variant};
use storage::Storage;

use crate::auth::FreshCache;
use crate::auth::Viewer;
use crate::ratelimit::Limiter;

/// Everything the media routes and resolvers share.
pub struct Media {
    /// Limits and timings.
    pub config: MediaConfig,
    /// Where files live.
    pub storage: Storage,
    /// URL signatures.
    pub signer: Signer,
    /// Processing slots: at most `workers` files are decoded at once.
    pub(crate) workers: Arc<Semaphore>,
    /// Recent "may read this conversation" answers, trusted for `access_cache`.
    readers: FreshCache<(UserId, ConversationId), bool>,
    /// `createUpload` per user.
    pub upload_limiter: Limiter<UserId>,
}

impl Media {
    /// Opens the storage and derives the URL key from the server secret.
    pub fn new(config: MediaConfig, data_dir: &std::path::Path, secret: &[u8]) -> anyhow::Result<Self> {
        let storage = Storage::open(config.storage.as_deref(), &data_dir.join("media"))?;
        let rate = config.upload_rate;
        Ok(Media {
            storage,
            signer: Signer::new(secret),
            workers: Arc::new(Semaphore::new(config.workers)),
            readers: FreshCache::with_freshness(config.access_cache),
            upload_limiter: Limiter::new(rate, Duration::from_secs(60), rate),
            config,
        })
    }

    /// A signed URL of one variant of a file for the viewer.
    pub fn url(&self, id: AttachmentId, variant: Variant, viewer: Viewer) -> String {
        let now = chrono::Utc::now().timestamp();
        let exp = sign::expiry(now, i64::try_from(self.config.url_ttl.as_secs()).unwrap_or(600));
        self.signer.file_path(id, variant, Bound { user: viewer.user_id, session: viewer.session_id }, exp)
    }

    /// A cached answer to "may this user read this conversation".
    pub fn cached_reader(&self, user: UserId, conversation: ConversationId) -> Option<bool> {
        self.readers.cached((user, conversation))
    }

    /// Records an answer to "may this user read this conversation".
    pub fn remember_reader(&self, user: UserId, conversation: ConversationId, ok: bool) {
        self.readers.remember((user, conversation), ok);
    }
}
