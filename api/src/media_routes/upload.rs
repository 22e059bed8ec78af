//! `PUT /media/upload/<token>`: receives an upload's bytes once. The token is
//! signed and names one pending upload; the first PUT claims it (a second
//! one is `409 USED`), reads at most the smaller of the announced size and
//! the server limit (`413` beyond, without reading further), processes the
//! file and stores its variants. Any refusal marks the upload failed and
//! stores nothing.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use jeco_schema as db;
use jeco_schema::attachments::{Attachment, Received};
use jeco_schema::enums::{AttachmentKind, UploadState};

use crate::media::process::{self, Processed, Refusal};
use crate::state::AppState;

/// A refusal as the PUT answers it: `{"code": …, "message": …}`.
pub fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(serde_json::json!({ "code": code, "message": message }))).into_response()
}

fn forbidden() -> Response {
    refuse(StatusCode::FORBIDDEN, "FORBIDDEN", "this upload URL is not valid (wrong, or expired)")
}

fn internal() -> Response {
    refuse(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "the upload could not be stored; try again")
}

/// The handler.
pub async fn put_upload(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let media = &state.media;
    let Some(id) = media.signer.check_upload(&token, chrono::Utc::now().timestamp()) else {
        return forbidden();
    };
    let Ok(mut c) = state.pool.get().await else { return internal() };
    let row = match db::attachments::claim_upload(&mut c, id).await {
        Ok(Some(row)) => row,
        Ok(None) => {
            return match db::attachments::attachment(&mut c, id).await {
                Ok(Some(_)) => refuse(StatusCode::CONFLICT, "USED", "this upload URL was used already"),
                Ok(None) => forbidden(),
                Err(_) => internal(),
            };
        }
        Err(_) => return internal(),
    };
    drop(c);
    let outcome = receive(&state, &row, &headers, body).await;
    let Ok(mut c) = state.pool.get().await else { return internal() };
    match outcome {
        Ok((processed, byte_size)) => finish(&state, &mut c, &row, processed, byte_size).await,
        Err(response) => {
            // Nothing was stored; the URL stays used (create another upload).
            let _ = db::attachments::mark_failed(&mut c, row.id).await;
            response
        }
    }
}

/// Reads and processes the body; the response to send on refusal.
async fn receive(
    state: &AppState,
    row: &Attachment,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Processed, i64), Response> {
    let media = &state.media;
    let declared = u64::try_from(row.declared_size).unwrap_or(0);
    let limit = declared.min(media.config.max_upload_bytes);
    let too_large = || {
        let message =
            format!("the file is larger than {limit} bytes (the announced size or the server limit)");
        refuse(StatusCode::PAYLOAD_TOO_LARGE, "TOO_LARGE", &message)
    };
    let length =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if length.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let cap = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut bytes = Vec::with_capacity(length.map_or(64 * 1024, |n| n as usize).min(cap));
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk: Bytes = chunk.map_err(|_| {
            refuse(StatusCode::BAD_REQUEST, "INCOMPLETE", "the upload was interrupted; nothing was stored")
        })?;
        if bytes.len() + chunk.len() > cap {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    let received = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let processed = process::process(media, bytes, row.purpose, row.voice).await.map_err(|r| match r {
        Refusal::Unsupported(m) => refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_TYPE", &m),
        Refusal::BadMedia(m) => refuse(StatusCode::UNPROCESSABLE_ENTITY, "BAD_MEDIA", &m),
        Refusal::Internal => internal(),
    })?;
    let stored = processed
        .variants
        .iter()
        .find(|(v, _)| *v == crate::media::sign::Variant::File)
        .map_or(received, |(_, b)| i64::try_from(b.len()).unwrap_or(i64::MAX));
    Ok((processed, stored))
}

/// Stores the variants and marks the upload ready; on any failure removes
/// what was stored.
async fn finish(
    state: &AppState,
    c: &mut diesel_async::AsyncPgConnection,
    row: &Attachment,
    processed: Processed,
    byte_size: i64,
) -> Response {
    let storage = &state.media.storage;
    let key = &row.storage_key;
    for (variant, bytes) in &processed.variants {
        if let Err(e) = storage.put(key, *variant, bytes.clone()).await {
            tracing::error!(error = %e, "storing an upload failed");
            let _ = storage.delete_all(key).await;
            let _ = db::attachments::mark_failed(c, row.id).await;
            return internal();
        }
    }
    let received = Received {
        state: UploadState::Ready,
        kind: processed.kind,
        content_type: processed.content_type,
        byte_size,
        width: processed.size.and_then(|(w, _)| i32::try_from(w).ok()),
        height: processed.size.and_then(|(_, h)| i32::try_from(h).ok()),
        placeholder: processed.placeholder.as_deref(),
        duration_ms: processed.duration_ms.and_then(|d| i32::try_from(d).ok()),
        thumbnail_type: processed.thumbnail_type,
    };
    match db::attachments::mark_received(c, row.id, &received).await {
        Ok(Some(done)) => Json(serde_json::json!({
            "id": crate::ids::encode(done.id),
            "kind": kind_name(processed.kind),
            "contentType": processed.content_type,
        }))
        .into_response(),
        // The upload disappeared meanwhile (its account was deleted): keep nothing.
        Ok(None) => {
            let _ = storage.delete_all(key).await;
            forbidden()
        }
        Err(_) => {
            let _ = storage.delete_all(key).await;
            let _ = db::attachments::mark_failed(c, row.id).await;
            internal()
        }
    }
}

/// The GraphQL enum name of a kind.
pub fn kind_name(kind: AttachmentKind) -> &'static str {
    match kind {
        AttachmentKind::Image => "IMAGE",
        AttachmentKind::Audio => "AUDIO",
        AttachmentKind::Video => "VIDEO",
        AttachmentKind::File => "FILE",
    }
}
