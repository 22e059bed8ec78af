//! An event resolved once for every subscriber of the same operation
//! (`graphql::events::shared`) still gives each subscriber exactly what the
//! GraphQL spec says its own query selects: per-viewer signed URLs,
//! `reactedByViewer`, and viewer-keyed fields, compared against the same
//! selection resolved for that viewer alone (a `node` query). The metrics prove
//! the sharing happened.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::*;
use crate::media_files::*;
use crate::ws_client::{log_start, Ws};

/// The message selection, with every per-viewer field the web app uses.
const MESSAGE: &str = "id body sender{ id username avatarUrl(size: 64) } \
    attachments{ id kind url thumbnailUrl } reactions{ emoji count reactedByViewer users{ id } } \
    replyTo{ id body }";

fn events_query(message: &str) -> String {
    format!(
        "subscription($c: ID!, $after: String){{ conversationEvents(conversationId:$c, after:$after){{ cursor payload{{ __typename \
         ... on MessageCreated {{ message{{ {message} }} }} \
         ... on ReactionsChanged {{ messageId reactions{{ emoji count reactedByViewer users{{ id }} }} }} }} }} }}"
    )
}

async fn metrics(app: &TestApp) -> String {
    app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap()
}

fn resolutions(text: &str, kind: &str) -> f64 {
    let series = format!("jeco_event_resolutions_total{{kind=\"{kind}\"}} ");
    text.lines().find_map(|l| l.strip_prefix(series.as_str())?.trim().parse().ok()).unwrap_or(-1.0)
}

/// A signed URL without its expiry and signature (they move on a time grid
/// between the event and the comparison query); the rest names the file, the
/// variant and the viewer.
fn unsigned(v: &Value) -> Value {
    match v {
        Value::String(s) if s.starts_with("/media/") => {
            let (path, query) = s.split_once('?').unwrap_or((s, ""));
            let kept: Vec<&str> =
                query.split('&').filter(|p| !p.starts_with("s=") && !p.starts_with("e=")).collect();
            Value::String(format!("{path}?{}", kept.join("&")))
        }
        Value::Array(a) => Value::Array(a.iter().map(unsigned).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), unsigned(v))).collect()),
        other => other.clone(),
    }
}

/// The message as `token`'s viewer resolves it alone.
async fn alone(app: &TestApp, token: &str, id: &str, message: &str) -> Value {
    let q = format!("query($id: ID!){{ node(id:$id){{ ... on Message {{ {message} }} }} }}");
    let r = app.gql(Some(token), &q, json!({ "id": id })).await;
    assert!(r["errors"].is_null(), "{r}");
    r["data"]["node"].clone()
}

async fn next_of(ws: &mut Ws, id: &str, typename: &str) -> Value {
    tokio::time::timeout(
        Duration::from_secs(10),
        ws.event_where(id, |e| e["payload"]["__typename"] == typename),
    )
    .await
    .expect("event in time")
}

#[tokio::test]
async fn every_subscriber_gets_its_own_answer_from_one_shared_resolution() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let room = app.create_room(&alice, "shared").await;
    let mut viewers = vec![alice.clone()];
    for name in ["bob", "carol", "dave"] {
        let (t, _) = app.register(name).await;
        app.join(&t, &room).await;
        viewers.push(t);
    }
    // Alice has an avatar: each viewer's avatar URL is signed for them.
    let c = create_upload(
        &app,
        &alice,
        json!({ "purpose": "AVATAR", "filename": "a.png", "byteSize": png(8, 8).len() }),
    )
    .await;
    let (status, body) = put(&app, c["uploadUrl"].as_str().unwrap(), png(8, 8)).await;
    assert_eq!(status, 200, "{body}");
    let set = "mutation($a: ID){ updateProfile(input:{avatarId:$a}){ userErrors{ code } } }";
    app.gql(Some(&alice), set, json!({ "a": body["id"] })).await;

    let query = events_query(MESSAGE);
    // Tainting selection: the conversation's unread count is the viewer's own.
    let tainted_message = format!("{MESSAGE} conversation{{ id unreadCount }}");
    let tainted = events_query(&tainted_message);
    let after = log_start();
    // One socket per viewer and selection (a socket's test reader expects one subscription).
    let mut shared_ws = Vec::new();
    let mut tainted_ws = Vec::new();
    for t in &viewers {
        for (q, list) in [(&query, &mut shared_ws), (&tainted, &mut tainted_ws)] {
            let mut ws = app.ws(t).await;
            ws.send(json!({ "id": "e", "type": "subscribe", "payload": { "query": q, "variables": { "c": room, "after": after } } }))
                .await;
            list.push(ws);
        }
    }
    // The replays of the setup events pass first (so the counts below are the new events').
    for ws in shared_ws.iter_mut().chain(tainted_ws.iter_mut()) {
        while !ws.quiet_for(300).await {}
    }
    let before = metrics(&app).await;

    let file = uploaded(&app, &alice, &room, "p.png", png(40, 20)).await;
    let sent = send_with(&app, &alice, &room, "hello all", "c-shared-1", &[&file]).await;
    let id = sent["message"]["id"].as_str().unwrap().to_string();
    let mut urls = Vec::new();
    for (i, token) in viewers.iter().enumerate() {
        let created = next_of(&mut shared_ws[i], "e", "MessageCreated").await;
        let mine = alone(&app, token, &id, MESSAGE).await;
        let got = &created["payload"]["message"];
        assert_eq!(unsigned(got), unsigned(&mine), "shared MessageCreated differs from the viewer's own");
        urls.push(got["attachments"][0]["url"].as_str().unwrap().to_string());
        urls.push(got["sender"]["avatarUrl"].as_str().unwrap().to_string());

        let own = next_of(&mut tainted_ws[i], "e", "MessageCreated").await;
        let got = &own["payload"]["message"];
        let unread = got["conversation"]["unreadCount"].as_i64();
        assert_eq!(unread, Some(if i == 0 { 0 } else { 1 }), "{own}");
        let mine = alone(&app, token, &id, &tainted_message).await;
        assert_eq!(unsigned(got), unsigned(&mine), "tainted MessageCreated differs from the viewer's own");
    }
    // Every viewer got URLs of their own, and each one works.
    urls.sort();
    urls.dedup();
    assert_eq!(urls.len(), 2 * viewers.len(), "one attachment and one avatar URL per viewer");
    for u in &urls {
        assert_eq!(fetch(&app, u, None).await.0, 200, "{u}");
    }

    // Bob reacts: he sees `reactedByViewer: true`, everyone else `false`.
    let reacted = json!({ "messageId": id, "emoji": "👍" });
    app.mutate(Some(&viewers[1]), "toggleReaction", "ToggleReactionInput", reacted, "message{ id }").await;
    for (i, token) in viewers.iter().enumerate() {
        let mine = alone(&app, token, &id, MESSAGE).await;
        for ws in [&mut shared_ws[i], &mut tainted_ws[i]] {
            let changed = next_of(ws, "e", "ReactionsChanged").await;
            assert_eq!(
                changed["payload"]["reactions"], mine["reactions"],
                "reactions as viewer {i} sees them"
            );
            assert_eq!(changed["payload"]["reactions"][0]["reactedByViewer"], json!(i == 1));
        }
    }

    // Each event is resolved once per selection (2 × 2). The shared selection
    // serves every subscriber from it but Bob for the reaction (he reacted);
    // the tainting one serves everyone their own for the message, and shares
    // the reaction (which it selects without the conversation) but with Bob.
    let after = metrics(&app).await;
    let delta = |kind| resolutions(&after, kind) - resolutions(&before, kind);
    let n = viewers.len() as f64;
    assert_eq!(delta("shared"), 4.0, "2 events × 2 selections\n{after}");
    assert_eq!(delta("reused"), n + 2.0 * (n - 1.0), "{after}");
    assert_eq!(delta("own"), n + 2.0, "{after}");
}
