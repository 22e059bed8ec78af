// The conversation timeline in the real web app (Chromium), two users in one room:
// grouping, day separators, the "New messages" divider, receipts shown once, the
// action bar with quick reactions and the emoji picker, the pin bar, "Jump to
// latest" with a count, and a bounded DOM while scrolling back through hundreds of
// messages. Desktop (1280×800) and phone (360×740, touch: long-press) sizes.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { createRoom, joinRoom, register, sendMessage } from './api.mjs';
import { eventually, launchBrowser, loginViaUi, screenshot, tid, waitForConnection } from './browser.mjs';
import { JecoServer, rand, sleep } from './harness.mjs';

const execFileP = promisify(execFile);
/** Most messages the timeline may render at once (web/src/state/window.rs MAX). */
const MAX_RENDERED = 300;
const LIVE_MS = 30_000;
const WEEKDAY = /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{1,2} [A-Z][a-z]+( \d{4})?$/;

/** Runs SQL against the server's database (to date seeded messages in the past). */
async function sql(server, statement) {
  await execFileP('psql', ['-w', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', statement, server.databaseUrl], {
    env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
  });
}

/** A browser context + page at a given size (touch for phones). */
async function openAt(browser, server, label, size) {
  const options = size === 'phone'
    ? { viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 }
    : { viewport: { width: 1280, height: 800 } };
  const context = await browser.newContext({ baseURL: server.url, ...options });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return { label, context, page, problems };
}

/** The message with this body in u's timeline. */
const byBody = (u, body) => u.page.locator(tid('message'), { hasText: body });
/** Attributes of every rendered row, in order. */
const rowsOf = (u) =>
  u.page.$$eval(`${tid('timeline')} ol > li`, (nodes) =>
    nodes.map((n) => ({
      kind: n.getAttribute('data-testid'),
      text: n.querySelector('[data-testid="message-body"]')?.textContent?.trim() ?? n.textContent.trim(),
      grouped: n.getAttribute('data-grouped'),
      id: n.getAttribute('data-message-id'),
    })),
  );
const counts = (u) =>
  u.page.$eval(tid('timeline'), (el) => ({
    rendered: Number(el.getAttribute('data-rendered')),
    loaded: Number(el.getAttribute('data-loaded')),
    dom: el.querySelectorAll('[data-testid="message"]').length,
    top: el.scrollTop,
  }));

for (const size of (process.env.TIMELINE_SIZES ?? 'desktop,phone').split(',')) {
  describe(`timeline at ${size} size`, { timeout: 600_000 }, () => {
    let server;
    let browser;
    let a;
    let b;
    let alice;
    let bob;
    let roomId;
    const tag = rand();
    const roomName = `Timeline ${size} ${tag}`;
    const sent = {};
    const roomPath = () => `/c/${encodeURIComponent(roomId)}`;

    async function openRoom(u) {
      await u.page.goto(roomPath());
      await u.page.waitForSelector(tid('composer-input'));
      await eventually(`${u.label}: the title`, async () =>
        (await u.page.textContent(tid('conversation-title')))?.includes(roomName),
      );
      await waitForConnection(u.page, (s) => s === 'online', `online (${u.label})`);
    }

    /** Shows a message's action bar: hover on desktop, a 700 ms touch hold on phones. */
    async function showActions(u, body) {
      const m = byBody(u, body);
      await m.scrollIntoViewIfNeeded();
      // Still open from before: a user taps its buttons (a second long press on
      // an open bar is a known gap, see the closing note of issue 13).
      if (await m.locator(tid('action-bar')).isVisible()) return m.locator(tid('action-bar'));
      if (size === 'phone') {
        const box = await m.locator(tid('message-body')).boundingBox();
        const cdp = await u.context.newCDPSession(u.page);
        const point = { x: box.x + 10, y: box.y + box.height / 2 };
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] });
        await sleep(700);
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
        await cdp.detach();
      } else {
        await m.hover();
      }
      const bar = m.locator(tid('action-bar'));
      await bar.waitFor({ state: 'visible', timeout: 5_000 });
      return bar;
    }

    before(async () => {
      server = await JecoServer.start({ name: `timeline-${size}` });
      alice = await register(server, 'alice');
      bob = await register(server, 'bob');
      roomId = await createRoom(server, alice.token, roomName);
      await joinRoom(server, bob.token, roomId);
      // Two messages three days ago (one minute apart), one yesterday, then today's.
      for (const name of ['old1', 'old2', 'yday']) {
        sent[name] = `${name} ${tag}`;
        await sendMessage(server, alice.token, roomId, sent[name]);
      }
      await sql(server, `UPDATE messages SET created_at = now() - interval '3 days' WHERE body = '${sent.old1}'`);
      await sql(server, `UPDATE messages SET created_at = now() - interval '3 days' + interval '1 minute' WHERE body = '${sent.old2}'`);
      await sql(server, `UPDATE messages SET created_at = now() - interval '1 day' WHERE body = '${sent.yday}'`);
      for (const name of ['t1', 't2', 't3']) {
        sent[name] = `${name} ${tag}`;
        await sendMessage(server, alice.token, roomId, sent[name]);
      }
      sent.b1 = `b1 ${tag}`;
      await sendMessage(server, bob.token, roomId, sent.b1);
      sent.t4 = `t4 ${tag}`;
      await sendMessage(server, alice.token, roomId, sent.t4);

      browser = await launchBrowser();
      a = await openAt(browser, server, 'alice', size);
      b = await openAt(browser, server, 'bob', size);
      await loginViaUi(a.page, alice.username, alice.password);
      await loginViaUi(b.page, bob.username, bob.password);
    });

    after(async () => {
      for (const u of [a, b]) {
        if (u?.problems.length) console.log(`[${u.label}] browser problems:\n  ${u.problems.join('\n  ')}`);
      }
      await browser?.close();
      await server?.close();
    });

    test('day separators and grouping by sender within five minutes', async () => {
      await openRoom(a);
      await byBody(a, sent.t4).waitFor();
      const rows = await rowsOf(a);
      const days = rows.filter((r) => r.kind === 'day-separator').map((r) => r.text);
      assert.equal(days.length, 3, `separators: ${JSON.stringify(days)}`);
      assert.match(days[0], WEEKDAY);
      assert.deepEqual(days.slice(1), ['Yesterday', 'Today']);
      const grouped = Object.fromEntries(rows.filter((r) => r.kind === 'message').map((r) => [r.text, r.grouped]));
      assert.equal(grouped[sent.old1], 'false');
      assert.equal(grouped[sent.old2], 'true', 'a minute later: same group');
      assert.equal(grouped[sent.yday], 'false', 'another day: a new header');
      assert.equal(grouped[sent.t1], 'false');
      assert.equal(grouped[sent.t2], 'true');
      assert.equal(grouped[sent.t3], 'true');
      assert.equal(grouped[sent.b1], 'false', 'another sender');
      assert.equal(grouped[sent.t4], 'false');
      // One header per group: the follow-ups show no avatar and no visible name.
      assert.ok(await byBody(a, sent.t1).locator(tid('message-sender')).isVisible());
      const hidden = await byBody(a, sent.t2).locator(tid('message-sender')).evaluate((el) =>
        el.classList.contains('visually-hidden') && el.getBoundingClientRect().width <= 1);
      assert.ok(hidden, 'a follow-up shows no name (it is there for screen readers only)');
      assert.equal(await byBody(a, sent.t2).locator('.avatar, img').count(), 0);
      // Relative time with the exact time in the tooltip.
      const time = byBody(a, sent.t1).locator(`time${tid('message-time')}`);
      assert.equal(await time.textContent(), 'just now');
      assert.match(await time.getAttribute('title'), /\d{4}, \d\d:\d\d$/);
      assert.ok(await time.getAttribute('datetime'));
      await screenshot(a.page, `timeline-groups-${size}`);
    });

    test('receipts: only Alice\'s newest message carries one, "Seen by Bob" once he reads', async () => {
      const receipts = a.page.locator(tid('message-seen'));
      await eventually('one receipt', async () => (await receipts.count()) === 1);
      const holder = a.page.locator(tid('message'), { has: a.page.locator(tid('message-seen')) });
      assert.ok((await holder.textContent()).includes(sent.t4), 'on the newest own message');
      assert.match(await receipts.first().textContent(), /^(Sent|Delivered)$/);

      // Bob opens the room: the divider sits before the first message after his own.
      await openRoom(b);
      await byBody(b, sent.t4).waitFor();
      const divider = b.page.locator(tid('new-divider'));
      await divider.waitFor();
      assert.equal(await divider.count(), 1);
      const next = await divider.evaluate((el) => el.nextElementSibling?.textContent ?? '');
      assert.ok(next.includes(sent.t4), `divider before t4, got "${next}"`);

      await eventually('Seen by Bob', async () =>
        (await receipts.first().textContent()) === `Seen by ${bob.displayName}`, LIVE_MS);
      assert.equal(await receipts.count(), 1, 'still only one receipt');
      await receipts.first().click();
      const readers = a.page.locator(tid('receipt-readers'));
      await readers.waitFor();
      assert.equal((await readers.textContent()).trim(), bob.displayName);
      await receipts.first().press('Escape');
      await eventually('the popover closes', async () => (await readers.count()) === 0);

      // The divider stays put while Bob is in the room, even as messages arrive...
      sent.live = `live ${tag}`;
      await sendMessage(server, alice.token, roomId, sent.live);
      await byBody(b, sent.live).waitFor({ timeout: LIVE_MS });
      const stillNext = await divider.evaluate((el) => el.nextElementSibling?.textContent ?? '');
      assert.ok(stillNext.includes(sent.t4), 'the divider did not move');
      // ...and it is gone next time, everything being read.
      await sleep(1_000);
      await b.page.click(tid('nav-home')).catch(() => b.page.goto('/'));
      await sleep(300);
      await b.page.goBack();
      await byBody(b, sent.live).waitFor();
      await sleep(500);
      assert.equal(await divider.count(), 0, 'no divider once read');
    });

    test('action bar: quick reaction, emoji picker search (Enter picks, Esc closes), own-only actions', async () => {
      let bar = await showActions(a, sent.b1);
      for (const id of ['message-react', 'message-reply', 'message-pin']) {
        assert.equal(await bar.locator(tid(id)).count(), 1, id);
        assert.ok(await bar.locator(tid(id)).getAttribute('aria-label'), `${id} labelled`);
      }
      assert.equal(await bar.locator(tid('message-edit')).count(), 0, 'not Alice\'s: no edit');
      // Alice owns the room: she moderates, so she may delete Bob's message.
      assert.equal(await bar.locator(tid('message-delete')).count(), 1, 'the owner may delete');
      await bar.locator(`${tid('reaction-option')}[data-emoji="❤️"]`).click();
      const heart = byBody(b, sent.b1).locator(`${tid('reaction')}[data-emoji="❤️"]`);
      await eventually('Bob sees the heart', async () => (await heart.getAttribute('data-count').catch(() => null)) === '1', LIVE_MS);

      bar = await showActions(a, sent.b1);
      await bar.locator(tid('message-react')).click();
      const picker = byBody(a, sent.b1).locator(tid('emoji-picker'));
      await picker.waitFor();
      const search = picker.locator(tid('emoji-search'));
      await eventually('the search field focused', () => search.evaluate((el) => el === document.activeElement));
      await search.fill('rocket');
      assert.equal(await picker.locator(tid('emoji-option')).count(), 1);
      await search.press('Enter');
      await eventually('the picker closes', async () => (await picker.count()) === 0);
      const rocket = byBody(a, sent.b1).locator(`${tid('reaction')}[data-emoji="🚀"]`);
      await rocket.waitFor({ timeout: LIVE_MS });
      await byBody(b, sent.b1).locator(`${tid('reaction')}[data-emoji="🚀"]`).waitFor({ timeout: LIVE_MS });

      bar = await showActions(a, sent.b1);
      await bar.locator(tid('message-react')).click();
      await picker.waitFor();
      await picker.locator(tid('emoji-search')).press('Escape');
      await eventually('Esc closes the picker', async () => (await picker.count()) === 0);

      const own = await showActions(a, sent.t4);
      assert.equal(await own.locator(tid('message-edit')).count(), 1, 'own: edit');
      assert.equal(await own.locator(tid('message-delete')).count(), 1, 'own: delete');
      await screenshot(a.page, `timeline-actions-${size}`);
    });

    test('the pin bar is hidden while nothing is pinned', async () => {
      const pins = a.page.locator(tid('pins'));
      assert.equal(await pins.isVisible(), false, 'hidden at first');
      const bar = await showActions(a, sent.t1);
      await bar.locator(tid('message-pin')).click();
      await eventually('shown with one pin', async () =>
        (await pins.isVisible()) && (await a.page.getAttribute(tid('pins-toggle'), 'data-count')) === '1', LIVE_MS);
      await eventually('Bob too', async () => b.page.locator(tid('pins')).isVisible(), LIVE_MS);
      const again = await showActions(a, sent.t1);
      await again.locator(tid('message-unpin')).click();
      await eventually('hidden again', async () => !(await pins.isVisible()), LIVE_MS);
    });

    test('400 messages: the DOM stays bounded while scrolling back, the place is kept, older pages load', async () => {
      const last = 400;
      // Alice reads at the bottom, so the window follows what arrives.
      await a.page.$eval(tid('timeline'), (el) => {
        el.scrollTop = el.scrollHeight;
        el.dispatchEvent(new Event('scroll'));
      });
      await sleep(300);
      for (let i = 0; i < last; i += 1) {
        await sendMessage(server, bob.token, roomId, `many ${String(i).padStart(3, '0')} ${tag}`);
      }
      const started = Date.now();
      const lastBodies = () => a.page.$$eval(`${tid('timeline')} ${tid('message-body')}`, (n) =>
        n.slice(-2).map((e) => e.textContent.trim()));
      await eventually('the last live message', async () => {
        const tail = await lastBodies();
        console.log(`[${size}] tail ${JSON.stringify(tail)} ${JSON.stringify(await counts(a))}`);
        return tail.includes(`many 399 ${tag}`);
      }, 60_000);
      console.log(`[${size}] 400 live messages rendered ${Date.now() - started} ms after the last send`);
      let c = await counts(a);
      assert.ok(c.loaded >= 400, `all arrived live: ${JSON.stringify(c)}`);
      assert.ok(c.dom <= 150 && c.rendered === c.dom, `live window bounded: ${JSON.stringify(c)}`);

      // A fresh load, then back through history to the first message.
      await a.page.reload();
      await a.page.waitForSelector(tid('composer-input'));
      await byBody(a, `many 399 ${tag}`).waitFor();
      const seen = [];
      await eventually('the first message of the room', async () => {
        await a.page.$eval(tid('timeline'), (el) => {
          el.scrollTop = 0;
          el.dispatchEvent(new Event('scroll'));
        });
        await sleep(150);
        c = await counts(a);
        seen.push(c);
        assert.ok(c.dom <= MAX_RENDERED, `bounded: ${JSON.stringify(c)}`);
        return (await byBody(a, sent.old1).count()) === 1;
      }, 120_000);
      const maxDom = Math.max(...seen.map((s) => s.dom));
      assert.ok(c.loaded >= 409, `history loaded: ${JSON.stringify(c)}`);
      assert.ok(c.loaded > c.rendered, `fewer rendered than loaded: ${JSON.stringify(c)}`);
      // Growing the window above the reader never threw them to the top.
      assert.ok(seen.some((s) => s.top > 500), 'the place was kept while rows were added above');
      console.log(`[${size}] scrolled back: loaded ${c.loaded}, rendered at most ${maxDom}`);

      // And forward again to the newest, still bounded.
      await eventually('back at the newest', async () => {
        await a.page.$eval(tid('timeline'), (el) => {
          el.scrollTop = el.scrollHeight;
          el.dispatchEvent(new Event('scroll'));
        });
        await sleep(150);
        const now = await counts(a);
        assert.ok(now.dom <= MAX_RENDERED, `bounded: ${JSON.stringify(now)}`);
        return (await byBody(a, `many 399 ${tag}`).count()) === 1;
      }, 60_000);
    });

    test('jump to latest: shown while scrolled up, counts arrivals, scrolls to the bottom', async () => {
      const jump = a.page.locator(tid('jump-latest'));
      await eventually('no jump button at the bottom', async () => {
        await a.page.$eval(tid('timeline'), (el) => {
          el.scrollTop = el.scrollHeight;
          el.dispatchEvent(new Event('scroll'));
        });
        await sleep(200);
        return (await jump.count()) === 0;
      }, 60_000);
      await a.page.$eval(tid('timeline'), (el) => {
        el.scrollTop = Math.max(0, el.scrollHeight - el.clientHeight - 3_000);
        el.dispatchEvent(new Event('scroll'));
      });
      await jump.waitFor();
      assert.equal(await jump.getAttribute('data-count'), '0');
      for (const i of [1, 2]) await sendMessage(server, bob.token, roomId, `arrived ${i} ${tag}`);
      await eventually('two new', async () => (await jump.getAttribute('data-count')) === '2', LIVE_MS);
      assert.match(await jump.textContent(), /Jump to latest\s*2/);
      await screenshot(a.page, `timeline-jump-${size}`);
      await jump.click();
      await eventually('at the bottom', async () =>
        a.page.$eval(tid('timeline'), (el) => el.scrollHeight - el.scrollTop - el.clientHeight < 8));
      await eventually('the button gone', async () => (await jump.count()) === 0);
      assert.ok(await byBody(a, `arrived 2 ${tag}`).isVisible());
    });
  });
}
