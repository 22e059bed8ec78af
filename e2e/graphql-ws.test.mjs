// The API as a third party uses it: HTTP for mutations and the real `graphql-ws` npm
// client (with the `ws` package) for subscriptions, against the real server.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

import { createRoom, eventCursor, joinRoom, lastMessages, register, sendMessage } from './api.mjs';
import { JecoServer, rand, sleep } from './harness.mjs';

const EVENTS = `
  subscription Events($conversationId: ID, $after: String) {
    conversationEvents(conversationId: $conversationId, after: $after) {
      cursor
      conversationId
      payload {
        __typename
        ... on MessageCreated { message { id body clientId sender { username } } }
        ... on MemberJoined { member { user { username } } }
        ... on MemberLeft { user { username } }
      }
    }
  }`;

/** How long to keep listening after the expected events, to catch duplicates. */
const SETTLE_MS = 750;

const clients = [];

/** A graphql-ws client as a third party would create it. */
function wsClient(server, authToken) {
  const closes = [];
  const client = createClient({
    url: server.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authToken },
    lazy: true,
    retryAttempts: 0,
    on: { closed: (event) => closes.push(event) },
  });
  clients.push(client);
  return { client, closes };
}

/** Subscribes to conversationEvents and records what arrives. */
function subscribeEvents(client, variables) {
  const state = { events: [], errors: [], completed: false };
  state.dispose = client.subscribe(
    { query: EVENTS, variables },
    {
      next: (result) => {
        if (result.errors?.length) state.errors.push(...result.errors);
        if (result.data?.conversationEvents) state.events.push(result.data.conversationEvents);
      },
      error: (err) => state.errors.push(err),
      complete: () => {
        state.completed = true;
      },
    },
  );
  return state;
}

async function waitUntil(what, predicate, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const messagesOf = (events) =>
  events.filter((e) => e.payload.__typename === 'MessageCreated').map((e) => e.payload.message);

describe('graphql-ws client (third-party use)', { timeout: 180_000 }, () => {
  let server;
  let alice;
  let bob;
  let roomId;
  let received; // events Alice received in the first test, in order

  before(async () => {
    server = await JecoServer.start({ name: 'graphql-ws' });
    alice = await register(server, 'alice');
    bob = await register(server, 'bob');
    roomId = await createRoom(server, alice.token, `ws-room-${rand()}`, 'graphql-ws e2e');
    await joinRoom(server, bob.token, roomId);
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await server?.close();
  });

  test('every message arrives exactly once, in the same order for every member', async () => {
    const cursor = await eventCursor(server, alice.token);
    const subAlice = subscribeEvents(wsClient(server, alice.token).client, { conversationId: roomId, after: cursor });
    const subBob = subscribeEvents(wsClient(server, bob.token).client, { conversationId: roomId, after: cursor });

    // Ten sequential sends from Bob (their order is known), then twenty concurrent
    // sends from both (their order is whatever the server committed).
    const sent = [];
    for (let i = 0; i < 10; i += 1) {
      sent.push(await sendMessage(server, bob.token, roomId, `seq ${i} ${rand()}`));
    }
    const concurrent = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sendMessage(server, i % 2 ? alice.token : bob.token, roomId, `burst ${i} ${rand()}`),
      ),
    );
    sent.push(...concurrent);
    const total = sent.length;

    await waitUntil(`${total} events for Alice`, () => messagesOf(subAlice.events).length >= total);
    await waitUntil(`${total} events for Bob`, () => messagesOf(subBob.events).length >= total);
    await sleep(SETTLE_MS);

    assert.deepEqual(subAlice.errors, []);
    assert.deepEqual(subBob.errors, []);
    const gotAlice = messagesOf(subAlice.events);
    const gotBob = messagesOf(subBob.events);
    assert.equal(gotAlice.length, total, 'Alice: no duplicates, nothing extra');
    assert.equal(gotBob.length, total, 'Bob: no duplicates, nothing extra');
    assert.equal(new Set(gotAlice.map((m) => m.id)).size, total, 'distinct message ids');
    assert.deepEqual(new Set(gotAlice.map((m) => m.id)), new Set(sent.map((m) => m.id)), 'exactly the sent messages');
    assert.deepEqual(
      gotAlice.slice(0, 10).map((m) => m.body),
      sent.slice(0, 10).map((m) => m.body),
      'sequential sends arrive in send order',
    );
    assert.deepEqual(gotBob.map((m) => m.id), gotAlice.map((m) => m.id), 'same order for every member');
    assert.deepEqual(subBob.events.map((e) => e.cursor), subAlice.events.map((e) => e.cursor), 'same cursors');
    assert.equal(new Set(subAlice.events.map((e) => e.cursor)).size, subAlice.events.length, 'distinct cursors');
    for (const e of subAlice.events) assert.equal(e.conversationId, roomId);

    const history = await lastMessages(server, alice.token, roomId, 100);
    assert.deepEqual(
      history.map((m) => m.id).slice(-total),
      gotAlice.map((m) => m.id),
      'live order equals history order',
    );
    received = subAlice.events;
    subAlice.dispose();
    subBob.dispose();
  });

  test('resuming after the 2nd event replays exactly the remaining events, then goes live', async () => {
    assert.ok(received?.length > 2, 'needs the events of the previous test');
    const expected = received.slice(2);
    const sub = subscribeEvents(wsClient(server, alice.token).client, {
      conversationId: roomId,
      after: received[1].cursor,
    });
    await waitUntil(`${expected.length} replayed events`, () => sub.events.length >= expected.length);
    await sleep(SETTLE_MS);
    assert.deepEqual(sub.errors, []);
    assert.deepEqual(
      sub.events.map((e) => e.cursor),
      expected.map((e) => e.cursor),
      'replay = exactly the events after the cursor, in order',
    );

    const live = await sendMessage(server, bob.token, roomId, `after replay ${rand()}`);
    await waitUntil('the live event after the replay', () => sub.events.length >= expected.length + 1);
    await sleep(SETTLE_MS);
    assert.equal(sub.events.length, expected.length + 1, 'no duplicate after going live');
    assert.equal(sub.events.at(-1).payload.message?.id, live.id);
    sub.dispose();
  });

  test('without conversationId, events of all the viewer\'s conversations arrive', async () => {
    const otherRoom = await createRoom(server, alice.token, `ws-other-${rand()}`);
    await joinRoom(server, bob.token, otherRoom);
    const cursor = await eventCursor(server, bob.token);
    const sub = subscribeEvents(wsClient(server, bob.token).client, { after: cursor });
    const m1 = await sendMessage(server, alice.token, roomId, `all-1 ${rand()}`);
    const m2 = await sendMessage(server, alice.token, otherRoom, `all-2 ${rand()}`);
    await waitUntil('messages from both rooms', () => messagesOf(sub.events).length >= 2);
    await sleep(SETTLE_MS);
    assert.deepEqual(sub.errors, []);
    assert.deepEqual(messagesOf(sub.events).map((m) => m.id), [m1.id, m2.id]);
    assert.deepEqual(
      sub.events.filter((e) => e.payload.__typename === 'MessageCreated').map((e) => e.conversationId),
      [roomId, otherRoom],
    );
    sub.dispose();
  });

  test('a bad token closes the connection with 4403', async () => {
    const { client, closes } = wsClient(server, 'not-a-valid-token');
    const sub = subscribeEvents(client, { conversationId: roomId });
    await waitUntil('the connection to close', () => closes.length > 0 && sub.errors.length > 0);
    assert.equal(closes[0].code, 4403, `close code (reason: ${closes[0].reason})`);
    assert.deepEqual(sub.events, []);
  });

  test('a non-member subscribing to the room gets an error and no events', async () => {
    const mallory = await register(server, 'mallory');
    const sub = subscribeEvents(wsClient(server, mallory.token).client, { conversationId: roomId });
    await waitUntil('an error for the non-member', () => sub.errors.length > 0 || sub.completed);
    await sendMessage(server, alice.token, roomId, `secret ${rand()}`);
    await sleep(SETTLE_MS * 2);
    assert.ok(sub.errors.length > 0, 'the subscription must fail, not complete silently');
    assert.deepEqual(sub.events, [], 'no events for a non-member');
    const text = JSON.stringify(sub.errors);
    assert.doesNotMatch(text, /secret/, 'nothing of the room leaks in the error');
  });

  test('two instances sharing a database deliver across instances (Redis)', {
    skip: process.env.JECO_E2E_REDIS_URL ? false : 'set JECO_E2E_REDIS_URL to run',
  }, async () => {
    // The tailers' fallback poll is made too slow to matter: delivery within the
    // deadline below must come from the Redis doorbell.
    const redis = { REDIS_URL: process.env.JECO_E2E_REDIS_URL, JECO_LOG_POLL_MS: '60000' };
    const one = await JecoServer.start({ name: 'redis-1', env: redis });
    const two = await JecoServer.start({ name: 'redis-2', env: redis, shareWith: one });
    try {
      const a = await register(one, 'carol');
      const b = await register(two, 'dave');
      const room = await createRoom(one, a.token, `multi-${rand()}`);
      await joinRoom(two, b.token, room);
      const cursor = await eventCursor(two, b.token);
      const sub = subscribeEvents(wsClient(two, b.token).client, { conversationId: room, after: cursor });
      const sent = [];
      for (let i = 0; i < 5; i += 1) sent.push(await sendMessage(one, a.token, room, `cross ${i} ${rand()}`));
      await waitUntil('messages sent on instance 1 at a subscriber of instance 2', () => messagesOf(sub.events).length >= 5, 5_000);
      await sleep(SETTLE_MS);
      assert.deepEqual(sub.errors, []);
      assert.deepEqual(messagesOf(sub.events).map((m) => m.id), sent.map((m) => m.id));
      sub.dispose();
    } finally {
      await two.close();
      await one.close();
    }
  });
});
