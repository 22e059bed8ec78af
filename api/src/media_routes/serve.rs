//! `GET /media/<id>/<variant>?u&s&e&k`: serves one file variant through its
//! signed URL. Each fetch re-checks, beyond the signature and expiry, that the
//! URL's login session is still open and that its viewer may still read the
//! message (an answer cached for at most `access_cache`), so logout or
//! removal ends access at once; a request that also carries another user's
//! bearer token is refused. Every refusal is the same `403`.

use std::ops::Range;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use jeco_schema as db;
use jeco_schema::attachments::Attachment;
use jeco_schema::enums::{AttachmentKind, UploadPurpose, UploadState};
use jeco_schema::ids::AttachmentId;

use super::upload::refuse;
use crate::media::sign::{Bound, FileQuery, Variant};
use crate::state::AppState;

fn forbidden() -> Response {
    refuse(StatusCode::FORBIDDEN, "FORBIDDEN", "this link is not valid (expired, revoked, or not yours)")
}

/// The handler.
pub async fn get_file(
    State(state): State<AppState>,
    Path((id, variant)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let (Ok(id), Some(variant), Ok(Query(q))) =
        (id.parse::<i64>(), Variant::parse(&variant), Query::<FileQuery>::try_from_uri(&uri))
    else {
        return forbidden();
    };
    let id = AttachmentId(id);
    let now = chrono::Utc::now().timestamp();
    let Some(bound) = state.media.signer.check_file(id, variant, &q, now) else { return forbidden() };
    match allowed(&state, bound, id, &headers).await {
        Ok(Some(row)) => serve(&state, &row, variant, &headers, q.e - now).await,
        Ok(None) => forbidden(),
        Err(()) => refuse(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", "try again shortly"),
    }
}

/// The upload, if the URL's viewer may still fetch it.
async fn allowed(
    state: &AppState,
    bound: Bound,
    id: AttachmentId,
    headers: &HeaderMap,
) -> Result<Option<Attachment>, ()> {
    // A request with someone's credentials must be that viewer's.
    if headers.contains_key(header::AUTHORIZATION) {
        match crate::guards::bearer(state, headers).await {
            Ok(Some(v)) if v.user_id == bound.user => {}
            _ => return Ok(None),
        }
    }
    if let Some(session) = bound.session {
        if !state.auth.session_open(session).await {
            return Ok(None);
        }
    }
    let mut c = state.pool.get().await.map_err(drop)?;
    let Some(row) = db::attachments::attachment(&mut c, id).await.map_err(drop)? else { return Ok(None) };
    if row.state != UploadState::Ready {
        return Ok(None);
    }
    let ok = match (row.purpose, row.message_id, row.conversation_id) {
        // Profile pictures: any signed-in user. An open session (checked
        // above) vouches for its user; a personal-token URL has none, so the
        // account itself is checked.
        (UploadPurpose::Avatar, _, _) => {
            bound.session.is_some()
                || db::users::users_by_ids(&mut c, &[bound.user])
                    .await
                    .map_err(drop)?
                    .iter()
                    .any(|u| u.deleted_at.is_none())
        }
        // Not sent yet: only its uploader.
        (UploadPurpose::Attachment, None, _) => row.uploader_id == bound.user,
        (UploadPurpose::Attachment, Some(_), Some(conversation)) => {
            match state.media.cached_reader(bound.user, conversation) {
                Some(ok) => ok,
                None => {
                    let member = db::members::member(&mut c, conversation, bound.user).await.map_err(drop)?;
                    state.media.remember_reader(bound.user, conversation, member.is_some());
                    member.is_some()
                }
            }
        }
        (UploadPurpose::Attachment, Some(_), None) => false,
    };
    Ok(ok.then_some(row))
}

/// Whether browsers may show it in the page (images, audio, video); anything
/// else is only ever downloaded.
fn inline_safe(row: &Attachment) -> bool {
    matches!(row.kind, Some(AttachmentKind::Image | AttachmentKind::Audio | AttachmentKind::Video))
}

/// The Content-Type sent: the type found from the content, except that a
/// download never claims a type a browser would render (HTML, SVG, XML, scripts).
fn served_type(row: &Attachment, variant: Variant) -> String {
    let t = match variant {
        Variant::File => row.content_type.as_deref(),
        Variant::Thumb | Variant::Avatar64 | Variant::Avatar256 => row.thumbnail_type.as_deref(),
    }
    .unwrap_or("application/octet-stream");
    let risky = ["html", "xml", "svg", "javascript", "ecmascript", "text/"].iter().any(|r| t.contains(r));
    if variant == Variant::File && !inline_safe(row) && risky {
        return "application/octet-stream".into();
    }
    t.to_string()
}

/// `attachment; filename…` (or `inline` for inline-safe kinds), with the
/// display name quoted safely (RFC 6266 / 5987).
fn disposition(row: &Attachment, variant: Variant) -> String {
    let how = if variant != Variant::File || inline_safe(row) { "inline" } else { "attachment" };
    let ascii: String = row
        .filename
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    let encoded: String = row
        .filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{how}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// One `bytes=` range resolved against the size: `Ok(None)` = whole file,
/// `Err` = unsatisfiable. Several ranges are answered with the whole file.
fn parse_range(value: &str, size: u64) -> Result<Option<Range<u64>>, ()> {
    let Some(spec) = value.trim().strip_prefix("bytes=") else { return Ok(None) };
    if spec.contains(',') {
        return Ok(None);
    }
    let (a, b) = spec.split_once('-').ok_or(())?;
    let (a, b) = (a.trim(), b.trim());
    let range = match (a.parse::<u64>().ok(), b.parse::<u64>().ok()) {
        (Some(start), Some(end)) if start <= end && start < size => start..(end + 1).min(size),
        (Some(start), None) if b.is_empty() && start < size => start..size,
        (None, Some(n)) if a.is_empty() && n > 0 => size.saturating_sub(n)..size,
        _ => return Err(()),
    };
    Ok(Some(range))
}

async fn serve(
    state: &AppState,
    row: &Attachment,
    variant: Variant,
    headers: &HeaderMap,
    max_age: i64,
) -> Response {
    let storage = &state.media.storage;
    let etag = format!("\"{}-{}\"", row.storage_key, variant.as_str());
    let mut out_headers = HeaderMap::new();
    let mut set = |name: header::HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            out_headers.insert(name, v);
        }
    };
    set(header::CACHE_CONTROL, &format!("private, max-age={}", max_age.max(0)));
    set(header::ETAG, &etag);
    set(header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'; img-src 'self'; media-src 'self'");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::ACCEPT_RANGES, "bytes");
    set(header::CONTENT_TYPE, &served_type(row, variant));
    set(header::CONTENT_DISPOSITION, &disposition(row, variant));
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains(&etag)) {
        return (StatusCode::NOT_MODIFIED, out_headers).into_response();
    }
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        None => None,
        Some(value) => {
            let Ok(size) = storage.size(&row.storage_key, variant).await else { return missing() };
            match parse_range(value, size) {
                Ok(Some(r)) => {
                    set(header::CONTENT_RANGE, &format!("bytes {}-{}/{size}", r.start, r.end - 1));
                    Some(r)
                }
                Ok(None) => None,
                Err(()) => {
                    set(header::CONTENT_RANGE, &format!("bytes */{size}"));
                    return (StatusCode::RANGE_NOT_SATISFIABLE, out_headers).into_response();
                }
            }
        }
    };
    let status = if range.is_some() { StatusCode::PARTIAL_CONTENT } else { StatusCode::OK };
    match storage.get(&row.storage_key, variant, range).await {
        Ok(got) => {
            let len = got.range.end - got.range.start;
            set(header::CONTENT_LENGTH, &len.to_string());
            (status, out_headers, Body::from_stream(got.into_stream())).into_response()
        }
        Err(_) => missing(),
    }
}

fn missing() -> Response {
    refuse(StatusCode::NOT_FOUND, "NOT_FOUND", "this file has no such rendition")
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Ok(Some(0..10)));
        assert_eq!(parse_range("bytes=90-200", 100), Ok(Some(90..100)));
        assert_eq!(parse_range("bytes=50-", 100), Ok(Some(50..100)));
        assert_eq!(parse_range("bytes=-10", 100), Ok(Some(90..100)));
        assert_eq!(parse_range("bytes=-500", 100), Ok(Some(0..100)));
        assert_eq!(parse_range("bytes=0-1,5-6", 100), Ok(None));
        assert_eq!(parse_range("items=0-1", 100), Ok(None));
        assert_eq!(parse_range("bytes=100-", 100), Err(()));
        assert_eq!(parse_range("bytes=5-2", 100), Err(()));
        assert_eq!(parse_range("bytes=x-y", 100), Err(()));
    }
}
