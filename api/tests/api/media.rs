//! Media uploads end to end: the two-step upload, processing (type by
//! content, EXIF stripped, thumbnails, durations), attaching to messages (live
//! and in replay), and every bad input answered clearly with nothing stored.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::media_files::*;

const EVENTS: &str = "subscription($c: ID, $after: String){ conversationEvents(conversationId:$c, after:$after){ cursor payload{ __typename ... on MessageCreated { message{ id body attachments{ id kind url thumbnailUrl width height placeholder } } } } } }";

#[tokio::test]
async fn an_image_travels_live_with_thumbnail_and_in_replay() {
    let (app, alice, bob, room) = room_of_two().await;
    let mut ws = app.ws(&bob).await;
    ws.send(json!({ "id": "e", "type": "subscribe", "payload": { "query": EVENTS, "variables": { "c": room, "after": log_start() } } })).await;
    // A PNG named .exe is an image: the name decides nothing.
    let id = uploaded(&app, &alice, &room, "photo.exe", png(1200, 600)).await;
    let sent = send_with(&app, &alice, &room, "", "c-img-1", &[&id]).await;
    assert_eq!(sent["userErrors"], json!([]), "{sent}");
    let message = &sent["message"];
    assert_eq!(message["body"], "");
    let a = &message["attachments"][0];
    assert_eq!(
        (a["kind"].as_str(), a["width"].as_i64(), a["height"].as_i64()),
        (Some("IMAGE"), Some(1200), Some(600))
    );
    assert_eq!(a["contentType"], "image/png");
    assert!(a["placeholder"].as_str().is_some_and(|p| !p.is_empty()), "{a}");

    // Live: bob's stream carries the message with his own URLs.
    let ev = ws.event_where("e", |e| e["payload"]["__typename"] == "MessageCreated").await;
    let live = &ev["payload"]["message"]["attachments"][0];
    assert_eq!(live["id"], a["id"]);
    let (status, headers, bytes) = fetch(&app, live["url"].as_str().unwrap(), None).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-disposition"].to_str().unwrap().starts_with("inline"));
    assert!(headers["cache-control"].to_str().unwrap().starts_with("private"));
    assert!(headers["content-security-policy"].to_str().unwrap().contains("sandbox"));
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 1200);
    let (status, _, thumb) = fetch(&app, live["thumbnailUrl"].as_str().unwrap(), None).await;
    assert_eq!(status, 200);
    let thumb = image::load_from_memory(&thumb).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (480, 240));

    // Replay from the start includes it too.
    let mut again = app.ws(&bob).await;
    again.send(json!({ "id": "r", "type": "subscribe", "payload": { "query": EVENTS, "variables": { "c": room, "after": log_start() } } })).await;
    let replayed = again.event_where("r", |e| e["payload"]["__typename"] == "MessageCreated").await;
    assert_eq!(replayed["payload"]["message"]["attachments"][0]["id"], a["id"]);

    // A retry with the same clientId returns the same message and writes nothing.
    let before = app.snapshot().await;
    let retry = send_with(&app, &alice, &room, "", "c-img-1", &[&id]).await;
    assert_eq!(retry["message"]["id"], message["id"]);
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn range_requests_and_etags_work_for_audio() {
    let (app, alice, _bob, room) = room_of_two().await;
    let ogg = opus_ogg();
    let created = create_upload(
        &app,
        &alice,
        json!({ "purpose": "ATTACHMENT", "conversationId": room, "filename": "note.ogg", "byteSize": ogg.len(), "voice": true, "waveform": [0, 128, 255, 3] }),
    )
    .await;
    assert_eq!(created["userErrors"], json!([]));
    let (status, body) = put(&app, created["uploadUrl"].as_str().unwrap(), ogg.clone()).await;
    assert_eq!((status, body["kind"].as_str()), (200, Some("AUDIO")), "{body}");
    let sent = send_with(&app, &alice, &room, "", "c-voice", &[body["id"].as_str().unwrap()]).await;
    let a = &sent["message"]["attachments"][0];
    assert_eq!(a["voice"], true);
    assert_eq!(a["waveform"], json!([0, 128, 255, 3]));
    let ms = a["durationMs"].as_i64().unwrap();
    assert!((2400..=2600).contains(&ms), "measured {ms} ms for a 2.5 s file");
    let url = a["url"].as_str().unwrap();
    let r = app.http.get(app.url(url)).header("range", "bytes=0-99").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 206);
    assert_eq!(r.headers()["content-range"], format!("bytes 0-99/{}", ogg.len()).as_str());
    let etag = r.headers()["etag"].clone();
    assert_eq!(r.bytes().await.unwrap().as_ref(), &ogg[..100]);
    let r =
        app.http.get(app.url(url)).header("range", format!("bytes={}-", ogg.len() + 5)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 416);
    let r = app.http.get(app.url(url)).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 304);
}

#[tokio::test]
async fn exif_and_gps_are_stripped_and_orientation_applied() {
    let (app, alice, _bob, room) = room_of_two().await;
    let file = jpeg_with_gps(40, 20);
    assert!(contains(&file, GPS_MARK), "the fixture carries the GPS text");
    let id = uploaded(&app, &alice, &room, "holiday.jpg", file).await;
    let sent = send_with(&app, &alice, &room, "", "c-gps", &[&id]).await;
    let a = &sent["message"]["attachments"][0];
    // Orientation 6 turns 40×20 upright into 20×40.
    assert_eq!((a["width"].as_i64(), a["height"].as_i64()), (Some(20), Some(40)), "{a}");
    let (status, _, original) = fetch(&app, a["url"].as_str().unwrap(), None).await;
    assert_eq!(status, 200);
    assert!(!contains(&original, GPS_MARK), "GPS text served");
    assert!(!contains(&original, b"Exif\0\0"), "EXIF served");
    let shown = image::load_from_memory(&original).unwrap();
    assert_eq!((shown.width(), shown.height()), (20, 40));
    assert_eq!(a["byteSize"].as_i64(), Some(original.len() as i64));
}

/// Refused PUTs: each answers its code and leaves no file and a used URL.
#[tokio::test]
async fn bad_files_are_refused_and_store_nothing() {
    let (app, alice, _bob, room) = room_of_two().await;
    let mut truncated = jpeg(200, 200);
    truncated.truncate(truncated.len() / 2);
    let mut bigger = png(10, 10);
    for (name, bytes, declared, status, code) in [
        ("bomb.png", bomb_png(), None, 422, "BAD_MEDIA"),
        ("cut.jpg", truncated, None, 422, "BAD_MEDIA"),
        ("big.png", std::mem::take(&mut bigger), Some(10), 413, "TOO_LARGE"),
    ] {
        let size = declared.unwrap_or(bytes.len());
        let created = create_upload(
            &app,
            &alice,
            json!({ "purpose": "ATTACHMENT", "conversationId": room, "filename": name, "byteSize": size }),
        )
        .await;
        let url = created["uploadUrl"].as_str().unwrap().to_string();
        let (got, body) = put(&app, &url, bytes).await;
        assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{name}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(stored_files(&app), 0, "{name} left a file");
        // Used: a second PUT, even of a good file, is 409.
        let (again, body) = put(&app, &url, png(4, 4)).await;
        assert_eq!((again, body["code"].as_str()), (409, Some("USED")), "{name}");
        // And it cannot be attached.
        let id = created["attachment"]["id"].as_str().unwrap();
        let sent = send_with(&app, &alice, &room, "x", &format!("c-{name}"), &[id]).await;
        assert_eq!(sent["userErrors"][0]["field"], "attachmentIds", "{name}: {sent}");
    }
    assert_eq!(app.count("messages").await, 0);

    // An avatar must be an image; a voice note must be audio.
    let created =
        create_upload(&app, &alice, json!({ "purpose": "AVATAR", "filename": "me.html", "byteSize": 100 }))
            .await;
    let (status, body) = put(&app, created["uploadUrl"].as_str().unwrap(), html()).await;
    assert_eq!((status, body["code"].as_str()), (415, Some("UNSUPPORTED_TYPE")));
    let created = create_upload(
        &app,
        &alice,
        json!({ "purpose": "ATTACHMENT", "conversationId": room, "filename": "v.ogg", "byteSize": 1000, "voice": true }),
    )
    .await;
    let (status, body) = put(&app, created["uploadUrl"].as_str().unwrap(), png(5, 5)).await;
    assert_eq!((status, body["code"].as_str()), (415, Some("UNSUPPORTED_TYPE")));
    assert_eq!(stored_files(&app), 0);
}

#[tokio::test]
async fn html_named_png_is_a_download_never_inline() {
    let (app, alice, _bob, room) = room_of_two().await;
    let (status, body) = upload(&app, &alice, &room, "cat.png", html()).await;
    assert_eq!((status, body["kind"].as_str()), (200, Some("FILE")), "{body}");
    let sent = send_with(&app, &alice, &room, "see", "c-html", &[body["id"].as_str().unwrap()]).await;
    let a = &sent["message"]["attachments"][0];
    assert_eq!((a["kind"].as_str(), a["thumbnailUrl"].as_str()), (Some("FILE"), None));
    let (status, headers, bytes) = fetch(&app, a["url"].as_str().unwrap(), None).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/octet-stream");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;") && disposition.contains("cat.png"), "{disposition}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-security-policy"].to_str().unwrap().starts_with("sandbox"));
    assert_eq!(bytes, html());
}

/// Bad `createUpload` input is a userError and writes nothing.
#[tokio::test]
async fn bad_upload_requests_write_nothing() {
    let app = spawn_app_with(Opts {
        media: jeco_api::media::MediaConfig { max_upload_bytes: 1000, ..Opts::default().media },
        ..Opts::default()
    })
    .await;
    let (alice, _) = app.register("alice").await;
    let (carol, _) = app.register("carol").await;
    let room = app.create_room(&alice, "General").await;
    let before = app.snapshot().await;
    let attachment = |extra: Value| {
        let mut input =
            json!({ "purpose": "ATTACHMENT", "conversationId": room, "filename": "a.txt", "byteSize": 10 });
        for (k, v) in extra.as_object().unwrap() {
            input[k] = v.clone();
        }
        input
    };
    for (who, input, field, code) in [
        (&alice, attachment(json!({ "byteSize": 1001 })), "byteSize", "TOO_LARGE"),
        (&alice, attachment(json!({ "byteSize": 0 })), "byteSize", "INVALID"),
        (&alice, attachment(json!({ "filename": "../../etc/passwd" })), "filename", "INVALID"),
        (&alice, attachment(json!({ "filename": "a\u{0}.png" })), "filename", "INVALID"),
        (&alice, attachment(json!({ "filename": "" })), "filename", "INVALID"),
        (&alice, attachment(json!({ "conversationId": null })), "conversationId", "INVALID"),
        (&carol, attachment(json!({})), "conversationId", "NOT_FOUND"),
        (&alice, attachment(json!({ "waveform": [1, 2] })), "waveform", "INVALID"),
        (&alice, attachment(json!({ "voice": true, "waveform": vec![1; 257] })), "waveform", "INVALID"),
        (&alice, attachment(json!({ "voice": true, "waveform": [300] })), "waveform", "INVALID"),
        (
            &alice,
            json!({ "purpose": "AVATAR", "conversationId": room, "filename": "a.png", "byteSize": 10 }),
            "conversationId",
            "INVALID",
        ),
    ] {
        let p = create_upload(&app, who, input.clone()).await;
        assert_eq!(p["uploadUrl"], Value::Null, "{input}");
        assert_eq!(
            (p["userErrors"][0]["field"].as_str(), p["userErrors"][0]["code"].as_str()),
            (Some(field), Some(code)),
            "{input}: {p}"
        );
    }
    assert_eq!(app.snapshot().await, before);
}

/// Attaching what is not yours, not for this conversation, not finished, or
/// too many: one userError, and no message.
#[tokio::test]
async fn only_own_finished_uploads_for_the_conversation_attach() {
    let (app, alice, bob, room) = room_of_two().await;
    let other = app.create_room(&alice, "Other").await;
    let bobs = uploaded(&app, &bob, &room, "b.png", png(3, 3)).await;
    let elsewhere = uploaded(&app, &alice, &other, "o.png", png(3, 3)).await;
    let pending = create_upload(
        &app,
        &alice,
        json!({ "purpose": "ATTACHMENT", "conversationId": room, "filename": "p.png", "byteSize": 10 }),
    )
    .await;
    let pending = pending["attachment"]["id"].as_str().unwrap().to_string();
    let mut eleven = Vec::new();
    for i in 0..11 {
        eleven.push(uploaded(&app, &alice, &room, &format!("{i}.png"), png(2, 2)).await);
    }
    let before = app.snapshot().await;
    let ten: Vec<&str> = eleven.iter().take(10).map(String::as_str).collect();
    let all: Vec<&str> = eleven.iter().map(String::as_str).collect();
    for (case, ids) in [
        ("someone-elses", vec![bobs.as_str()]),
        ("another-conversations", vec![elsewhere.as_str()]),
        ("unfinished", vec![pending.as_str()]),
        ("eleven", all.clone()),
        ("twice", vec![ten[0], ten[0]]),
        ("made-up", vec!["QXR0YWNobWVudDo5OTk5OTk"]),
    ] {
        let sent = send_with(&app, &alice, &room, "", &format!("c-{case}"), &ids).await;
        assert_eq!(sent["message"], Value::Null, "{case}");
        assert_eq!(sent["userErrors"][0]["field"], "attachmentIds", "{case}: {sent}");
    }
    assert_eq!(app.snapshot().await, before);
    // Ten of one's own is fine, and then they are used.
    let sent = send_with(&app, &alice, &room, "", "c-ten", &ten).await;
    assert_eq!(sent["message"]["attachments"].as_array().unwrap().len(), 10, "{sent}");
    let again = send_with(&app, &alice, &room, "", "c-ten-again", &ten[..1]).await;
    assert_eq!(again["userErrors"][0]["field"], "attachmentIds");
    // Without attachments the body is still required.
    let empty = send_with(&app, &alice, &room, " ", "c-empty", &[]).await;
    assert_eq!(empty["userErrors"][0]["field"], "body");
}

/// A file far larger than a GraphQL body (64 KiB) streams through the PUT and
/// comes back byte for byte, as a download.
#[tokio::test]
async fn a_large_file_streams_through_and_back() {
    let (app, alice, bob, room) = room_of_two().await;
    let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let id = uploaded(&app, &alice, &room, "data.bin", bytes.clone()).await;
    send_with(&app, &alice, &room, "", "c-big", &[&id]).await;
    let q = "query($c: ID!){ conversation(id:$c){ messages(last: 1){ edges{ node{ attachments{ kind byteSize url } } } } } }";
    let r = app.gql(Some(&bob), q, json!({ "c": room })).await;
    let a = &r["data"]["conversation"]["messages"]["edges"][0]["node"]["attachments"][0];
    assert_eq!((a["kind"].as_str(), a["byteSize"].as_i64()), (Some("FILE"), Some(3_000_000)));
    let (status, headers, got) = fetch(&app, a["url"].as_str().unwrap(), None).await;
    assert_eq!(status, 200);
    assert!(headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert!(got == bytes, "the download differs from the upload");
}

/// `createUpload` has a per-user rate (`JECO_UPLOAD_RATE` a minute): over it,
/// a `RATE_LIMITED` userError and no row; other users are not affected.
#[tokio::test]
async fn uploads_are_rate_limited_per_user() {
    let app = spawn_app_with(Opts {
        media: jeco_api::media::MediaConfig { upload_rate: 2, ..Opts::default().media },
        ..Opts::default()
    })
    .await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let room = app.create_room(&alice, "General").await;
    app.join(&bob, &room).await;
    let input =
        json!({ "purpose": "ATTACHMENT", "conversationId": room, "filename": "a.png", "byteSize": 10 });
    for _ in 0..2 {
        assert_eq!(create_upload(&app, &alice, input.clone()).await["userErrors"], json!([]));
    }
    let rows = app.count("attachments").await;
    let over = create_upload(&app, &alice, input.clone()).await;
    assert_eq!(over["userErrors"][0]["code"], "RATE_LIMITED", "{over}");
    assert_eq!(app.count("attachments").await, rows);
    assert_eq!(create_upload(&app, &bob, input).await["userErrors"], json!([]));
}
