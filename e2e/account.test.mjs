// Account features in the real web app (Chromium): password reset by mail (the mail
// read from the server's outbox folder, its link opened in the browser), the profile
// page (display name and bio), and a personal access token created on the profile
// page, used by the real `graphql-ws` client and over HTTP, then revoked.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

import { createRoom, eventCursor, gql, joinRoom, login, PASSWORD, register, sendMessage } from './api.mjs';
import { eventually, launchBrowser, loginViaUi, openUser, screenshot, tid } from './browser.mjs';
import { JecoServer, rand, sleep } from './harness.mjs';

const NEW_PASSWORD = 'a brand new passphrase 77';

/** Decodes a quoted-printable body: soft line breaks go, =XX become bytes (UTF-8). */
function decodeQuotedPrintable(text) {
  const joined = text.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < joined.length; i += 1) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Splits a raw mail into lower-cased headers (unfolded) and the decoded text body. */
function parseMail(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  assert.ok(split > 0, 'the mail has headers and a body');
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  const headers = {};
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  if (encoding === 'quoted-printable') body = decodeQuotedPrintable(body);
  else if (encoding === 'base64') body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return { headers, body };
}

/** POST /graphql `{ viewer { username } }` with a bearer token; returns { status, body }. */
async function viewerWith(server, token) {
  const res = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ viewer { username displayName bio } }' }),
  });
  const text = await res.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body, text };
}

describe('account: password reset by mail, profile, personal access tokens', { timeout: 300_000 }, () => {
  let server;
  let browser;
  let u; // { label, context, page, problems }
  let carol; // registered through the API
  let dave;
  let carolToken; // a session token after the reset
  const clients = [];

  before(async () => {
    server = await JecoServer.start({ name: 'account' });
    carol = await register(server, 'carol');
    dave = await register(server, 'dave');
    browser = await launchBrowser();
    u = await openUser(browser, server, 'carol');
  });

  after(async () => {
    if (u?.problems.length) console.log(`[${u.label}] browser problems:\n  ${u.problems.join('\n  ')}`);
    await Promise.all(clients.map((c) => c.dispose()));
    await browser?.close();
    await server?.close();
  });

  test('password reset: forgot-password link, the mail in the outbox, the link, the new password', async () => {
    const { page } = u;
    // An unknown address gets the same answer and no mail.
    await page.goto('/forgot-password');
    await page.fill(tid('forgot-password-email'), `nobody_${rand()}@example.test`);
    await page.click(tid('forgot-password-submit'));
    await page.waitForSelector(tid('forgot-password-sent'), { timeout: 15_000 });
    await sleep(1_500);
    assert.deepEqual(await server.outbox(), [], 'no mail for an unknown address');

    await page.goto('/login');
    await page.click(tid('forgot-password-link'));
    await page.waitForURL(/\/forgot-password/);
    await page.fill(tid('forgot-password-email'), carol.email);
    await page.click(tid('forgot-password-submit'));
    await page.waitForSelector(tid('forgot-password-sent'), { timeout: 15_000 });
    await screenshot(page, 'account-forgot-sent');

    const mails = await eventually('the reset mail in the outbox', async () => {
      const all = await server.outbox();
      return all.length > 0 ? all : null;
    });
    assert.equal(mails.length, 1, 'exactly one mail');
    const { headers, body } = parseMail(mails[0].raw);
    assert.ok(headers.to?.includes(carol.email), `To: ${headers.to}`);
    assert.ok(headers.subject, 'the mail has a subject');
    const match = /(\S+\/reset-password\?token=[^\s"<>]+)/.exec(body);
    assert.ok(match, `a reset link in the mail:\n${body}`);
    const link = match[1];
    assert.ok(link.startsWith(`${server.url}/reset-password?token=`), `the link uses JECO_PUBLIC_URL: ${link}`);
    const token = new URL(link).searchParams.get('token');
    assert.ok(token && token.length >= 20, `a long token (${token})`);
    const log = await readFile(server.logPath, 'utf8');
    assert.ok(log.includes('outbox'), 'the log names the outbox file');
    assert.ok(!log.includes(token), 'the log never contains the token');

    // The link, in the browser. Mismatched passwords are caught first.
    await page.goto(link);
    await page.fill(tid('reset-password-new'), NEW_PASSWORD);
    await page.fill(tid('reset-password-confirm'), `${NEW_PASSWORD} typo`);
    await page.click(tid('reset-password-submit'));
    await page.waitForSelector(tid('form-error'));
    assert.equal(await page.locator(tid('reset-password-done')).count(), 0);
    await page.fill(tid('reset-password-confirm'), NEW_PASSWORD);
    await page.click(tid('reset-password-submit'));
    await page.waitForSelector(tid('reset-password-done'), { timeout: 15_000 });
    await screenshot(page, 'account-reset-done');

    // The session from registration is over (all sessions are revoked).
    const old = await viewerWith(server, carol.token);
    assert.equal(old.status, 401, `the old session is refused: ${old.status} ${old.text.slice(0, 200)}`);

    // The old password is refused, in the browser and over the API.
    await page.click(tid('reset-password-login'));
    await page.waitForURL(/\/login/);
    await page.fill(tid('login-username'), carol.username);
    await page.fill(tid('login-password'), PASSWORD);
    await page.click(tid('login-submit'));
    await page.waitForSelector(tid('form-error'), { timeout: 15_000 });
    assert.equal(await page.locator(tid('viewer-name')).count(), 0, 'not logged in with the old password');
    await assert.rejects(login(server, carol.username, PASSWORD), /userErrors|login/);

    // The new one works.
    await page.fill(tid('login-password'), NEW_PASSWORD);
    await page.click(tid('login-submit'));
    await page.waitForSelector(tid('viewer-name'), { timeout: 15_000 });
    carolToken = await login(server, carol.username, NEW_PASSWORD);

    // The link works once.
    const second = await browser.newPage({ baseURL: server.url });
    try {
      await second.goto(link);
      await second.fill(tid('reset-password-new'), 'yet another passphrase 99');
      await second.fill(tid('reset-password-confirm'), 'yet another passphrase 99');
      await second.click(tid('reset-password-submit'));
      await second.waitForSelector(tid('form-error'), { timeout: 15_000 });
      assert.equal(await second.locator(tid('reset-password-done')).count(), 0, 'a used link is refused');
    } finally {
      await second.close();
    }
    await assert.rejects(login(server, carol.username, 'yet another passphrase 99'));
  });

  test('profile page: display name and bio are saved and survive a reload', async () => {
    const { page } = u;
    const displayName = `Carol Renamed ${rand(2)}`;
    const bio = `Tester of things ${rand()}`;
    await page.click(tid('nav-profile'));
    await page.waitForSelector(tid('profile-page'));
    await page.waitForSelector(`${tid('profile-display-name')}:not([disabled])`);
    assert.equal(await page.inputValue(tid('profile-display-name')), carol.displayName, 'the current name is shown');

    await page.fill(tid('profile-display-name'), displayName);
    await page.fill(tid('profile-bio'), bio);
    await page.click(tid('profile-save'));
    await page.waitForSelector(tid('profile-saved'), { timeout: 15_000 });
    await eventually('the header shows the new name', async () =>
      (await page.textContent(tid('viewer-name')))?.includes(displayName),
    );

    await page.reload();
    await page.waitForSelector(`${tid('profile-display-name')}:not([disabled])`);
    await eventually('the saved name after reload', async () =>
      (await page.inputValue(tid('profile-display-name'))) === displayName,
    );
    assert.equal(await page.inputValue(tid('profile-bio')), bio, 'the saved bio after reload');

    const viewer = await viewerWith(server, carolToken);
    assert.equal(viewer.body?.data?.viewer?.displayName, displayName);
    assert.equal(viewer.body?.data?.viewer?.bio, bio);

    // Another user sees the bio on /people.
    const other = await openUser(browser, server, 'dave');
    try {
      await loginViaUi(other.page, dave.username, dave.password);
      await other.page.click(tid('nav-people'));
      await other.page.fill(tid('people-search'), carol.username);
      const item = other.page.locator(tid('person-item'), { hasText: `@${carol.username}` });
      await item.waitFor({ timeout: 15_000 });
      assert.equal((await item.locator(tid('person-bio')).textContent()).trim(), bio);
      assert.ok((await item.textContent()).includes(displayName));
    } finally {
      await other.context.close();
    }
    await screenshot(page, 'account-profile');
  });

  test('personal access token: created on the profile page, used by graphql-ws and HTTP, revoked', async () => {
    const { page } = u;
    await page.goto('/profile');
    await page.waitForSelector(tid('tokens-section'));
    await page.waitForSelector(tid('token-empty'));

    const name = `e2e bot ${rand(2)}`;
    await page.fill(tid('token-name-input'), name);
    await page.fill(tid('token-password-input'), NEW_PASSWORD);
    await page.click(tid('token-create'));
    await page.waitForSelector(tid('token-secret'), { timeout: 15_000 });
    const secret = (await page.textContent(tid('token-secret'))).trim();
    assert.match(secret, /^jeco_pat_\S+$/);
    const item = page.locator(tid('token-item'), { hasText: name });
    await item.waitFor();
    assert.equal(await page.getAttribute(tid('token-list'), 'data-count'), '1');
    const listed = await page.locator(tid('token-list')).textContent();
    assert.ok(!listed.includes(secret), 'the list never shows the secret');
    await screenshot(page, 'account-token-created');
    await page.click(tid('token-secret-dismiss'));
    await page.waitForSelector(tid('token-secret'), { state: 'detached' });

    // HTTP with the token.
    const viaHttp = await viewerWith(server, secret);
    assert.equal(viaHttp.status, 200);
    assert.equal(viaHttp.body?.data?.viewer?.username, carol.username);

    // The real graphql-ws client with the token in connectionParams.
    const roomId = await createRoom(server, dave.token, `PAT room ${rand()}`);
    await joinRoom(server, carolToken, roomId);
    const cursor = await eventCursor(server, secret);
    const client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authToken: secret },
      lazy: true,
      retryAttempts: 0,
    });
    clients.push(client);
    const events = [];
    const errors = [];
    client.subscribe(
      {
        query: `subscription Events($conversationId: ID, $after: String) {
          conversationEvents(conversationId: $conversationId, after: $after) {
            conversationId
            payload { __typename ... on MessageCreated { message { id body sender { username } } } }
          }
        }`,
        variables: { conversationId: roomId, after: cursor },
      },
      {
        next: (result) => {
          if (result.errors?.length) errors.push(...result.errors);
          if (result.data?.conversationEvents) events.push(result.data.conversationEvents);
        },
        error: (err) => errors.push(err),
        complete: () => {},
      },
    );
    const text = `for the bot ${rand()}`;
    const sent = await sendMessage(server, dave.token, roomId, text);
    await eventually('the message over graphql-ws with the token', () =>
      events.some((e) => e.payload.__typename === 'MessageCreated' && e.payload.message.id === sent.id),
    );
    const got = events.find((e) => e.payload.message?.id === sent.id);
    assert.equal(got.conversationId, roomId);
    assert.equal(got.payload.message.body, text);
    assert.equal(got.payload.message.sender.username, dave.username);
    assert.deepEqual(errors, []);

    // The profile page shows it was used.
    await page.reload();
    const used = page.locator(tid('token-item'), { hasText: name });
    await used.waitFor({ timeout: 15_000 });
    assert.match(await used.textContent(), /last used/, 'lastUsedAt is shown');

    // Revoke in the UI: the list empties and the API refuses the token.
    await used.locator(tid('token-revoke')).click();
    await page.waitForSelector(tid('token-empty'), { timeout: 15_000 });
    const refused = await viewerWith(server, secret);
    assert.equal(refused.status, 401, `the revoked token is refused: ${refused.status} ${refused.text.slice(0, 200)}`);

    // A new WebSocket with the revoked token is rejected (4403).
    const closes = [];
    const rejected = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authToken: secret },
      lazy: true,
      retryAttempts: 0,
      on: { closed: (event) => closes.push(event) },
    });
    clients.push(rejected);
    const outcome = await new Promise((resolve) => {
      rejected.subscribe(
        { query: 'subscription { conversationEvents { conversationId } }' },
        { next: () => resolve('next'), error: (err) => resolve(err), complete: () => resolve('complete') },
      );
      setTimeout(() => resolve('timeout'), 15_000);
    });
    assert.ok(closes.some((e) => e.code === 4403), `closed with 4403 (outcome ${outcome?.code ?? outcome})`);
  });
});
