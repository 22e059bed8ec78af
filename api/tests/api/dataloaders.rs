use serde_json::json;

use crate::helpers::*;

async fn statements(app: &TestApp) -> u64 {
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
