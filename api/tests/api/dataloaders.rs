use serde_json::{json, Value};

use crate::helpers::*;

/// The server's `jeco_sql_statements_total`.
pub(crate) async fn statements(app: &TestApp) -> u64 {
    let text = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("jeco_sql_statements_total "))
        .and_then(|n| n.trim().parse().ok())
        .expect("counter in /metrics")
}

/// A page of 10 and a page of 100 messages, each with its sender, readers and
/// conversation, cost the same small number of SQL statements.
#[tokio::test]
async fn message_pages_do_not_fan_out_into_per_row_queries() {
    // A long tailer poll keeps background reads out of the measurement, and a
    // wide batching window keeps timing from splitting a batch (enqueueing a
    // 100-row page's keys can outlast the default 1 ms in a debug build): what
    // is left is the structure, which must not depend on the page size.
    let app = spawn_app_with(Opts { log_poll_ms: 60_000, batch_delay_ms: 25, ..Opts::default() }).await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let (carol, _) = app.register("carol").await;
    let room = app.create_room(&alice, "General").await;
    app.join(&bob, &room).await;
    app.join(&carol, &room).await;
    let mut ids = Vec::new();
    for i in 0..100 {
        let sender = [&alice, &bob, &carol][i % 3];
        ids.push(
            app.send(sender, &room, &format!("m{i}"), &format!("c{i}")).await["message"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let mark = "mutation($c: ID!, $m: ID!){ markRead(input:{conversationId:$c, upToMessageId:$m}){ userErrors{ code } } }";
    app.gql(Some(&bob), mark, json!({ "c": room, "m": ids[40] })).await;
    app.gql(Some(&carol), mark, json!({ "c": room, "m": ids[90] })).await;
    // Let the tailer's short after-commit retries finish.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    let q = "query($id: ID!, $n: Int!){ conversation(id:$id){ name memberCount unreadCount messages(last:$n){ nodes{ id body sender{ username displayName } seenBy{ username } conversation{ name memberCount viewerRole } } } } }";
    // Each page size three times.
    let mut cost = std::collections::BTreeMap::new();
    for n in [10, 100, 10, 100, 10, 100] {
        let before = statements(&app).await;
        let r = app.gql(Some(&alice), q, json!({ "id": room, "n": n })).await;
        let after = statements(&app).await;
        assert_eq!(r["data"]["conversation"]["messages"]["nodes"].as_array().unwrap().len(), n as usize);
        cost.entry(n).or_insert_with(Vec::new).push(after - before);
    }
    let min = |n: i64| *cost[&n].iter().min().unwrap();
    let max = |n: i64| *cost[&n].iter().max().unwrap();
    assert!(
        min(10) == max(100) && max(10) == min(100),
        "statements per page of 10 vs 100 messages: {cost:?}"
    );
    assert!(min(10) <= 10, "a page costs {} statements", min(10));
}

/// The web app's history page costs the same statements whatever the page
/// holds (replies, reactions, pins, readers, or none of them) and however the
/// batches happen to be timed: each relation is read once, ahead of the nodes.
#[tokio::test]
async fn a_history_page_costs_a_fixed_number_of_statements() {
    // Default batching window (1 ms): the count must not rest on timing.
    let app = spawn_app_with(Opts { log_poll_ms: 60_000, ..Opts::default() }).await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let (carol, _) = app.register("carol").await;
    let bare = app.create_room(&alice, "Bare").await;
    let rich = app.create_room(&alice, "Rich").await;
    for room in [&bare, &rich] {
        app.join(&bob, room).await;
        app.join(&carol, room).await;
    }
    for i in 0..30 {
        app.send(&alice, &bare, &format!("plain {i}"), &format!("b{i}")).await;
    }
    let mut ids = Vec::new();
    for i in 0..30 {
        let sender = [&alice, &bob, &carol][i % 3];
        let id = app.send(sender, &rich, &format!("m{i}"), &format!("r{i}")).await["message"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        ids.push(id);
    }
    let fields = "message{ id }";
    for (i, id) in ids.iter().enumerate().skip(20).step_by(3) {
        let input = json!({ "conversationId": rich, "body": format!("re {i}"), "clientId": format!("re{i}"), "replyToId": ids[i - 15] });
        app.mutate(Some(&bob), "sendMessage", "SendMessageInput", input, fields).await;
        for (who, emoji) in [(&alice, "👍"), (&carol, "👍"), (&bob, "🎉")] {
            let input = json!({ "messageId": id, "emoji": emoji });
            app.mutate(Some(who), "toggleReaction", "ToggleReactionInput", input, fields).await;
        }
    }
    for id in [&ids[2], &ids[25]] {
        app.mutate(Some(&alice), "pinMessage", "PinMessageInput", json!({ "messageId": id }), fields).await;
    }
    let mark = "mutation($c: ID!, $m: ID!){ markRead(input:{conversationId:$c, upToMessageId:$m}){ userErrors{ code } } }";
    app.gql(Some(&bob), mark, json!({ "c": rich, "m": ids[22] })).await;
    app.gql(Some(&carol), mark, json!({ "c": rich, "m": ids[28] })).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    let history = crate::ops::op("ConversationHistory");
    let mut cost: std::collections::BTreeMap<&str, Vec<u64>> = Default::default();
    for _ in 0..4 {
        for (name, room) in [("bare", &bare), ("rich", &rich)] {
            let before = statements(&app).await;
            let r = app.gql(Some(&alice), history, json!({ "id": room, "last": 20 })).await;
            let after = statements(&app).await;
            assert!(r["errors"].is_null(), "{r}");
            let c = &r["data"]["conversation"];
            let nodes = c["messages"]["nodes"].as_array().unwrap();
            assert_eq!(nodes.len(), 20);
            if name == "rich" {
                // The page really holds what the bare one lacks, resolved right.
                let replies: Vec<&Value> = nodes.iter().filter(|n| !n["replyTo"].is_null()).collect();
                assert_eq!(replies.len(), 4, "{c}");
                for n in &replies {
                    let parent = n["replyTo"]["body"].as_str().unwrap();
                    assert!(parent.starts_with('m'), "{parent}");
                    assert!(n["replyTo"]["sender"]["username"].is_string(), "{n}");
                }
                let reacted = nodes.iter().filter(|n| !n["reactions"].as_array().unwrap().is_empty()).count();
                assert_eq!(reacted, 4, "{c}");
                let thumbs = nodes.iter().find_map(|n| {
                    n["reactions"].as_array().unwrap().iter().find(|g| g["emoji"] == "👍").cloned()
                });
                let thumbs = thumbs.expect("a 👍 group");
                assert_eq!(thumbs["count"], 2);
                assert_eq!(thumbs["reactedByViewer"], true);
                let pins: Vec<&str> = c["pinnedMessages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m["body"].as_str().unwrap())
                    .collect();
                assert_eq!(pins, ["m25", "m2"]);
                assert!(c["pinnedMessages"][0]["sender"]["username"].is_string());
                let seen = |body: &str| -> Vec<String> {
                    let n = nodes.iter().find(|n| n["body"] == body).unwrap();
                    let mut users: Vec<String> = n["seenBy"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|u| u["username"].as_str().unwrap().into())
                        .collect();
                    users.sort();
                    users
                };
                assert_eq!(seen("m21"), ["bob", "carol"]);
                assert_eq!(seen("m27"), ["carol"]);
            } else {
                assert!(c["pinnedMessages"].as_array().unwrap().is_empty());
                assert!(nodes.iter().all(|n| n["replyTo"].is_null() && n["reactions"] == json!([])));
            }
            cost.entry(name).or_default().push(after - before);
        }
    }
    let all: std::collections::BTreeSet<u64> = cost.values().flatten().copied().collect();
    assert_eq!(all.len(), 1, "statements per history page: {cost:?}");
}
