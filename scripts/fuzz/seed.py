"""Seeds a running Jeco server for the fuzz step and writes schemathesis's
configuration: a personal access token of a user with data (a token that
`logout` cannot end), and a dictionary of real ids, usernames and cursors so
generated requests reach the resolvers, not only the "not found" answers.

Usage: seed.py BASE_URL OUT_DIR   (writes OUT_DIR/schemathesis.toml and OUT_DIR/token)
"""

import json
import sys
import urllib.request


def gql(base, query, variables=None, token=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    req = urllib.request.Request(base + "/graphql", data=body, headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as resp:
        out = json.load(resp)
    if out.get("errors"):
        raise SystemExit(f"seed request failed: {query[:60]}: {out['errors']}")
    return out["data"]


def payload(data, field):
    p = data[field]
    if p.get("userErrors"):
        raise SystemExit(f"seed {field}: {p['userErrors']}")
    return p


def register(base, name):
    q = "mutation($i: RegisterInput!){ register(input:$i){ accessToken user{ id } userErrors{ message } } }"
    i = {"username": name, "email": f"{name}@example.com", "password": f"password-{name}"}
    p = payload(gql(base, q, {"i": i}), "register")
    return p["accessToken"], p["user"]["id"]


def main():
    base, out_dir = sys.argv[1].rstrip("/"), sys.argv[2]
    alice, alice_id = register(base, "alice")
    bob, bob_id = register(base, "bob")
    _carol, carol_id = register(base, "carol")

    def mutate(token, name, input_type, fields, i):
        q = f"mutation($i: {input_type}!){{ {name}(input:$i){{ {fields} userErrors{{ message }} }} }}"
        return payload(gql(base, q, {"i": i}, token), name)

    room = mutate(alice, "createRoom", "CreateRoomInput", "conversation{ id }", {"name": "general"})
    room = room["conversation"]["id"]
    secret = mutate(bob, "createRoom", "CreateRoomInput", "conversation{ id }",
                    {"name": "bobs-secret", "visibility": "PRIVATE"})["conversation"]["id"]
    mutate(bob, "joinRoom", "JoinRoomInput", "conversation{ id }", {"conversationId": room})
    direct = mutate(alice, "openDirectConversation", "OpenDirectConversationInput", "conversation{ id }",
                    {"userId": bob_id})["conversation"]["id"]
    messages = []
    for n, (token, conv, body) in enumerate([
        (alice, room, "hello **world** deploy"), (bob, room, "hi @alice, the deployment finished"),
        (alice, direct, "東京タワーへ行く"), (bob, direct, "see `code` and https://example.com"),
        (bob, secret, "a private note"),
    ]):
        m = mutate(token, "sendMessage", "SendMessageInput", "message{ id }",
                   {"conversationId": conv, "body": body, "clientId": f"seed-{n}"})
        messages.append(m["message"]["id"])
    mutate(alice, "toggleReaction", "ToggleReactionInput", "message{ id }", {"messageId": messages[1], "emoji": "👍"})
    mutate(alice, "pinMessage", "PinMessageInput", "message{ id }", {"messageId": messages[0]})
    mutate(alice, "addContact", "ContactInput", "user{ id }", {"userId": carol_id})
    pat = mutate(alice, "createAccessToken", "CreateAccessTokenInput", "token accessToken{ id }",
                 {"name": "fuzz", "password": "password-alice"})
    token = pat["token"]
    data = gql(base, "{ notifications { nodes { id } } conversations { pageInfo { endCursor } } "
                     "eventCursor }", token=bob)
    notifications = [n["id"] for n in data["notifications"]["nodes"]]
    cursors = [c for c in [data["conversations"]["pageInfo"]["endCursor"], data["eventCursor"]] if c]
    ids = [alice_id, bob_id, carol_id, room, secret, direct, *messages, *notifications]
    words = ["alice", "bob", "carol", "general", "deploy", "東京", "👍", "password-alice"]
    with open(f"{out_dir}/token", "w") as f:
        f.write(token)
    with open(f"{out_dir}/schemathesis.toml", "w") as f:
        f.write(toml(ids, cursors, words))
    print(f"seeded: 3 users, 3 conversations, {len(messages)} messages, {len(notifications)} notifications")


def toml(ids, cursors, words):
    def values(xs):
        return "[" + ", ".join(json.dumps(x, ensure_ascii=False) for x in xs) + "]"

    return "\n".join([
        "[dictionaries.ids]", f"values = {values(ids)}", "",
        "[dictionaries.cursors]", f"values = {values(cursors)}", "",
        "[dictionaries.words]", f"values = {values(words)}", "",
        "[dictionaries.sizes]", "values = [0, 1, 2, 20, 100]", "",
        "[parameters]",
        '"*.*.id" = { dictionary = "ids", probability = 0.8 }',
        '"*.*.ids[*]" = { dictionary = "ids", probability = 0.8 }',
        '"*.*.userIds[*]" = { dictionary = "ids", probability = 0.8 }',
        '"*.*.conversationId" = { dictionary = "ids", probability = 0.8 }',
        '"*.*.senderId" = { dictionary = "ids", probability = 0.8 }',
        '"*.*.input.conversationId" = { dictionary = "ids", probability = 0.8 }',
        '"*.*.input.messageId" = { dictionary = "ids", probability = 0.8 }',
        '"*.*.input.userId" = { dictionary = "ids", probability = 0.8 }',
        '"*.*.input.replyToId" = { dictionary = "ids", probability = 0.5 }',
        '"*.*.input.upToMessageId" = { dictionary = "ids", probability = 0.8 }',
        '"*.*.input.ids[*]" = { dictionary = "ids", probability = 0.8 }',
        '"*.*.after" = { dictionary = "cursors", probability = 0.2 }',
        '"*.*.before" = { dictionary = "cursors", probability = 0.2 }',
        '"*.*.query" = { dictionary = "words", probability = 0.5 }',
        '"*.*.first" = { dictionary = "sizes", probability = 0.7 }',
        '"*.*.last" = { dictionary = "sizes", probability = 0.7 }',
        '"*.*.username" = { dictionary = "words", probability = 0.5 }',
        "",
    ])


if __name__ == "__main__":
    main()
