//! Who may fetch a file, and for how long: URLs bound to their viewer and
//! session, re-checked on every fetch (removal and logout end access at
//! once), tamper-proof and expiring; attachments hidden from non-members in
//! every query; avatars; files deleted with their message or when unused;
//! a decompression bomb refused without the server's memory growing.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::media_files::*;
use jeco_api::media::sign::{Bound, FileQuery, Signer, Variant};

const REMOVE: &str = "mutation($c: ID!, $u: ID!){ removeMember(input:{conversationId:$c, userId:$u}){ userErrors{ field code } } }";
const HISTORY: &str = "query($c: ID!){ conversation(id:$c){ messages(last: 10){ edges{ node{ id attachments{ id url } } } } } }";

fn query_of(url: &str) -> FileQuery {
    let q = url.split_once('?').unwrap().1;
    let get = |k: &str| q.split('&').find_map(|kv| kv.strip_prefix(&format!("{k}="))).unwrap().to_string();
    FileQuery {
        u: get("u").parse().unwrap(),
        s: get("s").parse().unwrap(),
        e: get("e").parse().unwrap(),
        k: get("k"),
    }
}

/// The attachment's URL as `token`'s viewer gets it from history.
async fn url_for(app: &TestApp, token: &str, room: &str) -> Option<String> {
    let r = app.gql(Some(token), HISTORY, json!({ "c": room })).await;
    r["data"]["conversation"]["messages"]["edges"][0]["node"]["attachments"][0]["url"]
        .as_str()
        .map(str::to_string)
}

#[tokio::test]
async fn urls_are_bound_to_their_viewer_and_access_ends_on_removal_and_logout() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, bob_id) = app.register("bob").await;
    let (carol, _) = app.register("carol").await;
    let q = "mutation($n: String!){ createRoom(input:{name:$n, visibility: PRIVATE}){ conversation{ id } } }";
    let room = app.gql(Some(&alice), q, json!({ "n": "Secret" })).await["data"]["createRoom"]["conversation"]
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    let invite = "mutation($c: ID!, $u: ID!){ inviteToRoom(input:{conversationId:$c, userId:$u}){ userErrors{ code } } }";
    app.gql(Some(&alice), invite, json!({ "c": room, "u": bob_id })).await;
    let id = uploaded(&app, &alice, &room, "plan.png", png(8, 8)).await;
    send_with(&app, &alice, &room, "", "c-1", &[&id]).await;

    // A non-member sees no attachment through any query.
    assert_eq!(url_for(&app, &carol, &room).await, None);
    let node = app.gql(Some(&carol), "query($id: ID!){ node(id:$id){ id } }", json!({ "id": id })).await;
    assert_eq!(node["data"]["node"], Value::Null, "{node}");
    let node = app
        .gql(Some(&bob), "query($id: ID!){ node(id:$id){ ... on Attachment { kind } } }", json!({ "id": id }))
        .await;
    assert_eq!(node["data"]["node"]["kind"], "IMAGE", "{node}");

    let bobs = url_for(&app, &bob, &room).await.unwrap();
    assert_eq!(fetch(&app, &bobs, None).await.0, 200);
    assert_eq!(fetch(&app, &bobs, Some(&bob)).await.0, 200);
    // Someone else's credentials on bob's URL: refused.
    assert_eq!(fetch(&app, &bobs, Some(&carol)).await.0, 403);
    assert_eq!(fetch(&app, &bobs, Some("not-a-token")).await.0, 403);

    // Tampered or expired: 403, nothing revealed.
    let good = query_of(&bobs);
    let signer = Signer::new(b"test-secret-test-secret-test-secret-1234");
    let path = bobs.split_once('?').unwrap().0.to_string();
    let raw_id: i64 = path.split('/').nth(2).unwrap().parse().unwrap();
    let bound =
        Bound { user: jeco_schema::ids::UserId(good.u), session: Some(jeco_schema::ids::SessionId(good.s)) };
    let expired = signer.file_path(
        jeco_schema::ids::AttachmentId(raw_id),
        Variant::File,
        bound,
        chrono::Utc::now().timestamp() - 1,
    );
    let forged =
        Signer::new(b"guess").file_path(jeco_schema::ids::AttachmentId(raw_id), Variant::File, bound, good.e);
    for bad in [
        expired,
        forged,
        bobs.replace(&format!("u={}", good.u), "u=1"),
        bobs.replace(&format!("e={}", good.e), &format!("e={}", good.e + 3600)),
        bobs.replace("/file?", "/thumb?"),
        bobs.replace(&format!("/{raw_id}/"), &format!("/{}/", raw_id + 1)),
        format!("{path}?u=1"),
        path.clone(),
    ] {
        let (status, _, body) = fetch(&app, &bad, None).await;
        assert_eq!(status, 403, "{bad}");
        assert!(!String::from_utf8_lossy(&body).contains("plan"), "a refusal reveals nothing");
    }

    // Removed from the room: the URL bob already holds stops working at once.
    let r = app.gql(Some(&alice), REMOVE, json!({ "c": room, "u": bob_id })).await;
    assert_eq!(r["data"]["removeMember"]["userErrors"], json!([]), "{r}");
    assert_eq!(fetch(&app, &bobs, None).await.0, 403);
    assert_eq!(url_for(&app, &bob, &room).await, None);

    // Logout ends alice's URLs at once too.
    let alices = url_for(&app, &alice, &room).await.unwrap();
    assert_eq!(fetch(&app, &alices, None).await.0, 200);
    let r = app.gql(Some(&alice), "mutation{ logout(input:{}){ ok } }", json!({})).await;
    assert_eq!(r["data"]["logout"]["ok"], true);
    assert_eq!(fetch(&app, &alices, None).await.0, 403);
}

#[tokio::test]
async fn forged_and_expired_upload_urls_are_refused() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let room = app.create_room(&alice, "General").await;
    let created = create_upload(
        &app,
        &alice,
        json!({ "purpose": "ATTACHMENT", "conversationId": room, "filename": "a.png", "byteSize": 10_000 }),
    )
    .await;
    let url = created["uploadUrl"].as_str().unwrap();
    let token = url.trim_start_matches("/media/upload/");
    let id: i64 = token.split('.').next().unwrap().parse().unwrap();
    let signer = Signer::new(b"test-secret-test-secret-test-secret-1234");
    let expired = signer.upload_path(jeco_schema::ids::AttachmentId(id), chrono::Utc::now().timestamp() - 1);
    let forged = Signer::new(b"guess")
        .upload_path(jeco_schema::ids::AttachmentId(id), chrono::Utc::now().timestamp() + 60);
    for bad in [
        expired,
        forged,
        format!("/media/upload/{id}"),
        url.replace(&format!("{id}."), &format!("{}.", id + 1)),
    ] {
        let (status, body) = put(&app, &bad, png(4, 4)).await;
        assert_eq!((status, body["code"].as_str()), (403, Some("FORBIDDEN")), "{bad}");
    }
    assert_eq!(stored_files(&app), 0);
    // The genuine URL still works once.
    assert_eq!(put(&app, url, png(4, 4)).await.0, 200);
}

#[tokio::test]
async fn avatars_show_for_others_and_replacing_or_removing_deletes_files() {
    let app = spawn_app_with(sweeping()).await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let avatar = |bytes: Vec<u8>| {
        let app = &app;
        let alice = alice.clone();
        async move {
            let c = create_upload(
                app,
                &alice,
                json!({ "purpose": "AVATAR", "filename": "me.png", "byteSize": bytes.len() }),
            )
            .await;
            let (status, body) = put(app, c["uploadUrl"].as_str().unwrap(), bytes).await;
            assert_eq!(status, 200, "{body}");
            body["id"].as_str().unwrap().to_string()
        }
    };
    let set = "mutation($a: ID){ updateProfile(input:{avatarId:$a}){ user{ avatarUrl(size: 256) } userErrors{ field code } } }";
    let first = avatar(png(300, 200)).await;
    // Someone else's upload can't be one's avatar.
    let r = app.gql(Some(&bob), set, json!({ "a": first })).await;
    assert_eq!(r["data"]["updateProfile"]["userErrors"][0]["field"], "avatarId", "{r}");
    let r = app.gql(Some(&alice), set, json!({ "a": first })).await;
    assert_eq!(r["data"]["updateProfile"]["userErrors"], json!([]), "{r}");
    let seen = "{ user(username: \"alice\"){ small: avatarUrl(size: 64) large: avatarUrl(size: 256) } }";
    let r = app.gql(Some(&bob), seen, json!({})).await;
    for (field, side) in [("small", 64), ("large", 256)] {
        let (status, _, bytes) = fetch(&app, r["data"]["user"][field].as_str().unwrap(), None).await;
        assert_eq!(status, 200);
        let img = image::load_from_memory(&bytes).unwrap();
        assert_eq!((img.width(), img.height()), (side, side));
    }
    let old_files = stored_files(&app);
    assert!(old_files >= 4, "file, thumb, 64, 256");
    // Replacing deletes the old one's files; removing deletes the rest.
    let second = avatar(jpeg(100, 100)).await;
    app.gql(Some(&alice), set, json!({ "a": second })).await;
    wait_for_files(&app, old_files).await;
    let r = app.gql(Some(&alice), set, json!({ "a": null })).await;
    assert_eq!(r["data"]["updateProfile"]["user"]["avatarUrl"], Value::Null, "{r}");
    wait_for_files(&app, 0).await;
    assert_eq!(app.count("attachments").await, 0);
}

/// Options whose sweeper runs every 200 ms (the default is 30 s).
fn sweeping() -> Opts {
    let mut opts = Opts::default();
    opts.media.sweep_every = std::time::Duration::from_millis(200);
    opts
}

/// Waits (up to 10 s) for the sweeper to bring the stored file count to `n`.
async fn wait_for_files(app: &TestApp, n: usize) {
    for _ in 0..100 {
        if stored_files(app) == n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{} files stored, expected {n}", stored_files(app));
}

#[tokio::test]
async fn deleting_a_message_deletes_its_files_and_unused_uploads_expire() {
    let mut opts = sweeping();
    opts.media.unused_ttl = std::time::Duration::from_secs(2);
    let app = spawn_app_with(opts).await;
    let (alice, _) = app.register("alice").await;
    let room = app.create_room(&alice, "General").await;
    let id = uploaded(&app, &alice, &room, "a.png", png(10, 10)).await;
    let sent = send_with(&app, &alice, &room, "", "c-del", &[&id]).await;
    let url = sent["message"]["attachments"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(stored_files(&app), 2);
    let del = "mutation($m: ID!){ deleteMessage(input:{messageId:$m}){ message{ attachments{ id } } userErrors{ code } } }";
    let r = app.gql(Some(&alice), del, json!({ "m": sent["message"]["id"] })).await;
    assert_eq!(r["data"]["deleteMessage"]["message"]["attachments"], json!([]), "{r}");
    assert_eq!(fetch(&app, &url, None).await.0, 403, "gone at once");
    wait_for_files(&app, 0).await;

    // Uploaded but never sent: removed after the (test-short) unused TTL.
    uploaded(&app, &alice, &room, "b.png", png(10, 10)).await;
    assert_eq!(stored_files(&app), 2);
    wait_for_files(&app, 0).await;
    assert_eq!(app.count("attachments").await, 0);
}

fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .unwrap()
        .trim()
        .trim_end_matches(" kB")
        .trim()
        .parse()
        .unwrap()
}

/// A 60000×60000 PNG of a few KB is refused from its header: the server's
/// peak memory barely moves (its own process, so nothing else counts).
#[tokio::test]
async fn a_decompression_bomb_does_not_grow_server_memory() {
    let db = TestDb::create().await;
    let (mut child, app) = crate::fault::spawn_process(&db.url, &redis_url(), &[]).await;
    let (alice, _) = app.register("alice").await;
    let room = app.create_room(&alice, "General").await;
    // Warm up the processing path with a real image first.
    uploaded(&app, &alice, &room, "warm.png", png(64, 64)).await;
    let before = peak_rss_kib(child.id());
    let bomb = bomb_png();
    assert!(bomb.len() < 5_000);
    let (status, body) = upload(&app, &alice, &room, "bomb.png", bomb).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("BAD_MEDIA")), "{body}");
    let grown = peak_rss_kib(child.id()).saturating_sub(before);
    let _ = child.kill();
    let _ = child.wait();
    assert!(grown < 32 * 1024, "peak memory grew by {grown} KiB");
}
