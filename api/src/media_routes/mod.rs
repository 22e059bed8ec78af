//! The media routes: `PUT /media/upload/<token>` receives an upload's bytes
//! once ([`upload`]), `GET /media/<id>/<variant>` serves a file through its
//! signed URL ([`serve`]), and the sweeper deletes unused uploads and the files
//! of deleted rows ([`sweep`]).

pub mod serve;
mod sweep;
mod upload;

use axum::routing::{get, put};
use axum::Router;

use crate::state::AppState;

/// The upload `PUT` and the signed file `GET`.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    AppState: axum::extract::FromRef<S>,
{
    Router::new()
        .route("/media/upload/{token}", put(upload::put_upload))
        .route("/media/{id}/{variant}", get(serve::get_file))
}

/// Starts the sweeper (unused uploads, orphaned files) for this instance.
pub fn spawn_sweeper(state: AppState) {
    tokio::spawn(sweep::run(state));
}
