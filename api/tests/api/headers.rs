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
