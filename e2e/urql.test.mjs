// urql 6 (@urql/core) as a third party uses it (issue 12): fetch with
// Automatic Persisted Queries (@urql/exchange-persisted, hashed queries by GET),
// subscriptions through subscriptionExchange over graphql-ws. The block between
// the snippet markers is the README's urql example (api/tests/api/readme.rs
// checks they are the same).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

// snippet:begin urql
import { Client, cacheExchange, fetchExchange, gql, subscriptionExchange } from '@urql/core';
import { persistedExchange } from '@urql/exchange-persisted';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws'; // not needed in browsers

/** An urql client for the Jeco API at `api` (e.g. http://localhost:8080), from any origin. */
export function jecoUrqlClient(api, token) {
  const socket = createWsClient({
    url: `${api.replace(/^http/, 'ws')}/graphql/ws`,
    webSocketImpl: WebSocket,
    connectionParams: { authToken: token },
  });
  const client = new Client({
    url: `${api}/graphql`,
    fetchOptions: { headers: { authorization: `Bearer ${token}` } },
    exchanges: [
      cacheExchange,
      persistedExchange({ enableForMutation: true }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: socket.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
  return { client, socket };
}

const SEND = gql`
  mutation Send($input: SendMessageInput!) {
    sendMessage(input: $input) { message { id body } userErrors { code message } }
  }
`;

// Live events of one room. To resume after a disconnect, pass the cursor of
// the last event you received as `after`: you get every event after it, once.
const EVENTS = gql`
  subscription Events($room: ID!, $after: String) {
    conversationEvents(conversationId: $room, after: $after) {
      cursor
      payload { ... on MessageCreated { message { id body } } }
    }
  }
`;
// snippet:end

import { createRoom, register } from './api.mjs';
import { JecoServer, rand, sleep } from './harness.mjs';

/** Every request urql makes over HTTP. */
const requests = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init) => {
  if (String(url).includes('/graphql')) {
    requests.push({ method: init?.method ?? 'GET', url: new URL(String(url)), body: init?.body ? JSON.parse(init.body) : null });
  }
  return realFetch(url, init);
};

async function waitUntil(what, predicate, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Subscribes and records message bodies and the last cursor. */
function watch(client, variables) {
  const seen = { bodies: [], cursor: null, errors: [] };
  seen.subscription = client.subscription(EVENTS, variables).subscribe((result) => {
    if (result.error) seen.errors.push(result.error);
    const event = result.data?.conversationEvents;
    if (!event) return;
    seen.cursor = event.cursor;
    if (event.payload?.message) seen.bodies.push(event.payload.message.body);
  });
  return seen;
}

describe('urql 6 (third-party use)', { timeout: 120_000 }, () => {
  let server;
  let alice;
  let room;
  const sockets = [];

  before(async () => {
    server = await JecoServer.start({ name: 'urql' });
    alice = await register(server, 'alice');
    room = await createRoom(server, alice.token, `urql-${rand()}`);
  });

  after(async () => {
    await Promise.all(sockets.map((s) => s.dispose()));
    await server?.close();
  });

  function connect() {
    const { client, socket } = jecoUrqlClient(server.url, alice.token);
    sockets.push(socket);
    return client;
  }

  test('a query goes by hash over GET, falls back to the text once, then the hash alone is enough', async () => {
    const VIEWER = gql`query Viewer { viewer { id username } }`;
    requests.length = 0;
    const first = await connect().query(VIEWER, {}).toPromise();
    assert.equal(first.error, undefined, String(first.error));
    assert.equal(first.data.viewer.username, alice.username);
    assert.equal(requests.length, 2, JSON.stringify(requests));
    assert.equal(requests[0].method, 'GET');
    assert.equal(requests[0].url.searchParams.get('query'), null);
    assert.match(requests[0].url.searchParams.get('extensions'), /"sha256Hash":"[0-9a-f]{64}"/);
    const again = await connect().query(VIEWER, {}).toPromise();
    assert.equal(again.data.viewer.username, alice.username);
    assert.equal(requests.length, 3);
    assert.equal(requests[2].url.searchParams.get('query'), null);
  });

  test('a mutation, and a subscription resumed from its last cursor gets exactly the missed events', async () => {
    const client = connect();
    const head = await client.query(gql`query Head { eventCursor }`, {}).toPromise();
    const live = watch(client, { room, after: head.data.eventCursor });
    for (const body of ['one', 'two']) {
      const sent = await client.mutation(SEND, { input: { conversationId: room, body, clientId: `urql-${body}-${rand()}` } }).toPromise();
      assert.equal(sent.error, undefined, String(sent.error));
      assert.deepEqual(sent.data.sendMessage.userErrors, []);
    }
    await waitUntil('two live events', () => live.bodies.length >= 2);
    assert.deepEqual(live.bodies, ['one', 'two']);
    assert.deepEqual(live.errors, []);
    live.subscription.unsubscribe();
    for (const body of ['three', 'four']) {
      await client.mutation(SEND, { input: { conversationId: room, body, clientId: `urql-${body}-${rand()}` } }).toPromise();
    }
    const resumed = watch(connect(), { room, after: live.cursor });
    await waitUntil('the missed events', () => resumed.bodies.length >= 2);
    await sleep(500);
    assert.deepEqual(resumed.bodies, ['three', 'four']);
    resumed.subscription.unsubscribe();
  });

  test('errors carry extensions.code', async () => {
    const result = await connect().query(gql`query TooMany { conversations(first: 101) { nodes { id } } }`, {}).toPromise();
    assert.equal(result.error?.graphQLErrors?.[0]?.extensions?.code, 'BAD_USER_INPUT', String(result.error));
  });
});
