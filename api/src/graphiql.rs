//! GraphiQL's static files: the page and exactly the assets its `index.html`
//! references, read from it at start-up. Nothing else under the GraphiQL
//! directory is served (not `package.json`, `package-lock.json`, nor the rest
//! of `node_modules/`).

use std::path::Path;

use axum::Router;
use tower_http::services::ServeFile;

/// The routes of `/graphiql` for the files in `dir`.
pub fn routes<S: Clone + Send + Sync + 'static>(dir: &Path) -> Router<S> {
    let index = dir.join("index.html");
    let mut router = Router::new()
        .route_service("/graphiql", ServeFile::new(&index))
        .route_service("/graphiql/", ServeFile::new(&index));
    for asset in referenced(&std::fs::read_to_string(&index).unwrap_or_default()) {
        let Some(relative) = asset.strip_prefix("/graphiql/") else { continue };
        // Only plain relative paths inside the directory.
        if relative.is_empty()
            || relative.split('/').any(|part| part.is_empty() || part == "." || part == "..")
        {
            continue;
        }
        router = router.route_service(&asset, ServeFile::new(dir.join(relative)));
    }
    router
}

/// The `/graphiql/…` paths a page's `src="…"` and `href="…"` attributes name.
fn referenced(html: &str) -> Vec<String> {
    let mut paths: Vec<String> = ["src=\"", "href=\""]
        .iter()
        .flat_map(|attr| html.split(attr).skip(1))
        .filter_map(|rest| rest.split('"').next())
        .filter(|path| path.starts_with("/graphiql/") && !path.contains(['?', '#', '{', '}', '*']))
        .map(str::to_string)
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_pages_own_assets_are_named() {
        let html = r#"<link rel="icon" href="data:," /><link rel="stylesheet" href="/graphiql/a.css" />
            <script src="/graphiql/node_modules/x/x.min.js"></script><script src="https://cdn.example/y.js"></script>
            <script src="/graphiql/a.css"></script><a href="/graphiql/{x}">"#;
        assert_eq!(referenced(html), vec!["/graphiql/a.css", "/graphiql/node_modules/x/x.min.js"]);
    }
}
