//! Security headers: every HTML page carries a Content-Security-Policy that
//! allows its own inline scripts by hash (never `'unsafe-inline'`), WebAssembly,
//! and no framing; every response says `nosniff` and a referrer policy.

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::helpers::{spawn_app_with, Opts};

#[tokio::test]
async fn html_pages_carry_a_strict_content_security_policy() {
    let web = std::env::temp_dir().join(format!("jeco-web-{}", std::process::id()));
    std::fs::create_dir_all(&web).unwrap();
    let script = "document.documentElement.dataset.theme = 'dark';";
    std::fs::write(
        web.join("index.html"),
        format!("<!doctype html><html><head><script>{script}</script><script src=\"/app.js\"></script></head></html>"),
    )
    .unwrap();
    let app = spawn_app_with(Opts { web_dir: web.clone(), ..Opts::default() }).await;

    // The app's entry page, and a client route falling back to it.
    for path in ["/", "/rooms/123"] {
        let r = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap().to_string();
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script.as_bytes()));
        let script_src = csp.split("; ").find(|d| d.starts_with("script-src ")).unwrap();
        assert_eq!(script_src, format!("script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}'"), "{csp}");
        for directive in
            ["default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"]
        {
            assert!(csp.split("; ").any(|d| d == directive), "{directive} in {csp}");
        }
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["x-frame-options"], "DENY");
    }

    // JSON answers need no policy but keep nosniff.
    let r = app.http.get(app.url("/graphql?query={__typename}")).send().await.unwrap();
    assert!(r.headers().get("content-security-policy").is_none());
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let _ = std::fs::remove_dir_all(&web);
}

/// The web app: content-hashed assets are cached for a year, `index.html` and
/// client routes revalidate, and the precompressed file is served to a browser
/// that accepts it (Brotli first, then gzip), the plain one otherwise.
#[tokio::test]
async fn the_web_app_is_served_precompressed_with_cache_headers() {
    let web = std::env::temp_dir().join(format!("jeco-web-cache-{}", std::process::id()));
    std::fs::create_dir_all(&web).unwrap();
    std::fs::write(web.join("index.html"), "<!doctype html><title>Jeco</title>").unwrap();
    let js = "jeco-web-0123456789abcdef.js";
    std::fs::write(web.join(js), "plain").unwrap();
    std::fs::write(web.join(format!("{js}.br")), "brotli").unwrap();
    std::fs::write(web.join(format!("{js}.gz")), "gzip").unwrap();
    let app = spawn_app_with(Opts { web_dir: web.clone(), ..Opts::default() }).await;
    let get = |path: String, encoding: &'static str| {
        let req = app.http.get(app.url(&path));
        let req = if encoding.is_empty() { req } else { req.header("accept-encoding", encoding) };
        async move {
            let r = req.send().await.unwrap();
            let h = r.headers().clone();
            let header = |n: &str| h.get(n).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
            (
                r.status().as_u16(),
                header("cache-control"),
                header("content-encoding"),
                r.text().await.unwrap(),
            )
        }
    };
    let immutable = "public, max-age=31536000, immutable".to_string();
    assert_eq!(
        get(format!("/{js}"), "gzip, deflate, br").await,
        (200, immutable.clone(), "br".into(), "brotli".into())
    );
    assert_eq!(get(format!("/{js}"), "gzip").await, (200, immutable.clone(), "gzip".into(), "gzip".into()));
    assert_eq!(get(format!("/{js}"), "").await, (200, immutable, String::new(), "plain".into()));
    for path in ["/", "/index.html", "/rooms/1"] {
        let (status, cache, _, body) = get(path.to_string(), "").await;
        assert_eq!((status, cache.as_str()), (200, "no-cache"), "{path}");
        assert!(body.contains("Jeco"));
    }
    let _ = std::fs::remove_dir_all(&web);
}

/// The service worker and the web manifest keep their names from release to
/// release, so they revalidate on every load (a cached worker would pin users to
/// an old release) and carry the content types browsers insist on.
#[tokio::test]
async fn the_service_worker_and_manifest_revalidate_with_their_content_types() {
    let web = std::env::temp_dir().join(format!("jeco-web-pwa-{}", std::process::id()));
    std::fs::create_dir_all(web.join("icons")).unwrap();
    std::fs::write(web.join("index.html"), "<!doctype html><title>Jeco</title>").unwrap();
    std::fs::write(web.join("sw.js"), "self.addEventListener('fetch', () => {});").unwrap();
    std::fs::write(web.join("sw.js.br"), "brotli").unwrap();
    std::fs::write(web.join("manifest.webmanifest"), r#"{"name":"Jeco Chat"}"#).unwrap();
    std::fs::write(web.join("icons/icon.svg"), "<svg/>").unwrap();
    let app = spawn_app_with(Opts { web_dir: web.clone(), ..Opts::default() }).await;
    for (path, encoding, content_type, body) in [
        ("/sw.js", "", "text/javascript", "self.addEventListener('fetch', () => {});"),
        ("/sw.js", "br", "text/javascript", "brotli"),
        ("/manifest.webmanifest", "", "application/manifest+json", r#"{"name":"Jeco Chat"}"#),
        ("/icons/icon.svg", "", "image/svg+xml", "<svg/>"),
    ] {
        let req = app.http.get(app.url(path));
        let req = if encoding.is_empty() { req } else { req.header("accept-encoding", encoding) };
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let h = r.headers().clone();
        assert_eq!(h["cache-control"], "no-cache", "{path}");
        assert_eq!(h["content-type"], content_type, "{path}");
        assert_eq!(r.text().await.unwrap(), body, "{path} {encoding}");
    }
    let _ = std::fs::remove_dir_all(&web);
}
