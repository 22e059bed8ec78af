// Two people chatting in the real web app (Chromium), side by side, through the real
// server: live delivery exactly once, reconnect after going offline, a server
// restart, and scrolling back through history.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { login, newUser, sendMessage } from './api.mjs';
import {
  createRoomViaUi,
  expectExactlyOnce,
  joinRoomViaUi,
  launchBrowser,
  openUser,
  registerViaUi,
  screenshot,
  screenshotSideBySide,
  sendViaUi,
  tid,
  timelineBodies,
  waitForConnection,
  eventually,
} from './browser.mjs';
import { JecoServer, rand, sleep } from './harness.mjs';

describe('chat in the browser, two users side by side', { timeout: 300_000 }, () => {
  let server;
  let browser;
  let a; // { label, context, page, problems }
  let b;
  const alice = newUser('alice');
  const bob = newUser('bob');
  const roomName = `Lobby ${rand()}`;
  let roomId;

  // Bob's network: Chromium's offline emulation does not touch open WebSockets, so
  // his WebSockets go through a route that the test can cut and refuse.
  const bobNet = { offline: false, open: new Set() };

  before(async () => {
    server = await JecoServer.start({ name: 'chat' });
    browser = await launchBrowser();
    a = await openUser(browser, server, 'alice');
    b = await openUser(browser, server, 'bob');
    await b.context.routeWebSocket(/\/graphql\/ws/, (ws) => {
      if (bobNet.offline) {
        ws.close({ code: 1006, reason: 'offline (test)' }).catch(() => {});
        return;
      }
      const upstream = ws.connectToServer();
      const conn = { ws, upstream };
      bobNet.open.add(conn);
      ws.onClose((code, reason) => {
        bobNet.open.delete(conn);
        upstream.close({ code, reason }).catch(() => {});
      });
      upstream.onClose((code, reason) => {
        bobNet.open.delete(conn);
        ws.close({ code, reason }).catch(() => {});
      });
    });
  });

  after(async () => {
    for (const u of [a, b]) {
      if (u?.problems.length) console.log(`[${u.label}] browser problems:\n  ${u.problems.join('\n  ')}`);
    }
    // The test artifact: both users' windows at the end, side by side.
    if (a?.page && b?.page) await screenshotSideBySide(browser, [a.page, b.page], 'chat').catch(() => {});
    await browser?.close();
    await server?.close();
  });

  test('Alice registers and creates a room; Bob finds it in /rooms and joins', async () => {
    await registerViaUi(a.page, alice);
    assert.match(await a.page.textContent(tid('viewer-name')), new RegExp(alice.displayName.split(' ')[0]));
    roomId = await createRoomViaUi(a.page, roomName, 'where e2e tests chat');
    assert.ok(roomId, 'the room opens at /c/:id');

    await registerViaUi(b.page, bob);
    const joined = await joinRoomViaUi(b.page, roomName);
    assert.equal(joined, roomId, 'Bob opened the same conversation');

    // The room is now in Bob's conversation list.
    await b.page.click(tid('nav-home'));
    const item = b.page.locator(`${tid('conversation-list')} ${tid('conversation-item')}`, { hasText: roomName });
    await item.waitFor({ timeout: 15_000 });
    await item.click();
    await b.page.waitForURL(new RegExp(`/c/${encodeURIComponent(roomId)}`));
    await waitForConnection(a.page, (s) => s === 'online', 'online (Alice)');
    await waitForConnection(b.page, (s) => s === 'online', 'online (Bob)');
  });

  test('each sees the other\'s messages live, exactly once', async () => {
    const hello = `hello Bob ${rand()}`;
    await sendViaUi(a.page, hello);
    await expectExactlyOnce(b.page, hello);
    await expectExactlyOnce(a.page, hello);
    const sender = await b.page
      .locator(tid('message'), { hasText: hello })
      .locator(tid('message-sender'))
      .textContent();
    assert.ok(
      sender.includes(alice.displayName) || sender.includes(alice.username),
      `sender shown as "${sender}"`,
    );

    const reply = `hi Alice ${rand()}`;
    await sendViaUi(b.page, reply);
    await expectExactlyOnce(a.page, reply);
    await expectExactlyOnce(b.page, reply);

    // A quick exchange: order is the same on both sides.
    const burst = [];
    for (let i = 0; i < 3; i += 1) {
      const mine = `ping ${i} ${rand()}`;
      const theirs = `pong ${i} ${rand()}`;
      burst.push(mine, theirs);
      await sendViaUi(a.page, mine);
      await expectExactlyOnce(b.page, mine, { settleMs: 0 });
      await sendViaUi(b.page, theirs);
      await expectExactlyOnce(a.page, theirs, { settleMs: 0 });
    }
    await sleep(1_000);
    const onA = (await timelineBodies(a.page)).filter((t) => burst.includes(t));
    const onB = (await timelineBodies(b.page)).filter((t) => burst.includes(t));
    assert.deepEqual(onA, burst);
    assert.deepEqual(onB, burst);
    await screenshot(a.page, 'chat-alice');
    await screenshot(b.page, 'chat-bob');
  });

  test('Bob goes offline, Alice sends two; back online, Bob sees both exactly once', async () => {
    bobNet.offline = true;
    await b.context.setOffline(true);
    for (const { ws, upstream } of [...bobNet.open]) {
      await ws.close({ code: 1006, reason: 'network down (test)' }).catch(() => {});
      await upstream.close().catch(() => {});
    }
    await waitForConnection(b.page, (s) => s && s !== 'online', 'not online (Bob offline)');
    await screenshot(b.page, 'reconnect-bob-offline');

    const first = `while you were away 1 ${rand()}`;
    const second = `while you were away 2 ${rand()}`;
    await sendViaUi(a.page, first);
    await expectExactlyOnce(a.page, first, { settleMs: 0 });
    await sendViaUi(a.page, second);
    await expectExactlyOnce(a.page, second, { settleMs: 0 });
    await sleep(1_000);
    const whileOffline = await timelineBodies(b.page);
    assert.ok(!whileOffline.includes(first), 'nothing can arrive while offline');

    bobNet.offline = false;
    await b.context.setOffline(false);
    await waitForConnection(b.page, (s) => s === 'online', 'online again (Bob)', 45_000);
    await expectExactlyOnce(b.page, first, { timeoutMs: 20_000 });
    await expectExactlyOnce(b.page, second);
    const bodies = (await timelineBodies(b.page)).filter((t) => t === first || t === second);
    assert.deepEqual(bodies, [first, second], 'in order');
    await screenshot(b.page, 'reconnect-bob-online');
  });

  test('after a server restart, Alice\'s next message reaches Bob exactly once', async () => {
    await server.restart();
    const text = `after restart ${rand()}`;
    await sendViaUi(a.page, text);
    await expectExactlyOnce(a.page, text, { timeoutMs: 45_000 });
    await expectExactlyOnce(b.page, text, { timeoutMs: 45_000 });
    await waitForConnection(a.page, (s) => s === 'online', 'online after restart (Alice)', 45_000);
    await waitForConnection(b.page, (s) => s === 'online', 'online after restart (Bob)', 45_000);
    // And live delivery works on the new connections.
    const again = `live again ${rand()}`;
    await sendViaUi(b.page, again);
    await expectExactlyOnce(a.page, again);
    await screenshot(b.page, 'restart-bob');
  });

  test('scrolling up loads older messages (60 seeded through the API)', async () => {
    const token = await login(server, alice.username, alice.password);
    const tag = rand();
    const seeded = [];
    for (let i = 0; i < 60; i += 1) {
      const body = `seed ${String(i).padStart(2, '0')} ${tag}`;
      await sendMessage(server, token, roomId, body);
      seeded.push(body);
    }
    await expectExactlyOnce(b.page, seeded.at(-1), { settleMs: 0 });

    // A fresh load of the conversation shows the newest page only.
    await b.page.goto(`/c/${encodeURIComponent(roomId)}`);
    await expectExactlyOnce(b.page, seeded.at(-1), { settleMs: 200 });
    const initial = await timelineBodies(b.page);
    assert.ok(!initial.includes(seeded[0]), 'the oldest seeded message is not in the first page');

    await eventually('the oldest seeded message after scrolling up', async () => {
      const loadOlder = b.page.locator(tid('load-older'));
      if (await loadOlder.isVisible().catch(() => false)) await loadOlder.click().catch(() => {});
      await b.page.$eval(tid('timeline'), (el) => {
        for (let node = el; node; node = node.parentElement) node.scrollTop = 0;
        el.scrollIntoView({ block: 'start' });
      });
      await b.page.hover(tid('timeline')).catch(() => {});
      await b.page.mouse.wheel(0, -5_000);
      return (await timelineBodies(b.page)).includes(seeded[0]);
    }, 30_000);

    await sleep(1_000);
    const all = (await timelineBodies(b.page)).filter((t) => t.endsWith(tag));
    assert.deepEqual(all, seeded, 'all 60 seeded messages, once each, in order');
    await screenshot(b.page, 'scrollback-bob');
  });
});
