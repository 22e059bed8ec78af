//! Security headers of HTML pages: a Content-Security-Policy that allows no
//! inline script but the ones in the pages this server serves (the web app's
//! pre-paint theme script, trunk's wasm loader), each by its sha256, computed
//! at start-up from the files themselves; WebAssembly compiles under
//! `'wasm-unsafe-eval'` (not `'unsafe-eval'`); nothing may frame the pages.

use std::collections::BTreeSet;
use std::path::Path;

use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The policy for every HTML page, allowing the inline scripts of `pages`
/// (HTML files; a missing one is skipped: the app may not be built).
pub fn policy(pages: &[&Path]) -> String {
    let hashes: BTreeSet<String> = pages
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .flat_map(|html| inline_scripts(&html).into_iter().map(script_hash).collect::<Vec<_>>())
        .collect();
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    for h in &hashes {
        script_src.push_str(&format!(" '{h}'"));
    }
    // Styles may be inline (Yew and GraphiQL set style attributes); scripts may not.
    format!(
        "default-src 'self'; script-src {script_src}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// `sha256-<base64>` of a script's text, as a CSP source expression wants it.
fn script_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(digest))
}

/// The text of every `<script>` without `src` (exactly what the browser hashes).
fn inline_scripts(html: &str) -> Vec<&str> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = lower[from..].find("<script").map(|i| from + i) {
        let Some(tag_end) = lower[start..].find('>').map(|i| start + i + 1) else { break };
        let Some(close) = lower[tag_end..].find("</script").map(|i| tag_end + i) else { break };
        let tag = &lower[start..tag_end];
        let external = tag.split(|c: char| c.is_whitespace()).any(|attr| attr.starts_with("src="));
        if !external {
            out.push(&html[tag_end..close]);
        }
        from = close;
    }
    out
}

/// Adds `policy` to a response whose body is HTML.
pub fn on_html(mut response: Response, policy: &HeaderValue) -> Response {
    let html = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"));
    if html {
        response.headers_mut().insert(CONTENT_SECURITY_POLICY, policy.clone());
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_found_and_external_ones_skipped() {
        let html = "<head><SCRIPT>a()</SCRIPT><script src=\"/x.js\"></script>\
                    <script type=\"module\" nonce=\"n\">\nimport init from '/w.js';\n</script></head>";
        assert_eq!(inline_scripts(html), vec!["a()", "\nimport init from '/w.js';\n"]);
        assert_eq!(inline_scripts("<p>no scripts</p>"), Vec::<&str>::new());
        assert_eq!(inline_scripts("<script>unterminated"), Vec::<&str>::new());
    }

    #[test]
    fn the_hash_is_the_csp_sha256_of_the_text() {
        // `echo -n "alert('Hello, world.');" | openssl sha256 -binary | base64` (the CSP spec's example).
        assert_eq!(
            script_hash("alert('Hello, world.');"),
            "sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng="
        );
    }

    #[test]
    fn the_policy_names_the_hashes_and_forbids_framing_and_inline_scripts() {
        let dir = std::env::temp_dir().join(format!("jeco-csp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let page = dir.join("index.html");
        std::fs::write(&page, "<script>alert('Hello, world.');</script>").unwrap_or_default();
        let p = policy(&[&page, Path::new("/nonexistent/index.html")]);
        assert!(p.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='; "), "{p}");
        assert!(p.contains("frame-ancestors 'none'"));
        assert!(
            !p.contains("'unsafe-eval'")
                && !p.split("; ").any(|d| d.starts_with("script-src") && d.contains("unsafe-inline"))
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
