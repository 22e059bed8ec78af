//! The authorization matrix: every conversation-scoped operation, tried by an
//! anonymous caller, a stranger, a plain member, an admin and the owner of a
//! private room. Every denial is asserted to have written nothing. (Author-only
//! operations, edit and delete, arrive with issue 4.)

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
    let roles =
        [("anon", &who.anon), ("stranger", &who.stranger), ("member", &who.member), ("owner", &who.owner)];
    for (op, query, vars, expected) in mutations(&room, &msg, &other_id, &stranger_id) {
        for (i, (role, token)) in roles.iter().enumerate() {
            let query = query.replace("$ROLE", role);
            let want = expected[i];
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
        for (i, (role, token)) in roles.iter().enumerate() {
            if expected[i] != "ok"
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
