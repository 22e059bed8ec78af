//! The built web app (`JECO_WEB_DIR`, trunk's `dist/`): served with the
//! Brotli or gzip file next to each asset when the browser accepts it (the
//! build precompresses them, see `scripts/lib.sh`), assets whose name carries
//! trunk's content hash cached for a year as immutable, and everything else
//! (`index.html`, the app's routes) revalidated on every load so a new release
//! is picked up at once.

use std::path::Path;

use axum::extract::Request;
use axum::http::header::CACHE_CONTROL;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

/// The web app's routes: files from `dir`, and `index.html` for any other path.
pub fn routes(dir: &Path) -> Router {
    let files = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(dir.join("index.html")).precompressed_br().precompressed_gzip());
    Router::new().fallback_service(files).layer(axum::middleware::from_fn(cache_control))
}

async fn cache_control(request: Request, next: Next) -> Response {
    let hashed = content_hashed(request.uri().path());
    let mut response = next.run(request).await;
    let policy = if hashed && response.status().is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}

/// Whether a path names a file whose name carries trunk's content hash
/// (`jeco-web-0123456789abcdef_bg.wasm`, `style-0123456789abcdef.css`): its
/// content can never change under that name.
pub fn content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    let stem = name.split('.').next().unwrap_or("");
    stem.split('-').skip(1).any(|part| {
        let hex = part.strip_suffix("_bg").unwrap_or(part);
        hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::content_hashed;

    #[test]
    fn trunk_hashed_names_are_recognised() {
        assert!(content_hashed("/jeco-web-0123456789abcdef_bg.wasm"));
        assert!(content_hashed("/jeco-web-0123456789abcdef.js"));
        assert!(content_hashed("/style-89abcdef01234567.css"));
        assert!(!content_hashed("/index.html"));
        assert!(!content_hashed("/"));
        assert!(!content_hashed("/rooms/general"));
        assert!(!content_hashed("/favicon.ico"));
        assert!(!content_hashed("/app-0123.js"));
    }
}
