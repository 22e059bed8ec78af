//! The S3 storage path against a real S3-compatible server (moto's server
//! mode, installed from PyPI by `scripts/setup.sh test`): uploads land in the
//! bucket under random keys (never the file name), are served with ranges,
//! and are deleted from the bucket with their message.

use std::process::{Child, Command, Stdio};

use serde_json::json;

use crate::helpers::*;
use crate::media_files::*;

/// A moto S3 server on a free port, killed when dropped.
struct Moto {
    child: Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn moto() -> Moto {
    let bin = std::env::var("JECO_MOTO_SERVER")
        .unwrap_or_else(|_| "/var/tmp/jeco-tools/moto-venv/bin/moto_server".into());
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(&bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin} (run scripts/setup.sh test): {e}"));
    let moto = Moto { child, url: format!("http://127.0.0.1:{port}") };
    let http = reqwest::Client::new();
    for _ in 0..150 {
        if http.get(&moto.url).send().await.is_ok() {
            return moto;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("moto did not start");
}

/// The object keys in the bucket.
async fn keys(moto: &Moto, bucket: &str) -> Vec<String> {
    let xml = reqwest::get(format!("{}/{bucket}?list-type=2", moto.url)).await.unwrap().text().await.unwrap();
    xml.split("<Key>").skip(1).filter_map(|k| k.split("</Key>").next()).map(str::to_string).collect()
}

#[tokio::test]
async fn s3_storage_stores_serves_and_deletes_in_a_real_bucket() {
    let moto = moto().await;
    let bucket = "jeco-media-test";
    let made = reqwest::Client::new().put(format!("{}/{bucket}", moto.url)).send().await.unwrap();
    assert!(made.status().is_success(), "create bucket: {}", made.status());
    let db = TestDb::create().await;
    let env = [
        ("JECO_STORAGE", format!("s3://{bucket}/chat")),
        ("AWS_ENDPOINT_URL", moto.url.clone()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ALLOW_HTTP", "true".into()),
        ("JECO_MEDIA_SWEEP_MS", "200".into()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (mut child, app) = crate::fault::spawn_process(&db.url, &redis_url(), &env).await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let room = app.create_room(&alice, "General").await;
    app.join(&bob, &room).await;

    let picture = png(900, 300);
    let id = uploaded(&app, &alice, &room, "secret-name.png", picture.clone()).await;
    let stored = keys(&moto, bucket).await;
    assert_eq!(stored.len(), 2, "file and thumbnail: {stored:?}");
    assert!(stored.iter().all(|k| k.starts_with("chat/") && !k.contains("secret")), "{stored:?}");

    let sent = send_with(&app, &alice, &room, "", "c-s3", &[&id]).await;
    let q = "query($c: ID!){ conversation(id:$c){ messages(last: 1){ edges{ node{ attachments{ url thumbnailUrl } } } } } }";
    let r = app.gql(Some(&bob), q, json!({ "c": room })).await;
    let a = &r["data"]["conversation"]["messages"]["edges"][0]["node"]["attachments"][0];
    let (status, headers, bytes) = fetch(&app, a["url"].as_str().unwrap(), None).await;
    assert_eq!((status, headers["content-type"].to_str().unwrap()), (200, "image/png"));
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 900);
    let r = app
        .http
        .get(app.url(a["url"].as_str().unwrap()))
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 206);
    assert_eq!(r.bytes().await.unwrap().len(), 10);
    let (status, _, thumb) = fetch(&app, a["thumbnailUrl"].as_str().unwrap(), None).await;
    assert_eq!(status, 200);
    assert_eq!(image::load_from_memory(&thumb).unwrap().width(), 480);

    // Deleting the message empties the bucket.
    let del = "mutation($m: ID!){ deleteMessage(input:{messageId:$m}){ userErrors{ code } } }";
    app.gql(Some(&alice), del, json!({ "m": sent["message"]["id"] })).await;
    let mut left = keys(&moto, bucket).await;
    for _ in 0..50 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        left = keys(&moto, bucket).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(left, Vec::<String>::new());
}
