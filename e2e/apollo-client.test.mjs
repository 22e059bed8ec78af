// Apollo Client 4 as a third party uses it (issue 12): HTTP with Automatic
// Persisted Queries, subscriptions over GraphQLWsLink (graphql-ws), a cache
// normalised with the served possibleTypes and the type policies the README
// gives. The block between the snippet markers is the README's Apollo example
// (api/tests/api/readme.rs checks they are the same).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

// snippet:begin apollo
import { createHash } from 'node:crypto';

import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition, relayStylePagination } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws'; // not needed in browsers

/** An Apollo Client for the Jeco API at `api` (e.g. http://localhost:8080), from any origin. */
export async function jecoApolloClient(api, token) {
  const possibleTypes = await (await fetch(`${api}/graphql/possible-types.json`)).json();
  // Queries and mutations over HTTP, sent as a SHA-256 hash once the server knows the text.
  const http = new PersistedQueryLink({
    sha256: (text) => createHash('sha256').update(text).digest('hex'),
  }).concat(new HttpLink({ uri: `${api}/graphql`, headers: { authorization: `Bearer ${token}` } }));
  // Subscriptions over the WebSocket.
  const socket = createClient({
    url: `${api.replace(/^http/, 'ws')}/graphql/ws`,
    webSocketImpl: WebSocket,
    connectionParams: { authToken: token },
  });
  const link = ApolloLink.split(
    ({ query }) => getMainDefinition(query).operation === 'subscription',
    new GraphQLWsLink(socket),
    http,
  );
  const cache = new InMemoryCache({
    possibleTypes,
    typePolicies: {
      // Paged lists (select `edges { cursor node { ... } }` and `pageInfo`);
      // the arguments listed are the ones that make a different list.
      Query: {
        fields: {
          conversations: relayStylePagination(),
          contacts: relayStylePagination(),
          notifications: relayStylePagination(['unreadOnly']),
          publicRooms: relayStylePagination(['query']),
          searchMessages: relayStylePagination(['query', 'conversationId', 'senderId', 'since', 'until']),
          searchUsers: relayStylePagination(['query']),
        },
      },
      Conversation: { fields: { messages: relayStylePagination(), members: relayStylePagination() } },
      // An event has no id; its cursor is unique and never changes.
      ConversationEvent: { keyFields: ['cursor'] },
    },
  });
  return { client: new ApolloClient({ link, cache }), socket };
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
      payload { ...Created }
    }
  }
  fragment Created on ConversationEventPayload { ... on MessageCreated { message { id body } } }
`;
// snippet:end

import { createRoom, register } from './api.mjs';
import { JecoServer, rand, sleep } from './harness.mjs';

/** Every request the clients make over HTTP (Apollo looks `fetch` up at each call). */
const requests = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init) => {
  if (String(url).includes('/graphql') && !String(url).endsWith('.json')) {
    const body = init?.body ? JSON.parse(init.body) : null;
    requests.push({ method: init?.method ?? 'GET', url: String(url), body });
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
  seen.subscription = client.subscribe({ query: EVENTS, variables }).subscribe({
    next: ({ data, error }) => {
      if (error) seen.errors.push(error);
      const event = data?.conversationEvents;
      if (!event) return;
      seen.cursor = event.cursor;
      if (event.payload?.message) seen.bodies.push(event.payload.message.body);
    },
    error: (err) => seen.errors.push(err),
  });
  return seen;
}

describe('Apollo Client 4 (third-party use)', { timeout: 120_000 }, () => {
  let server;
  let alice;
  let room;
  const sockets = [];

  before(async () => {
    server = await JecoServer.start({ name: 'apollo' });
    alice = await register(server, 'alice');
    room = await createRoom(server, alice.token, `apollo-${rand()}`);
  });

  after(async () => {
    await Promise.all(sockets.map((s) => s.dispose()));
    await server?.close();
  });

  async function connect() {
    const { client, socket } = await jecoApolloClient(server.url, alice.token);
    sockets.push(socket);
    return client;
  }

  test('a query falls back from a hash to the text once, then goes by hash alone', async () => {
    const client = await connect();
    const VIEWER = gql`query Viewer { viewer { id username } }`;
    requests.length = 0;
    const first = await client.query({ query: VIEWER, fetchPolicy: 'network-only' });
    assert.equal(first.data.viewer.username, alice.username);
    // Hash only (PersistedQueryNotFound), then hash and text.
    assert.equal(requests.length, 2, JSON.stringify(requests));
    assert.equal(requests[0].body.query, undefined);
    assert.match(requests[0].body.extensions.persistedQuery.sha256Hash, /^[0-9a-f]{64}$/);
    assert.match(requests[1].body.query, /query Viewer/);
    // A second client (or a second page load): the hash alone is enough.
    const again = await (await connect()).query({ query: VIEWER, fetchPolicy: 'network-only' });
    assert.equal(again.data.viewer.username, alice.username);
    assert.equal(requests.length, 3);
    assert.equal(requests[2].body.query, undefined);
  });

  test('with useGETForHashedQueries, the hash goes by GET and the fallback by POST', async () => {
    const link = new PersistedQueryLink({
      sha256: (text) => createHash('sha256').update(text).digest('hex'),
      useGETForHashedQueries: true,
    }).concat(new HttpLink({ uri: `${server.url}/graphql`, headers: { authorization: `Bearer ${alice.token}` } }));
    const client = new ApolloClient({ link, cache: new InMemoryCache() });
    const CURSOR = gql`query Cursor${rand()} { eventCursor }`;
    requests.length = 0;
    const first = await client.query({ query: CURSOR, fetchPolicy: 'network-only' });
    assert.equal(typeof first.data.eventCursor, 'string');
    assert.deepEqual(requests.map((r) => r.method), ['GET', 'POST']);
    assert.equal(new URL(requests[0].url).searchParams.get('query'), null);
    await client.query({ query: CURSOR, fetchPolicy: 'network-only' });
    assert.deepEqual(requests.map((r) => r.method), ['GET', 'POST', 'GET']);
  });

  test('named fragments over an interface keep their data (possibleTypes)', async () => {
    const client = await connect();
    const NODE = gql`
      query Who($id: ID!) { node(id: $id) { ...Named } }
      fragment Named on Node { id ... on User { username } }
    `;
    const { data } = await client.query({ query: NODE, variables: { id: alice.id } });
    assert.deepEqual({ id: data.node.id, username: data.node.username }, { id: alice.id, username: alice.username });
  });

  test('a mutation, and a subscription resumed from its last cursor gets exactly the missed events', async () => {
    const client = await connect();
    const { data } = await client.query({ query: gql`query Head { eventCursor }`, fetchPolicy: 'network-only' });
    const live = watch(client, { room, after: data.eventCursor });
    for (const body of ['one', 'two']) {
      const sent = await client.mutate({
        mutation: SEND,
        variables: { input: { conversationId: room, body, clientId: `apollo-${body}-${rand()}` } },
      });
      assert.deepEqual(sent.data.sendMessage.userErrors, []);
    }
    await waitUntil('two live events', () => live.bodies.length >= 2);
    assert.deepEqual(live.bodies, ['one', 'two']);
    assert.deepEqual(live.errors, []);
    live.subscription.unsubscribe();
    // Away: two messages are sent meanwhile.
    for (const body of ['three', 'four']) {
      await client.mutate({ mutation: SEND, variables: { input: { conversationId: room, body, clientId: `apollo-${body}-${rand()}` } } });
    }
    // Back, on a new connection: resume after the last cursor seen.
    const resumed = watch(await connect(), { room, after: live.cursor });
    await waitUntil('the missed events', () => resumed.bodies.length >= 2);
    await sleep(500);
    assert.deepEqual(resumed.bodies, ['three', 'four']);
    resumed.subscription.unsubscribe();
  });

  test('errors carry extensions.code', async () => {
    const client = await connect();
    await assert.rejects(
      client.query({ query: gql`query TooMany { conversations(first: 101) { nodes { id } } }` }),
      (err) => {
        assert.equal(err.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', String(err));
        return true;
      },
    );
  });
});
