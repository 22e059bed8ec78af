//! Where files live: a local directory or an S3 bucket, behind `object_store`.
//! An upload's objects are named `<storage key>/<variant>`; the storage key is
//! random, so no user-provided text ever reaches a path.

use std::ops::Range;
use std::path::Path as FsPath;
use std::sync::Arc;

use anyhow::Context as _;
use axum::body::Bytes;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, GetResult, ObjectStore, PutPayload};

use super::sign::Variant;

/// The object store holding every upload.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// What it is, for logs (no credentials).
    pub describe: String,
}

impl Storage {
    /// Opens `file:///dir` or `s3://bucket/prefix` (credentials, region and
    /// endpoint from the usual `AWS_*` variables), or `default_dir` when unset.
    pub fn open(url: Option<&str>, default_dir: &FsPath) -> anyhow::Result<Self> {
        match url {
            Some(url) if url.starts_with("s3://") => {
                let rest = &url["s3://".len()..];
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                let s3 = object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .build()
                    .context("JECO_STORAGE: cannot set up S3 (see the AWS_* variables)")?;
                let store: Arc<dyn ObjectStore> = match prefix.trim_matches('/') {
                    "" => Arc::new(s3),
                    p => Arc::new(object_store::prefix::PrefixStore::new(s3, p)),
                };
                Ok(Storage { store, describe: format!("s3 bucket {bucket:?}") })
            }
            Some(url) => Self::directory(FsPath::new(&url["file://".len().min(url.len())..])),
            None => Self::directory(default_dir),
        }
    }

    fn directory(dir: &FsPath) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("JECO_STORAGE: cannot create {dir:?}"))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .with_context(|| format!("JECO_STORAGE: cannot use {dir:?}"))?;
        Ok(Storage { store: Arc::new(store), describe: format!("directory {dir:?}") })
    }

    fn path(key: &str, variant: Variant) -> Path {
        Path::from(format!("{key}/{}", variant.as_str()))
    }

    /// Stores one variant.
    pub async fn put(&self, key: &str, variant: Variant, bytes: Bytes) -> object_store::Result<()> {
        self.store.put(&Self::path(key, variant), PutPayload::from(bytes)).await.map(drop)
    }

    /// The size of one variant.
    pub async fn size(&self, key: &str, variant: Variant) -> object_store::Result<u64> {
        Ok(self.store.head(&Self::path(key, variant)).await?.size)
    }

    /// One variant, whole or a byte range of it.
    pub async fn get(
        &self,
        key: &str,
        variant: Variant,
        range: Option<Range<u64>>,
    ) -> object_store::Result<GetResult> {
        let options = GetOptions { range: range.map(GetRange::Bounded), ..GetOptions::default() };
        self.store.get_opts(&Self::path(key, variant), options).await
    }

    /// Deletes every variant of an upload (missing ones are fine).
    pub async fn delete_all(&self, key: &str) -> object_store::Result<()> {
        for variant in Variant::ALL {
            match self.store.delete(&Self::path(key, variant)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
