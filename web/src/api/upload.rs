//! `PUT <uploadUrl>` with the raw bytes, over XMLHttpRequest because fetch reports no
//! upload progress. The request lives in an [`UploadRequest`]: `abort()` cancels it,
//! and dropping it (the composer went away) cancels it too, so no handler outlives
//! the closures it calls.

use std::cell::Cell;
use std::rc::Rc;

use futures::channel::oneshot;
use serde::Deserialize;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Blob, ProgressEvent, XmlHttpRequest};

use super::error::ApiError;
use crate::state::media::AttachmentKind;

/// What the server answers once the bytes are stored and processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The attachment's global id.
    pub id: String,
    /// What the server found the content to be.
    pub kind: AttachmentKind,
    /// MIME type found from the content.
    pub content_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredJson {
    id: String,
    kind: String,
    #[serde(default)]
    content_type: String,
}

#[derive(Deserialize)]
struct ErrorJson {
    code: String,
    message: String,
}

/// `IMAGE` / `AUDIO` / `VIDEO` / anything else.
pub fn kind_from_name(name: &str) -> AttachmentKind {
    match name {
        "IMAGE" => AttachmentKind::Image,
        "AUDIO" => AttachmentKind::Audio,
        "VIDEO" => AttachmentKind::Video,
        _ => AttachmentKind::File,
    }
}

/// The outcome of a PUT from its status and body: `200 {id,kind,contentType}`, or
/// `4xx {code,message}` (the message is shown on the chip).
pub fn parse_answer(status: u16, body: &str) -> Result<Stored, ApiError> {
    if (200..300).contains(&status) {
        let json: StoredJson = serde_json::from_str(body).map_err(|e| ApiError::Decode(e.to_string()))?;
        return Ok(Stored { id: json.id, kind: kind_from_name(&json.kind), content_type: json.content_type });
    }
    match serde_json::from_str::<ErrorJson>(body) {
        Ok(e) => Err(ApiError::User(vec![(e.message, e.code)])),
        Err(_) => Err(ApiError::Http(status)),
    }
}

type Handler = Closure<dyn FnMut(ProgressEvent)>;

/// An upload in flight.
pub struct UploadRequest {
    xhr: XmlHttpRequest,
    finished: Rc<Cell<bool>>,
    _handlers: Vec<Handler>,
}

impl UploadRequest {
    /// Cancels the upload (the waiting future then yields an error, nothing is stored).
    pub fn abort(&self) {
        if !self.finished.get() {
            let _ = self.xhr.abort();
        }
    }
}

impl Drop for UploadRequest {
    fn drop(&mut self) {
        self.abort();
        self.xhr.set_onload(None);
        self.xhr.set_onerror(None);
        self.xhr.set_onabort(None);
        if let Ok(upload) = self.xhr.upload() {
            upload.set_onprogress(None);
        }
    }
}

/// Why an upload ended without an answer.
pub const CANCELLED: &str = "Cancelled";

/// Starts `PUT url` with `body`; `on_progress` gets the fraction sent. Returns the
/// request (to cancel) and the answer to await.
pub fn put(
    url: &str,
    body: &Blob,
    on_progress: impl Fn(f64) + 'static,
) -> Result<(UploadRequest, oneshot::Receiver<Result<Stored, ApiError>>), ApiError> {
    let js = |e: wasm_bindgen::JsValue| ApiError::Network(format!("{e:?}"));
    let xhr = XmlHttpRequest::new().map_err(js)?;
    xhr.open("PUT", url).map_err(js)?;
    let (tx, rx) = oneshot::channel();
    let tx = Rc::new(Cell::new(Some(tx)));
    let finished = Rc::new(Cell::new(false));
    let settle = {
        let (tx, finished) = (tx.clone(), finished.clone());
        move |result: Result<Stored, ApiError>| {
            finished.set(true);
            if let Some(tx) = tx.take() {
                let _ = tx.send(result);
            }
        }
    };
    let onload: Handler = {
        let (xhr, settle) = (xhr.clone(), settle.clone());
        Closure::new(move |_: ProgressEvent| {
            let status = xhr.status().unwrap_or(0);
            let text = xhr.response_text().ok().flatten().unwrap_or_default();
            settle(parse_answer(status, &text));
        })
    };
    let onerror: Handler = {
        let settle = settle.clone();
        Closure::new(move |_: ProgressEvent| settle(Err(ApiError::Network("upload interrupted".to_owned()))))
    };
    let onabort: Handler =
        Closure::new(move |_: ProgressEvent| settle(Err(ApiError::Network(CANCELLED.to_owned()))));
    let onprogress: Handler = Closure::new(move |e: ProgressEvent| {
        if e.length_computable() && e.total() > 0.0 {
            on_progress(e.loaded() / e.total());
        }
    });
    xhr.set_onload(Some(onload.as_ref().unchecked_ref()));
    xhr.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    xhr.set_onabort(Some(onabort.as_ref().unchecked_ref()));
    xhr.upload().map_err(js)?.set_onprogress(Some(onprogress.as_ref().unchecked_ref()));
    xhr.send_with_opt_blob(Some(body)).map_err(js)?;
    let request = UploadRequest { xhr, finished, _handlers: vec![onload, onerror, onabort, onprogress] };
    Ok((request, rx))
}

/// Awaits an answer from [`put`] (a dropped sender counts as cancelled).
pub async fn answer(rx: oneshot::Receiver<Result<Stored, ApiError>>) -> Result<Stored, ApiError> {
    rx.await.unwrap_or_else(|_| Err(ApiError::Network(CANCELLED.to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_parsed_by_status() {
        let ok = parse_answer(200, r#"{"id":"QXR0","kind":"IMAGE","contentType":"image/png"}"#);
        assert_eq!(
            ok,
            Ok(Stored { id: "QXR0".into(), kind: AttachmentKind::Image, content_type: "image/png".into() })
        );
        let refused = parse_answer(413, r#"{"code":"TOO_LARGE","message":"The file is over 25 MiB."}"#);
        assert_eq!(
            refused,
            Err(ApiError::User(vec![("The file is over 25 MiB.".into(), "TOO_LARGE".into())]))
        );
        assert_eq!(refused.unwrap_err().to_string(), "The file is over 25 MiB.");
        assert_eq!(parse_answer(502, "<html>"), Err(ApiError::Http(502)));
        assert_eq!(kind_from_name("OTHER"), AttachmentKind::File);
    }
}
