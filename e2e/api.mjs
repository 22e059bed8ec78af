// Typed-ish helpers for the Jeco GraphQL API over HTTP, used by the e2e tests to set
// up users, rooms and messages the way a third-party client would.

import { rand } from './harness.mjs';

export const PASSWORD = 'correct horse battery staple 42';

/** POST /graphql; returns `data`, throws on top-level `errors` or a non-200 answer. */
export async function gql(server, query, variables = {}, token = null) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`POST /graphql: HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`);
  }
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  if (res.status !== 200) throw new Error(`POST /graphql: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return body.data;
}

/** Fails on a mutation payload's userErrors; returns the payload. */
function ok(payload, what) {
  if (!payload) throw new Error(`${what}: no payload`);
  if (payload.userErrors?.length) throw new Error(`${what}: ${JSON.stringify(payload.userErrors)}`);
  return payload;
}

/** A fresh unique username with the given prefix (lowercase letters, digits, _). */
export const username = (prefix) => `${prefix}_${rand(3)}`;

/** Registers a new user; returns { id, username, email, password, displayName, token }. */
export async function register(server, prefix = 'user') {
  const input = newUser(prefix);
  const data = await gql(
    server,
    `mutation Register($input: RegisterInput!) {
      register(input: $input) {
        accessToken
        user { id username displayName }
        userErrors { field message code }
      }
    }`,
    { input },
  );
  const payload = ok(data.register, 'register');
  return { ...payload.user, email: input.email, password: PASSWORD, token: payload.accessToken };
}

/** A user object for registering through the web app (not registered yet). */
export function newUser(prefix) {
  const name = username(prefix);
  return {
    username: name,
    email: `${name}@example.test`,
    password: PASSWORD,
    displayName: `${prefix[0].toUpperCase()}${prefix.slice(1)} ${name.slice(-6)}`,
  };
}

/** Logs in; returns an access token. */
export async function login(server, usernameOrEmail, password = PASSWORD) {
  const data = await gql(
    server,
    `mutation Login($input: LoginInput!) {
      login(input: $input) { accessToken userErrors { field message code } }
    }`,
    { input: { usernameOrEmail, password } },
  );
  return ok(data.login, 'login').accessToken;
}

/** Creates a public room; returns its id. */
export async function createRoom(server, token, name, topic = null) {
  const data = await gql(
    server,
    `mutation CreateRoom($input: CreateRoomInput!) {
      createRoom(input: $input) { conversation { id name } userErrors { field message code } }
    }`,
    { input: { name, topic, visibility: 'PUBLIC' } },
    token,
  );
  return ok(data.createRoom, 'createRoom').conversation.id;
}

export async function joinRoom(server, token, conversationId) {
  const data = await gql(
    server,
    `mutation JoinRoom($input: JoinRoomInput!) {
      joinRoom(input: $input) { conversation { id } userErrors { field message code } }
    }`,
    { input: { conversationId } },
    token,
  );
  return ok(data.joinRoom, 'joinRoom').conversation.id;
}

/** Sends a message; returns { id, body, clientId }. */
export async function sendMessage(server, token, conversationId, body, clientId = `e2e-${rand(8)}`) {
  const data = await gql(
    server,
    `mutation Send($input: SendMessageInput!) {
      sendMessage(input: $input) { message { id body clientId } userErrors { field message code } }
    }`,
    { input: { conversationId, body, clientId } },
    token,
  );
  return ok(data.sendMessage, 'sendMessage').message;
}

/** Cursor at the head of the event log. */
export async function eventCursor(server, token) {
  return (await gql(server, 'query { eventCursor }', {}, token)).eventCursor;
}

/** The newest `last` messages of a conversation, oldest first. */
export async function lastMessages(server, token, conversationId, last = 100) {
  const data = await gql(
    server,
    `query History($id: ID!, $last: Int!) {
      conversation(id: $id) { messages(last: $last) { nodes { id body } } }
    }`,
    { id: conversationId, last },
    token,
  );
  return data.conversation.messages.nodes;
}
