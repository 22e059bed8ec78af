//! searchMessages: any language, substring fallback, filters, newest first,
//! snippets, and never a message from a conversation the viewer is not in.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::ops::op;

const SEARCH: &str = "query($q: String!, $c: ID, $s: ID, $since: DateTime, $until: DateTime, $first: Int, $after: String){ searchMessages(query: $q, conversationId: $c, senderId: $s, since: $since, until: $until, first: $first, after: $after){ edges{ cursor snippet highlights{ start end } node{ body sender{ username } conversation{ name } } } pageInfo{ hasNextPage endCursor } } }";

async fn search(app: &TestApp, token: &str, vars: Value) -> Value {
    app.gql(Some(token), SEARCH, vars).await
}

fn bodies(r: &Value) -> Vec<String> {
    r["data"]["searchMessages"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .map(|e| e["node"]["body"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn finds_words_in_any_language_newest_first_only_where_the_viewer_is() {
    let app = spawn_app().await;
    let (alice, alice_id) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let room = app.create_room(&alice, "General").await;
    app.join(&bob, &room).await;
    let secret = app.create_room(&bob, "Secret").await;
    for (i, (who, body)) in [
        (&alice, "The deployment finished"),
        (&bob, "Привет, деплой готов"),
        (&alice, "東京タワーへ行きました"),
        (&bob, "deploying again tomorrow"),
        (&alice, "Café crème, s'il vous plaît"),
    ]
    .iter()
    .enumerate()
    {
        app.send(who, &room, body, &format!("m-{i}")).await;
    }
    app.send(&bob, &secret, "deploy keys are in the vault", "s-1").await;
    // Word prefixes, newest first; bob's private room never shows for alice.
    let r = search(&app, &alice, json!({ "q": "deploy" })).await;
    assert_eq!(bodies(&r), ["deploying again tomorrow", "The deployment finished"]);
    let r = search(&app, &bob, json!({ "q": "deploy" })).await;
    assert_eq!(bodies(&r)[0], "deploy keys are in the vault");
    // Cyrillic words, case-insensitively; accents kept.
    assert_eq!(bodies(&search(&app, &alice, json!({ "q": "ПРИВЕТ" })).await), ["Привет, деплой готов"]);
    assert_eq!(bodies(&search(&app, &alice, json!({ "q": "crème" })).await), ["Café crème, s'il vous plaît"]);
    // No spaces between words: a substring in the middle still matches.
    let r = search(&app, &alice, json!({ "q": "タワー" })).await;
    assert_eq!(bodies(&r), ["東京タワーへ行きました"]);
    let edge = &r["data"]["searchMessages"]["edges"][0];
    assert_eq!(edge["snippet"], "東京タワーへ行きました");
    assert_eq!(edge["highlights"], json!([{ "start": 2, "end": 5 }]));
    // Filters: sender, conversation, dates.
    assert_eq!(
        bodies(&search(&app, &alice, json!({ "q": "deploy", "s": alice_id })).await),
        ["The deployment finished"]
    );
    assert!(bodies(&search(&app, &alice, json!({ "q": "deploy", "c": secret })).await).is_empty());
    assert!(bodies(&search(&app, &alice, json!({ "q": "deploy", "since": "2999-01-01T00:00:00Z" })).await)
        .is_empty());
    assert_eq!(
        bodies(&search(&app, &alice, json!({ "q": "deploy", "until": "2999-01-01T00:00:00Z" })).await).len(),
        2
    );
    // Paging continues after the cursor without repeats.
    let p1 = search(&app, &alice, json!({ "q": "deploy", "first": 1 })).await;
    assert_eq!(p1["data"]["searchMessages"]["pageInfo"]["hasNextPage"], true);
    let after = p1["data"]["searchMessages"]["pageInfo"]["endCursor"].clone();
    assert_eq!(
        bodies(&search(&app, &alice, json!({ "q": "deploy", "first": 1, "after": after })).await),
        ["The deployment finished"]
    );
    // Deleted messages are not found; after leaving a room, its messages are not either.
    let sql = "SELECT count(*) AS n FROM messages WHERE body LIKE '%deploy%'";
    assert_eq!(app.scalar(sql).await, 3);
    app.gql(Some(&bob), op("LeaveRoom"), json!({ "input": { "conversationId": room } })).await;
    assert_eq!(bodies(&search(&app, &bob, json!({ "q": "deploy" })).await), ["deploy keys are in the vault"]);
}

#[tokio::test]
async fn bad_queries_are_refused_clearly() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    for (vars, needle) in [
        (json!({ "q": "   " }), "type something"),
        (json!({ "q": "x".repeat(201) }), "at most 200"),
        (json!({ "q": "x", "first": 101 }), "between 0 and 100"),
        (json!({ "q": "x", "after": "garbage" }), "invalid cursor"),
        (
            json!({ "q": "x", "since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z" }),
            "before until",
        ),
    ] {
        let r = search(&app, &alice, vars.clone()).await;
        let msg = r["errors"][0]["message"].as_str().unwrap_or_else(|| panic!("{vars}: {r}"));
        assert!(msg.contains(needle), "{vars}: {msg}");
    }
    let anon = app.gql(None, SEARCH, json!({ "q": "x" })).await;
    assert_eq!(anon["errors"][0]["message"], "log in first");
    // SQL and LIKE metacharacters are just text.
    for q in ["'; DROP TABLE messages; --", "100% _done_ \\"] {
        let r = search(&app, &alice, json!({ "q": q })).await;
        assert!(r["errors"].is_null(), "{q}: {r}");
    }
    // Without a word of two letters or digits no index narrows the search: refused.
    for q in ["%", "_", "\\", "!!! ...", "a b c", "x %"] {
        let r = search(&app, &alice, json!({ "q": q })).await;
        assert_eq!(
            r["errors"][0]["message"], "search for a word of at least 2 letters or digits",
            "{q}: {r}"
        );
        assert_eq!(r["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{q}: {r}");
    }
    assert_eq!(app.count("messages").await, 0);
}
