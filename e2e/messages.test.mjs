// Message features in the real web app (Chromium), two users side by side in one
// room: Alice edits and deletes her messages, both react, Bob replies, Alice pins,
// and the other side sees each change live; then message search from the header
// and dark mode.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createRoom, joinRoom, login, register, sendMessage } from './api.mjs';
import {
  eventually,
  expectExactlyOnce,
  inViewport,
  launchBrowser,
  loginViaUi,
  openUser,
  screenshot,
  screenshotSideBySide,
  sendViaUi,
  tid,
  timelineBodies,
  waitForConnection,
} from './browser.mjs';
import { JecoServer, rand, sleep } from './harness.mjs';

const THUMBS_UP = '👍';
/** How long to wait for the other user's view to change live (the CPU may be shared). */
const LIVE_MS = 30_000;

describe('message features in the browser, two users side by side', { timeout: 300_000 }, () => {
  let server;
  let browser;
  let a; // { label, context, page, problems }
  let b;
  let alice; // registered through the API: { id, username, password, token, ... }
  let bob;
  let roomId;
  const roomName = `Features ${rand()}`;
  const ids = {}; // message ids the later tests reuse

  /** The message with this id in u's timeline. */
  const messageEl = (u, id) => u.page.locator(`${tid('timeline')} ${tid('message')}[data-message-id="${id}"]`);
  const roomPath = () => `/c/${encodeURIComponent(roomId)}`;

  /** Hovers the message (its actions are invisible until then) and clicks one action. */
  async function action(u, id, testid) {
    const m = messageEl(u, id);
    await m.scrollIntoViewIfNeeded();
    await m.hover();
    await m.locator(`${tid('message-actions')} ${tid(testid)}`).click();
  }

  async function openRoom(u) {
    await u.page.goto(roomPath());
    await u.page.waitForSelector(tid('composer-input'));
    await eventually(`${u.label}: the conversation title`, async () =>
      (await u.page.textContent(tid('conversation-title')))?.includes(roomName),
    );
    await waitForConnection(u.page, (s) => s === 'online', `online (${u.label})`);
  }

  before(async () => {
    server = await JecoServer.start({ name: 'messages' });
    alice = await register(server, 'alice');
    bob = await register(server, 'bob');
    roomId = await createRoom(server, alice.token, roomName, 'edits, reactions, replies, pins');
    await joinRoom(server, bob.token, roomId);
    browser = await launchBrowser();
    a = await openUser(browser, server, 'alice');
    b = await openUser(browser, server, 'bob');
    await loginViaUi(a.page, alice.username, alice.password);
    await loginViaUi(b.page, bob.username, bob.password);
    await openRoom(a);
    await openRoom(b);
  });

  after(async () => {
    for (const u of [a, b]) {
      if (u?.problems.length) console.log(`[${u.label}] browser problems:\n  ${u.problems.join('\n  ')}`);
    }
    if (a?.page && b?.page) await screenshotSideBySide(browser, [a.page, b.page], 'messages').catch(() => {});
    await browser?.close();
    await server?.close();
  });

  test('Alice edits her message inline; Bob sees the new text and "(edited)" live', async () => {
    const draft = `first draft ${rand()}`;
    const final = `final words ${rand()}`;
    await sendViaUi(a.page, draft);
    const id = await expectExactlyOnce(a.page, draft);
    await expectExactlyOnce(b.page, draft);
    ids.edited = id;
    ids.editedBody = final;
    ids.draftBody = draft;
    assert.equal(await messageEl(b, id).locator(tid('message-edited')).count(), 0, 'not marked edited yet');

    // Bob may not edit Alice's message: no edit button for him.
    await messageEl(b, id).hover();
    assert.equal(await messageEl(b, id).locator(tid('message-edit')).count(), 0, 'Bob has no edit action');

    // Cancel leaves the text alone.
    await action(a, id, 'message-edit');
    const input = messageEl(a, id).locator(tid('message-edit-input'));
    await input.waitFor();
    assert.equal(await input.inputValue(), draft, 'the editor starts with the current text');
    await input.fill('this must not be saved');
    await messageEl(a, id).locator(tid('message-edit-cancel')).click();
    await input.waitFor({ state: 'detached' });
    assert.equal((await messageEl(a, id).locator(tid('message-body')).textContent()).trim(), draft);

    await action(a, id, 'message-edit');
    await input.fill(final);
    await messageEl(a, id).locator(tid('message-edit-save')).click();

    for (const u of [a, b]) {
      await eventually(
        `${u.label}: the edited text`,
        async () => (await messageEl(u, id).locator(tid('message-body')).textContent())?.trim() === final,
        LIVE_MS,
      );
      await messageEl(u, id).locator(tid('message-edited')).waitFor({ timeout: 15_000 });
      const bodies = await timelineBodies(u.page);
      assert.ok(!bodies.includes(draft), `${u.label}: the old text is gone`);
      assert.equal(bodies.filter((t) => t === final).length, 1, `${u.label}: shown once`);
    }
    assert.ok(!(await messageEl(b, id).textContent()).includes('this must not be saved'));
    await screenshot(b.page, 'messages-edited-bob');
  });

  test('Alice deletes a message; both see the tombstone live', async () => {
    const text = `regrettable ${rand()}`;
    await sendViaUi(a.page, text);
    const id = await expectExactlyOnce(a.page, text);
    await expectExactlyOnce(b.page, text);
    ids.deleted = id;
    ids.deletedBody = text;

    // Cancelling the confirmation keeps the message.
    await action(a, id, 'message-delete');
    const dialog = messageEl(a, id).locator(tid('message-delete-dialog'));
    await dialog.waitFor();
    await dialog.locator(tid('message-delete-cancel')).click();
    await dialog.waitFor({ state: 'detached' });
    await sleep(500);
    assert.equal(await messageEl(b, id).getAttribute('data-deleted'), null, 'not deleted after cancel');

    await action(a, id, 'message-delete');
    await messageEl(a, id).locator(tid('message-delete-confirm')).click();

    for (const u of [a, b]) {
      await eventually(
        `${u.label}: the tombstone`,
        async () => (await messageEl(u, id).getAttribute('data-deleted')) === 'true',
        LIVE_MS,
      );
      const body = (await messageEl(u, id).locator(tid('message-body')).textContent()).trim();
      assert.equal(body, 'This message was deleted', `${u.label}: tombstone text`);
      assert.ok(!(await timelineBodies(u.page)).includes(text), `${u.label}: the text is gone`);
      assert.equal(await messageEl(u, id).locator(tid('message-actions')).count(), 0, `${u.label}: no actions`);
    }
    // After a reload too (from history, not from the live event).
    await b.page.reload();
    await b.page.waitForSelector(tid('composer-input'));
    await messageEl(b, id).waitFor({ timeout: 15_000 });
    assert.equal(await messageEl(b, id).getAttribute('data-deleted'), 'true');
    assert.ok(!(await messageEl(b, id).textContent()).includes(text));
    await waitForConnection(b.page, (s) => s === 'online', 'online after reload (Bob)');
  });

  test('reactions: Alice reacts with the picker (1), Bob adds his (2), highlighted for the reactor', async () => {
    const text = `react to me ${rand()}`;
    await sendViaUi(b.page, text);
    const id = await expectExactlyOnce(b.page, text);
    await expectExactlyOnce(a.page, text);
    const group = (u) => messageEl(u, id).locator(`${tid('reaction')}[data-emoji="${THUMBS_UP}"]`);
    assert.equal(await messageEl(a, id).locator(tid('reactions')).count(), 0, 'no reactions yet');

    await action(a, id, 'message-react');
    const picker = messageEl(a, id).locator(tid('reaction-picker'));
    await picker.waitFor();
    await picker.locator(`${tid('reaction-option')}[data-emoji="${THUMBS_UP}"]`).click();
    // The quick row stays in the action bar; the full picker the button opened closes.
    await messageEl(a, id).locator(tid('emoji-picker')).waitFor({ state: 'detached' });

    const state = async (u) => ({
      count: await group(u).getAttribute('data-count').catch(() => null),
      reacted: await group(u).getAttribute('data-reacted').catch(() => null),
    });
    await eventually('Alice: 👍 1, hers', async () => {
      const s = await state(a);
      return s.count === '1' && s.reacted === 'true';
    });
    await eventually('Bob: 👍 1 live, not his', async () => {
      const s = await state(b);
      return s.count === '1' && s.reacted === 'false';
    }, LIVE_MS);
    assert.match(await group(a).getAttribute('class'), /\bmine\b/, 'highlighted for Alice');
    assert.doesNotMatch(await group(b).getAttribute('class'), /\bmine\b/, 'not highlighted for Bob');

    // Bob joins in by clicking the group.
    await group(b).click();
    await eventually('Bob: 👍 2, his', async () => {
      const s = await state(b);
      return s.count === '2' && s.reacted === 'true';
    });
    await eventually('Alice: 👍 2 live, still hers', async () => {
      const s = await state(a);
      return s.count === '2' && s.reacted === 'true';
    }, LIVE_MS);
    assert.match(await group(b).getAttribute('class'), /\bmine\b/, 'now highlighted for Bob');
    assert.equal(await messageEl(a, id).locator(tid('reaction')).count(), 1, 'one group per emoji');

    // Bob takes his back: 1 again on both sides.
    await group(b).click();
    await eventually('Bob: 👍 1, not his', async () => {
      const s = await state(b);
      return s.count === '1' && s.reacted === 'false';
    });
    await eventually('Alice: 👍 1 live', async () => (await state(a)).count === '1', LIVE_MS);
    await screenshot(a.page, 'messages-reactions-alice');
  });

  test('Bob replies: preview in the composer, quote in the timeline, the quote jumps to the original', async () => {
    const id = ids.edited;
    // Newer messages first, so the reply ends up far below the original.
    const token = await login(server, bob.username, bob.password);
    let filler;
    for (let i = 0; i < 25; i += 1) filler = await sendMessage(server, token, roomId, `filler ${i} ${rand()}`);
    await expectExactlyOnce(a.page, filler.body, { settleMs: 0 });
    await expectExactlyOnce(b.page, filler.body, { settleMs: 0 });

    await action(b, id, 'message-reply');
    const preview = b.page.locator(tid('reply-preview'));
    await preview.waitFor();
    assert.equal(await preview.getAttribute('data-reply-to'), id);
    assert.ok((await preview.textContent()).includes(ids.editedBody), 'the preview quotes the original');

    // Cancel, then reply for real.
    await preview.locator(tid('reply-cancel')).click();
    await preview.waitFor({ state: 'detached' });
    await action(b, id, 'message-reply');
    await preview.waitFor();
    const text = `agreed ${rand()}`;
    await sendViaUi(b.page, text);
    await preview.waitFor({ state: 'detached' });

    const replyId = await expectExactlyOnce(b.page, text);
    await expectExactlyOnce(a.page, text);
    ids.reply = replyId;
    ids.replyBody = text;
    for (const u of [a, b]) {
      const quote = messageEl(u, replyId).locator(tid('reply-quote'));
      await quote.waitFor();
      assert.equal(await quote.getAttribute('data-reply-to'), id, `${u.label}: quote points at the original`);
      assert.ok((await quote.textContent()).includes(ids.editedBody), `${u.label}: quote shows the original`);
    }

    // Clicking the quote scrolls the original into view and highlights it.
    await messageEl(a, replyId).scrollIntoViewIfNeeded();
    assert.ok(!(await inViewport(a.page, id)), 'the original is out of view before the click');
    assert.equal(await messageEl(a, id).getAttribute('data-highlighted'), null);
    await messageEl(a, replyId).locator(tid('reply-quote')).click();
    await a.page.waitForSelector(`${tid('message')}[data-message-id="${id}"][data-highlighted="true"]`, {
      timeout: 15_000,
    });
    await eventually('the original scrolled into view', () => inViewport(a.page, id));
    await screenshot(a.page, 'messages-reply-jump-alice');
  });

  test('Alice pins a message; Bob\'s pin count appears live and the pinned item jumps to it', async () => {
    const id = ids.edited;
    const toggle = (u) => u.page.locator(tid('pins-toggle'));
    assert.equal(await toggle(b).getAttribute('data-count'), '0', 'nothing pinned yet');

    await action(a, id, 'message-pin');
    for (const u of [a, b]) {
      const count = () => toggle(u).getAttribute('data-count');
      await eventually(`${u.label}: pins count 1`, async () => (await count()) === '1', LIVE_MS);
      await eventually(
        `${u.label}: the message is marked pinned`,
        async () => (await messageEl(u, id).getAttribute('data-pinned')) === 'true',
        LIVE_MS,
      );
      await messageEl(u, id).locator(tid('message-pinned')).waitFor();
    }

    // Enough newer messages that a fresh load of the room does not include it.
    const token = await login(server, alice.username, alice.password);
    let last;
    for (let i = 0; i < 60; i += 1) last = await sendMessage(server, token, roomId, `later ${i} ${rand()}`);
    await b.page.reload();
    await b.page.waitForSelector(tid('composer-input'));
    await expectExactlyOnce(b.page, last.body, { settleMs: 200 });
    assert.equal(await messageEl(b, id).count(), 0, 'the pinned message is not in the newest page');
    await eventually('Bob: pins count 1 after reload', async () =>
      (await toggle(b).getAttribute('data-count')) === '1',
    );

    await toggle(b).click();
    const panel = b.page.locator(tid('pins-panel'));
    await panel.waitFor();
    const items = panel.locator(tid('pinned-item'));
    assert.equal(await items.count(), 1);
    assert.equal(await items.first().getAttribute('data-message-id'), id);
    assert.ok((await items.first().textContent()).includes(ids.editedBody), 'the pinned item quotes the message');
    await items.first().click();
    await b.page.waitForSelector(`${tid('message')}[data-message-id="${id}"][data-highlighted="true"]`, {
      timeout: 30_000,
    });
    await eventually('the pinned message scrolled into view', () => inViewport(b.page, id));
    await screenshot(b.page, 'messages-pin-jump-bob');
    await waitForConnection(b.page, (s) => s === 'online', 'online after reload (Bob)');

    // Unpinning is live too.
    await action(a, id, 'message-unpin');
    await eventually('Bob: pins count 0', async () => (await toggle(b).getAttribute('data-count')) === '0', LIVE_MS);
    await eventually(
      'Bob: the message is not marked pinned',
      async () => (await messageEl(b, id).getAttribute('data-pinned')) === null,
      LIVE_MS,
    );
  });

  test('search from the header: highlighted results, a click opens the conversation at the message', async () => {
    // The edited message is far back now (85+ newer messages): the jump must load history.
    const word = ids.editedBody.split(' ').at(-1); // the random part
    await a.page.fill(tid('search-input'), word);
    await a.page.press(tid('search-input'), 'Enter');
    await a.page.waitForURL(/\/search\?/);
    assert.equal(new URL(a.page.url()).searchParams.get('q'), word);
    const results = a.page.locator(tid('search-results'));
    await eventually('one search result', async () => (await results.getAttribute('data-count')) === '1');
    const hit = a.page.locator(tid('search-result'));
    assert.equal(await hit.getAttribute('data-message-id'), ids.edited);
    assert.equal(await hit.getAttribute('data-conversation-id'), roomId);
    assert.ok((await hit.locator(tid('search-result-conversation')).textContent()).includes(roomName));
    assert.ok((await hit.locator(tid('search-result-sender')).textContent()).includes(alice.displayName));
    const marks = await hit.locator(`${tid('search-result-snippet')} mark`).allTextContents();
    assert.ok(
      marks.some((m) => m.toLowerCase() === word.toLowerCase()),
      `the word is highlighted with <mark> (marks: ${JSON.stringify(marks)})`,
    );
    await screenshot(a.page, 'messages-search-alice');

    await hit.click();
    await a.page.waitForURL((url) => url.pathname === roomPath() && url.searchParams.get('m') === ids.edited);
    await a.page.waitForSelector(`${tid('message')}[data-message-id="${ids.edited}"][data-highlighted="true"]`, {
      timeout: 30_000,
    });
    await eventually('the found message scrolled into view', () => inViewport(a.page, ids.edited));

    // Edited and deleted text is not found any more; the search page's own form works.
    for (const gone of [ids.draftBody.split(' ').at(-1), ids.deletedBody.split(' ').at(-1)]) {
      await a.page.goto('/search');
      await a.page.fill(tid('search-page-input'), gone);
      await a.page.click(tid('search-submit'));
      await a.page.waitForSelector(tid('search-empty'), { timeout: 15_000 });
      assert.equal(await results.getAttribute('data-count'), '0', `"${gone}" is not found`);
    }
    // And Bob's reply is found by Alice from the search page.
    const replyWord = ids.replyBody.split(' ').at(-1);
    await a.page.fill(tid('search-page-input'), replyWord);
    await a.page.click(tid('search-submit'));
    await eventually('the reply found', async () =>
      (await a.page.locator(tid('search-result')).first().getAttribute('data-message-id')) === ids.reply,
    );
  });

  test('dark mode: the toggle sets html[data-theme="dark"] and it survives a reload', async () => {
    await a.page.goto(roomPath());
    await a.page.waitForSelector(tid('composer-input'));
    const theme = () => a.page.getAttribute('html', 'data-theme');
    const background = () => a.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    assert.equal(await theme(), 'light', 'light by default (the browser prefers light)');
    const lightBg = await background();

    await a.page.click(tid('theme-toggle'));
    await eventually('dark theme', async () => (await theme()) === 'dark');
    assert.equal(await a.page.getAttribute(tid('theme-toggle'), 'data-theme'), 'dark');
    await sleep(500); // any colour transition
    const darkBg = await background();
    assert.notEqual(darkBg, lightBg, 'the page colours change');

    await a.page.reload({ waitUntil: 'domcontentloaded' });
    assert.equal(await theme(), 'dark', 'dark before the app has started (no flash)');
    await a.page.waitForSelector(tid('composer-input'));
    assert.equal(await theme(), 'dark', 'still dark after reload');
    assert.equal(await a.page.getAttribute(tid('theme-toggle'), 'data-theme'), 'dark');
    await screenshotSideBySide(browser, [a.page, b.page], 'messages-dark-light');
    assert.equal(await b.page.getAttribute('html', 'data-theme'), 'light', 'Bob\'s browser is unaffected');

    await a.page.click(tid('theme-toggle'));
    await eventually('light theme', async () => (await theme()) === 'light');
    await a.page.reload();
    await a.page.waitForSelector(tid('composer-input'));
    assert.equal(await theme(), 'light', 'light again after reload');
  });
});
