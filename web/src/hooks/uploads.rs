//! The composer's uploads: each file goes `createUpload` → `PUT` (with progress) and
//! ends as a finished chip or an error on its chip. Cancelling aborts the request; the
//! requests die with the composer, so nothing uploads into a conversation left behind.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use web_sys::{Blob, File};
use yew::prelude::*;

use crate::api::media::{self, Purpose, Voice};
use crate::api::upload::{self, UploadRequest, CANCELLED};
use crate::api::ApiError;
use crate::state::media::{check_count, Attachment, AttachmentKind};
use crate::state::uploads::{UploadAction, UploadItem, UploadStatus, Uploads};

/// A file to upload, as the composer got it.
pub struct NewUpload {
    /// The bytes.
    pub blob: Blob,
    /// Display name.
    pub name: String,
    /// Voice note extras (waveform, measured length).
    pub voice: Option<(Voice, i64)>,
}

impl NewUpload {
    /// A picked, dropped or pasted file.
    pub fn file(file: File) -> Self {
        let name = file.name();
        NewUpload { blob: file.into(), name, voice: None }
    }
}

/// The uploads of one composer and the calls that change them.
#[derive(Clone)]
pub struct UploadsHandle {
    /// The chips.
    pub state: UseReducerHandle<Uploads>,
    /// Starts uploading files; `Err` (nothing started) when they would exceed the limit.
    pub add: Rc<dyn Fn(Vec<NewUpload>) -> Result<(), String>>,
    /// Cancels (or dismisses) one chip.
    pub cancel: Callback<u32>,
}

/// The kind the browser guesses from a MIME type, for the local preview only (the
/// server decides from the bytes).
fn guess_kind(mime: &str) -> AttachmentKind {
    match mime.split('/').next() {
        Some("image") => AttachmentKind::Image,
        Some("audio") => AttachmentKind::Audio,
        Some("video") => AttachmentKind::Video,
        _ => AttachmentKind::File,
    }
}

#[derive(Default)]
struct Inflight {
    next_key: u32,
    requests: HashMap<u32, UploadRequest>,
    cancelled: HashSet<u32>,
    /// The composer is gone: start nothing more.
    closed: bool,
}

/// createUpload, then PUT; reports progress and the outcome to the chip `key`.
async fn run(
    key: u32,
    purpose: Purpose,
    new: NewUpload,
    uploads: UseReducerDispatcher<Uploads>,
    inflight: Rc<RefCell<Inflight>>,
) -> Result<(), ApiError> {
    let size = new.blob.size() as i64;
    let voice = new.voice.map(|(v, _)| v);
    let (_, url) = media::create_upload(purpose, new.name, size, voice).await?;
    if inflight.borrow().closed || inflight.borrow().cancelled.contains(&key) {
        return Ok(());
    }
    let progress = uploads.clone();
    let (request, rx) =
        upload::put(&url, &new.blob, move |f| progress.dispatch(UploadAction::Progress(key, f)))?;
    inflight.borrow_mut().requests.insert(key, request);
    let answer = upload::answer(rx).await;
    let request = inflight.borrow_mut().requests.remove(&key);
    drop(request);
    let stored = answer?;
    uploads.dispatch(UploadAction::Done { key, id: stored.id, kind: stored.kind });
    Ok(())
}

/// Uploads for a composer of `conversation_id`.
#[hook]
pub fn use_uploads(conversation_id: String) -> UploadsHandle {
    let state = use_reducer(Uploads::default);
    let inflight = use_mut_ref(Inflight::default);
    // Unmounting aborts what is still uploading (the tasks hold the map, not the hook).
    {
        let inflight = inflight.clone();
        use_effect_with((), move |_| {
            move || {
                let requests = {
                    let mut inflight = inflight.borrow_mut();
                    inflight.closed = true;
                    std::mem::take(&mut inflight.requests)
                };
                drop(requests);
            }
        });
    }
    let add = {
        let (dispatcher, inflight) = (state.dispatcher(), inflight.clone());
        let count = state.items.len();
        Rc::new(move |files: Vec<NewUpload>| -> Result<(), String> {
            check_count(count, files.len())?;
            for new in files {
                let key = {
                    let mut inflight = inflight.borrow_mut();
                    inflight.next_key += 1;
                    inflight.next_key
                };
                // A local preview of images for the chip and the pending message (the
                // page's CSP allows `blob:` images only, not `blob:` audio or video).
                let kind = guess_kind(&new.blob.type_());
                let local_url = match kind {
                    AttachmentKind::Image => {
                        web_sys::Url::create_object_url_with_blob(&new.blob).unwrap_or_default()
                    }
                    _ => String::new(),
                };
                let (voice, waveform, duration_ms) = match &new.voice {
                    Some((v, ms)) => (true, v.waveform.clone(), Some(*ms)),
                    None => (false, Vec::new(), None),
                };
                let attachment = Attachment {
                    kind,
                    filename: new.name.clone(),
                    content_type: new.blob.type_(),
                    byte_size: new.blob.size() as i64,
                    thumbnail_url: (kind == AttachmentKind::Image).then(|| local_url.clone()),
                    url: local_url,
                    voice,
                    waveform,
                    duration_ms,
                    ..Attachment::default()
                };
                dispatcher.dispatch(UploadAction::Added(Box::new(UploadItem {
                    key,
                    name: new.name.clone(),
                    size: attachment.byte_size,
                    progress: 0.0,
                    status: UploadStatus::Uploading,
                    voice,
                    attachment,
                })));
                let purpose = Purpose::Attachment { conversation_id: conversation_id.clone() };
                let (dispatcher, inflight) = (dispatcher.clone(), inflight.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let outcome = run(key, purpose, new, dispatcher.clone(), inflight).await;
                    match outcome {
                        Err(ApiError::Network(why)) if why == CANCELLED => {}
                        Err(e) => dispatcher.dispatch(UploadAction::Failed(key, e.to_string())),
                        Ok(()) => {}
                    }
                });
            }
            Ok(())
        })
    };
    let cancel = {
        let (dispatcher, inflight) = (state.dispatcher(), inflight.clone());
        Callback::from(move |key: u32| {
            let request = {
                let mut inflight = inflight.borrow_mut();
                inflight.cancelled.insert(key);
                inflight.requests.remove(&key)
            };
            // Dropping the request aborts it.
            drop(request);
            dispatcher.dispatch(UploadAction::Removed(key));
        })
    };
    UploadsHandle { state, add, cancel }
}
