//! The authorization matrix: every conversation-scoped operation, tried by an
//! anonymous caller, a stranger, a plain member, an admin and the owner of a
//! private room, and for message operations also the message's author. Every
//! denial is asserted to have written nothing.

use serde_json::{json, Value};

use crate::helpers::*;

struct Who {
    anon: Option<String>,
    stranger: Option<String>,
    member: Option<String>,
    admin: Option<String>,
    owner: Option<String>,
}

/// (operation, query, expected code per role: anon, stranger, member, admin, owner; "ok" = allowed)
fn mutations(
    room: &str,
    msg: &str,
    other_member_id: &str,
    stranger_id: &str,
) -> Vec<(&'static str, String, Value, [&'static str; 5])> {
    vec![
        ("sendMessage", "mutation($c: ID!){ sendMessage(input:{conversationId:$c, body:\"x\", clientId:\"m-$ROLE\"}){ userErrors{ code } } }".into(), json!({ "c": room }), ["UNAUTHENTICATED", "NOT_FOUND", "ok", "ok", "ok"]),
        ("markRead", "mutation($c: ID!, $m: ID!){ markRead(input:{conversationId:$c, upToMessageId:$m}){ userErrors{ code } } }".into(), json!({ "c": room, "m": msg }), ["UNAUTHENTICATED", "NOT_FOUND", "ok", "ok", "ok"]),
        ("setTyping", "mutation($c: ID!){ setTyping(input:{conversationId:$c}){ userErrors{ code } } }".into(), json!({ "c": room }), ["UNAUTHENTICATED", "NOT_FOUND", "ok", "ok", "ok"]),
        ("joinRoom", "mutation($c: ID!){ joinRoom(input:{conversationId:$c}){ userErrors{ code } } }".into(), json!({ "c": room }), ["UNAUTHENTICATED", "NOT_FOUND", "ok", "ok", "ok"]),
        ("inviteToRoom", "mutation($c: ID!, $u: ID!){ inviteToRoom(input:{conversationId:$c, userId:$u}){ userErrors{ code } } }".into(), json!({ "c": room, "u": stranger_id }), ["UNAUTHENTICATED", "NOT_FOUND", "FORBIDDEN", "ok", "ok"]),
        ("removeMember", "mutation($c: ID!, $u: ID!){ removeMember(input:{conversationId:$c, userId:$u}){ userErrors{ code } } }".into(), json!({ "c": room, "u": other_member_id }), ["UNAUTHENTICATED", "NOT_FOUND", "FORBIDDEN", "ok", "ok"]),
        ("leaveRoom", "mutation($c: ID!){ leaveRoom(input:{conversationId:$c}){ userErrors{ code } } }".into(), json!({ "c": room }), ["UNAUTHENTICATED", "NOT_FOUND", "ok", "ok", "ok"]),
    ]
}

async fn setup() -> (TestApp, Who, String, String, String, String) {
    let app = spawn_app().await;
    let (owner, _) = app.register("owner").await;
    let (member, member_id) = app.register("member").await;
    let (stranger, stranger_id) = app.register("stranger").await;
    let (_, other_id) = app.register("other").await;
    let (admin, admin_id) = app.register("admin").await;
    let r = app
        .gql(
            Some(&owner),
            "mutation{ createRoom(input:{name:\"Secret\", visibility: PRIVATE}){ conversation{ id } } }",
            json!({}),
        )
        .await;
    let room = r["data"]["createRoom"]["conversation"]["id"].as_str().unwrap().to_string();
    for invitee in [&member_id, &other_id, &admin_id] {
        app.gql(Some(&owner), "mutation($c: ID!, $u: ID!){ inviteToRoom(input:{conversationId:$c, userId:$u}){ userErrors{ code } } }", json!({ "c": room, "u": invitee })).await;
    }
    app.gql(Some(&owner), "mutation($c: ID!, $u: ID!){ setMemberRole(input:{conversationId:$c, userId:$u, admin: true}){ userErrors{ code } } }", json!({ "c": room, "u": admin_id })).await;
    let msg = app.send(&owner, &room, "hello", "h").await["message"]["id"].as_str().unwrap().to_string();
    (
        app,
        Who {
            anon: None,
            stranger: Some(stranger),
            member: Some(member),
            admin: Some(admin),
            owner: Some(owner),
        },
        room,
        msg,
        other_id,
        stranger_id,
    )
}

#[tokio::test]
async fn every_mutation_by_every_role() {
    // Denials first (they must change nothing), then the allowed calls, in an
    // order where earlier ones do not undo later ones (leave and remove last).
    let (app, who, room, msg, other_id, stranger_id) = setup().await;
    // Indexes into the expected columns (anon, stranger, member, admin, owner).
    // The admin's allowed calls are skipped below: they would remove the
    // member the owner's call removes; its denials would still be checked.
    let roles = [
        ("anon", &who.anon, 0),
        ("stranger", &who.stranger, 1),
        ("member", &who.member, 2),
        ("admin", &who.admin, 3),
        ("owner", &who.owner, 4),
    ];
    for (op, query, vars, expected) in mutations(&room, &msg, &other_id, &stranger_id) {
        for (role, token, i) in &roles {
            let query = query.replace("$ROLE", role);
            let want = expected[*i];
            if want == "ok" {
                continue;
            }
            let before = app.snapshot().await;
            let r = app.gql(token.as_deref(), &query, vars.clone()).await;
            assert_eq!(r["data"][op]["userErrors"][0]["code"], want, "{op} as {role}: {r}");
            assert_eq!(app.snapshot().await, before, "{op} as {role} wrote something");
        }
    }
    for (op, query, vars, expected) in mutations(&room, &msg, &other_id, &stranger_id) {
        for (role, token, i) in &roles {
            if expected[*i] != "ok"
                || *role == "admin"
                || (op == "leaveRoom" && *role == "owner")
                || (op == "leaveRoom" && *role == "member")
            {
                continue;
            }
            let r = app.gql(token.as_deref(), &query.replace("$ROLE", role), vars.clone()).await;
            assert_eq!(r["data"][op]["userErrors"], json!([]), "{op} as {role}: {r}");
        }
    }
}

/// Message-scoped operations and room settings, by anonymous, stranger, plain
/// member, the message's author (a plain member too), admin and owner.
#[tokio::test]
async fn every_message_operation_by_every_role_including_the_author() {
    let (app, who, room, _, _, _) = setup().await;
    let (author, author_id) = app.register("author").await;
    app.gql(who.owner.as_deref(), "mutation($c: ID!, $u: ID!){ inviteToRoom(input:{conversationId:$c, userId:$u}){ userErrors{ code } } }", json!({ "c": room, "u": author_id })).await;
    let msg =
        app.send(&author, &room, "by the author", "a-1").await["message"]["id"].as_str().unwrap().to_string();
    let roles: [(&str, Option<&str>); 6] = [
        ("anon", None),
        ("stranger", who.stranger.as_deref()),
        ("member", who.member.as_deref()),
        ("author", Some(author.as_str())),
        ("admin", who.admin.as_deref()),
        ("owner", who.owner.as_deref()),
    ];
    let m = json!({ "m": msg });
    let c = json!({ "c": room });
    // (operation, query, variables, expected per role in the order above)
    let ops: Vec<(&str, &str, &Value, [&str; 6])> = vec![
        ("editMessage", "mutation($m: ID!){ editMessage(input:{messageId:$m, body:\"edited by $ROLE\"}){ userErrors{ code } } }", &m, ["UNAUTHENTICATED", "NOT_FOUND", "FORBIDDEN", "ok", "FORBIDDEN", "FORBIDDEN"]),
        ("toggleReaction", "mutation($m: ID!){ toggleReaction(input:{messageId:$m, emoji:\"👍\"}){ userErrors{ code } } }", &m, ["UNAUTHENTICATED", "NOT_FOUND", "ok", "ok", "ok", "ok"]),
        ("pinMessage", "mutation($m: ID!){ pinMessage(input:{messageId:$m}){ userErrors{ code } } }", &m, ["UNAUTHENTICATED", "NOT_FOUND", "ok", "ok", "ok", "ok"]),
        ("unpinMessage", "mutation($m: ID!){ unpinMessage(input:{messageId:$m}){ userErrors{ code } } }", &m, ["UNAUTHENTICATED", "NOT_FOUND", "ok", "ok", "ok", "ok"]),
        ("updateRoom", "mutation($c: ID!){ updateRoom(input:{conversationId:$c, topic:\"by $ROLE\"}){ userErrors{ code } } }", &c, ["UNAUTHENTICATED", "NOT_FOUND", "FORBIDDEN", "FORBIDDEN", "ok", "ok"]),
        ("deleteMessage", "mutation($m: ID!){ deleteMessage(input:{messageId:$m}){ userErrors{ code } } }", &m, ["UNAUTHENTICATED", "NOT_FOUND", "FORBIDDEN", "ok", "ok", "ok"]),
    ];
    for (op, query, vars, expected) in &ops {
        for (i, (role, token)) in roles.iter().enumerate() {
            if expected[i] == "ok" {
                continue;
            }
            let before = app.snapshot().await;
            let r = app.gql(*token, &query.replace("$ROLE", role), (*vars).clone()).await;
            assert_eq!(r["data"][op]["userErrors"][0]["code"], expected[i], "{op} as {role}: {r}");
            assert_eq!(app.snapshot().await, before, "{op} as {role} wrote something");
        }
    }
    // The allowed calls succeed (the delete last: a tombstone refuses edits;
    // the first allowed delete makes the later ones no-ops, which succeed too).
    for (op, query, vars, expected) in &ops {
        for (i, (role, token)) in roles.iter().enumerate() {
            if expected[i] == "ok" {
                let r = app.gql(*token, &query.replace("$ROLE", role), (*vars).clone()).await;
                assert_eq!(r["data"][op]["userErrors"], json!([]), "{op} as {role}: {r}");
            }
        }
    }
}

#[tokio::test]
async fn every_read_and_subscription_by_every_role() {
    let (app, who, room, msg, _, _) = setup().await;
    let read = "query($c: ID!, $m: ID!){ conversation(id:$c){ id } node(id:$m){ id } }";
    for (token, visible) in
        [(&who.anon, false), (&who.stranger, false), (&who.member, true), (&who.owner, true)]
    {
        let r = app.gql(token.as_deref(), read, json!({ "c": room, "m": msg })).await;
        assert_eq!(r["data"]["conversation"].is_object(), visible, "{r}");
        assert_eq!(r["data"]["node"].is_object(), visible, "{r}");
    }
    let subs = [
        ("subscription($c: ID!){ conversationEvents(conversationId:$c){ cursor } }", true),
        ("subscription($c: ID!){ typing(conversationId:$c){ typing } }", true),
        ("subscription{ presence { online } }", false),
        ("subscription{ notifications { cursor } }", false),
    ];
    for (query, scoped) in subs {
        for (token, allowed) in
            [(&who.anon, false), (&who.stranger, !scoped), (&who.member, true), (&who.admin, true)]
        {
            let mut ws = app.ws_raw(None).await.unwrap();
            let payload = match token {
                Some(t) => json!({ "authToken": t }),
                None => json!({}),
            };
            ws.send(json!({ "type": "connection_init", "payload": payload })).await;
            assert_eq!(ws.recv().await.unwrap()["type"], "connection_ack");
            let variables = if scoped { json!({ "c": room }) } else { json!({}) };
            ws.send(json!({ "id": "1", "type": "subscribe", "payload": { "query": query, "variables": variables } })).await;
            if allowed {
                // Allowed: no error within a moment (events may or may not come).
                let first = tokio::time::timeout(std::time::Duration::from_millis(400), ws.recv()).await;
                if let Ok(Some(m)) = first {
                    assert_eq!(m["type"], "next", "{query}: {m}");
                }
            } else {
                let m = ws.recv().await.unwrap();
                assert_eq!(m["type"], "error", "{query}: {m}");
            }
        }
    }
}
