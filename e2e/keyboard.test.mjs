// The web app by keyboard: a visible focus ring, Ctrl/Cmd-K's quick switcher, Up to
// edit one's last message, Esc to cancel edits, replies and menus, and the polite
// live region that reads out new messages from others.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { sendMessage } from './api.mjs';
import { populate } from './axe.mjs';
import { eventually, launchBrowser, loginViaUi, openUser, tid } from './browser.mjs';
import { JecoServer, rand } from './harness.mjs';

describe('keyboard and screen readers', { timeout: 300_000 }, () => {
  let server;
  let browser;
  let u;
  let fx;

  before(async () => {
    server = await JecoServer.start({ name: 'keyboard' });
    browser = await launchBrowser();
    fx = await populate(server);
    u = await openUser(browser, server, 'alice', { viewport: { width: 1280, height: 800 } });
    await loginViaUi(u.page, fx.alice.username, fx.alice.password);
  });

  after(async () => {
    if (u?.problems.length) console.log(`browser problems:\n  ${u.problems.join('\n  ')}`);
    await browser?.close();
    await server?.close();
  });

  test('Tab reaches the controls, each with a visible focus ring', async () => {
    const { page } = u;
    await page.goto('/');
    await page.waitForSelector(tid('conversation-item'));
    const seen = new Set();
    for (let i = 0; i < 20; i += 1) {
      await page.keyboard.press('Tab');
      const focus = await page.evaluate(() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        return { id: el.dataset.testid ?? el.tagName, outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
      });
      // Past the last control the focus leaves the page (the browser's own UI).
      if (focus.id === 'BODY') break;
      assert.ok(focus.outline !== 'none' && focus.width >= 2, `${focus.id} shows no focus ring: ${JSON.stringify(focus)}`);
      seen.add(focus.id);
    }
    for (const id of ['nav-home', 'nav-rooms', 'nav-people', 'search-input', 'theme-toggle', 'conversation-item']) {
      assert.ok(seen.has(id), `Tab reaches ${id} (reached: ${[...seen].join(', ')})`);
    }
  });

  test('Ctrl-K opens the quick switcher: type, arrows, Enter; Esc closes', async () => {
    const { page } = u;
    await page.goto(`/c/${encodeURIComponent(fx.roomId)}`);
    await page.waitForSelector(tid('composer-input'));
    await page.focus(tid('composer-input'));
    await page.keyboard.press('Control+k');
    const box = page.locator(tid('quick-switcher'));
    await box.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'quick-switcher-input');
    assert.equal(await box.locator(tid('quick-switcher-item')).count(), 2, 'both conversations listed');
    await page.keyboard.press('Escape');
    await box.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'composer-input', 'focus returns');

    await page.keyboard.press('Control+k');
    await page.keyboard.type(fx.bob.displayName.split(' ')[0]);
    await eventually('only the DM left', async () => (await box.locator(tid('quick-switcher-item')).count()) === 1);
    await page.fill(tid('quick-switcher-input'), '');
    await eventually('both again', async () => (await box.locator(tid('quick-switcher-item')).count()) === 2);
    const items = await box.locator(tid('quick-switcher-item')).evaluateAll((n) => n.map((e) => e.dataset.conversationId));
    await page.keyboard.press('ArrowDown');
    assert.equal(await box.locator('[aria-selected="true"]').getAttribute('data-conversation-id'), items[1]);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await eventually('the second conversation open', () => page.url().includes(encodeURIComponent(items[1])));
    assert.equal(await box.count(), 0, 'the switcher closed');
  });

  test('Up in the empty composer edits my last message; Esc cancels', async () => {
    const { page } = u;
    await page.goto(`/c/${encodeURIComponent(fx.roomId)}`);
    await page.waitForSelector(`${tid('message')}[data-pinned="true"]`);
    await page.focus(tid('composer-input'));
    await page.keyboard.press('ArrowUp');
    const editor = page.locator(tid('message-edit-input'));
    await editor.waitFor();
    assert.match(await editor.inputValue(), /Ship on Friday/, 'the newest of my messages');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'message-edit-input');
    await page.keyboard.press('Escape');
    await editor.waitFor({ state: 'detached' });

    // Not when there is text: Up moves the caret.
    await page.fill(tid('composer-input'), 'line one\nline two');
    await page.focus(tid('composer-input'));
    await page.keyboard.press('ArrowUp');
    assert.equal(await editor.count(), 0);
    await page.fill(tid('composer-input'), '');
  });

  test('Esc cancels a reply and closes the emoji picker', async () => {
    const { page } = u;
    const first = page.locator(tid('message')).first();
    await first.hover();
    await first.locator(tid('message-reply')).click();
    await page.waitForSelector(tid('reply-preview'));
    await page.keyboard.press('Escape');
    await page.waitForSelector(tid('reply-preview'), { state: 'detached' });

    await first.hover();
    await first.locator(tid('message-react')).click();
    await first.locator(tid('emoji-picker')).waitFor();
    await page.keyboard.press('Escape');
    await first.locator(tid('emoji-picker')).waitFor({ state: 'detached' });
  });

  test('the live region announces messages from others, politely, and not my own', async () => {
    const { page } = u;
    const region = page.locator(tid('live-announcer'));
    assert.equal(await region.getAttribute('role'), 'status');
    assert.equal(await region.getAttribute('aria-live'), 'polite');
    assert.equal((await region.textContent()).trim(), '', 'history is not read out');
    const long = `Are the icons final? ${'x'.repeat(200)} ${rand()}`;
    await sendMessage(server, fx.bob.token, fx.roomId, long);
    const text = await eventually('an announcement', async () => (await region.textContent()).trim());
    assert.ok(text.startsWith(`New message from ${fx.bob.displayName}: Are the icons final?`), text);
    assert.ok(text.length < 200 && text.endsWith('…'), `shortened: ${text}`);
    const box = await region.boundingBox();
    assert.ok(!box || (box.width <= 1 && box.height <= 1), 'visually hidden');

    await page.fill(tid('composer-input'), `mine ${rand()}`);
    await page.keyboard.press('Enter');
    await eventually('my message sent', async () => (await page.locator(`${tid('message')}.own`).count()) >= 3);
    assert.equal((await region.textContent()).trim(), text, 'my own message is not announced');
  });
});
