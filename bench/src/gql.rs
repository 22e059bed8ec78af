//! Talking to a `jeco serve` child: starting it, and the GraphQL calls the benches set up with.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use futures_util::StreamExt;

use crate::http;
use crate::server::{free_port, ServerProc};

/// Registrations in flight at once (each hashes a password).
const REGISTER_CONCURRENCY: usize = 8;
/// joinRoom calls in flight at once.
const JOIN_CONCURRENCY: usize = 16;

/// A registered bench user.
#[derive(Clone)]
pub struct BenchUser {
    /// Access token.
    pub token: String,
}

/// Starts `jeco serve` (rate limits lifted: all bench traffic is from 127.0.0.1) on a fresh
/// loopback port and waits for `/readyz`.
pub async fn start_jeco(bin: &Path, db_url: &str, data_dir: &Path, log: &Path) -> Result<ServerProc> {
    start_jeco_with(bin, db_url, data_dir, log, &[]).await
}

/// [`start_jeco`] with `extra` environment variables (set after, so they override the defaults).
pub async fn start_jeco_with(
    bin: &Path,
    db_url: &str,
    data_dir: &Path,
    log: &Path,
    extra: &[(&str, String)],
) -> Result<ServerProc> {
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()?));
    let mut envs = vec![
        ("DATABASE_URL", db_url.to_string()),
        ("JECO_BIND", addr.to_string()),
        ("JECO_PUBLIC_URL", format!("http://{addr}")),
        ("JECO_DATA_DIR", data_dir.display().to_string()),
        ("JECO_SEND_RATE", "100000".to_string()),
        ("JECO_AUTH_RATE", "100000".to_string()),
        ("JECO_IP_RATE", "100000".to_string()),
        ("JECO_WRITE_RATE", "100000".to_string()),
        ("JECO_WS_PER_IP", "100000".to_string()),
        ("JECO_UPLOAD_RATE", "100000".to_string()),
        ("RUST_LOG", "warn".to_string()),
    ];
    envs.extend(extra.iter().cloned());
    let mut server = ServerProc::spawn("jeco", bin, &["serve"], &envs, addr, log)?;
    match server.wait_ready(Some("/readyz"), Duration::from_secs(120)).await {
        Ok(()) => Ok(server),
        Err(e) => {
            server.stop().await;
            Err(e)
        }
    }
}

/// The document of operation `name` (`graphql/operations/`, with its fragments): the
/// benches set up with the same calls the web app makes.
pub fn op(name: &str) -> Result<&'static str> {
    jeco_operations::document(name).with_context(|| format!("no graphql/operations/{name}.graphql"))
}

/// Runs a GraphQL operation; fails on top-level `errors`; returns `data`.
pub async fn graphql(
    addr: SocketAddr,
    token: Option<&str>,
    query: &str,
    variables: serde_json::Value,
) -> Result<serde_json::Value> {
    let body = serde_json::json!({ "query": query, "variables": variables });
    let (status, json) = http::post_json(addr, "/graphql", token, &body).await?;
    if let Some(errors) = json.get("errors").filter(|e| !e.is_null()) {
        bail!("HTTP {status}, GraphQL errors: {errors}");
    }
    json.get("data").cloned().with_context(|| format!("HTTP {status}, no data: {json}"))
}

/// Fails when a mutation payload has userErrors.
pub fn check_user_errors(payload: &serde_json::Value, what: &str) -> Result<()> {
    match payload.get("userErrors").and_then(|e| e.as_array()) {
        Some(errs) if !errs.is_empty() => bail!("{what}: userErrors {}", payload["userErrors"]),
        _ => Ok(()),
    }
}

/// Registers users until there are `n`.
pub async fn register_users(addr: SocketAddr, users: &mut Vec<BenchUser>, n: usize) -> Result<()> {
    let register = op("Register")?;
    let start = users.len();
    let results: Vec<Result<BenchUser>> = futures_util::stream::iter(start..n)
        .map(|i| async move {
            let vars = serde_json::json!({ "input": {
                "username": format!("bench_{i}"),
                "email": format!("bench_{i}@bench.example.com"),
                "password": format!("Bench-password-{i}-correct-horse"),
                "displayName": format!("Bench {i}"),
            } });
            let data = graphql(addr, None, register, vars)
                .await
                .with_context(|| format!("registering bench_{i}"))?;
            let payload = &data["register"];
            check_user_errors(payload, "register")?;
            let token = payload["accessToken"]
                .as_str()
                .with_context(|| format!("register returned no accessToken: {payload}"))?;
            Ok(BenchUser { token: token.to_string() })
        })
        .buffered(REGISTER_CONCURRENCY)
        .collect()
        .await;
    for r in results {
        users.push(r?);
    }
    Ok(())
}

/// Creates a public room as `token`; returns its id.
pub async fn create_room(addr: SocketAddr, token: &str, name: &str) -> Result<String> {
    let data = graphql(
        addr,
        Some(token),
        op("CreateRoom")?,
        serde_json::json!({ "input": { "name": name, "visibility": "PUBLIC" } }),
    )
    .await
    .context("createRoom")?;
    let payload = &data["createRoom"];
    check_user_errors(payload, "createRoom")?;
    payload["conversation"]["id"]
        .as_str()
        .map(str::to_string)
        .with_context(|| format!("createRoom returned no id: {payload}"))
}

/// Makes every user join `room`.
pub async fn join_room(addr: SocketAddr, users: &[BenchUser], room: &str) -> Result<()> {
    let join = op("JoinRoom")?;
    let results: Vec<Result<()>> = futures_util::stream::iter(users.iter())
        .map(|u| async move {
            let data = graphql(
                addr,
                Some(&u.token),
                join,
                serde_json::json!({ "input": { "conversationId": room } }),
            )
            .await
            .context("joinRoom")?;
            check_user_errors(&data["joinRoom"], "joinRoom")
        })
        .buffer_unordered(JOIN_CONCURRENCY)
        .collect()
        .await;
    results.into_iter().collect()
}
