// The web app on a phone (360×740, touch): sign up, open a room from the list, send,
// go back to the list, open a direct conversation. At each step the page must not
// scroll sideways, and the main controls must be touch-sized (44 px).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { populate } from './axe.mjs';
import {
  conversationIdFromUrl,
  eventually,
  expectExactlyOnce,
  launchBrowser,
  registerViaUi,
  screenshot,
  tid,
} from './browser.mjs';
import { newUser } from './api.mjs';
import { JecoServer, rand } from './harness.mjs';

const PHONE = { width: 360, height: 740 };
const MIN_TARGET = 44;

/** Fails when the document is wider than the screen (sideways scrolling). */
async function assertNoSidewaysScroll(page, where) {
  const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
  assert.ok(width <= PHONE.width, `${where}: the page is ${width}px wide, more than ${PHONE.width}px`);
}

/** Fails when any of the (visible) controls is smaller than a fingertip. */
async function assertTouchTargets(page, where, testids) {
  const small = [];
  for (const id of testids) {
    const boxes = await page.$$eval(tid(id), (nodes) =>
      nodes.map((n) => n.getBoundingClientRect()).map((r) => ({ w: r.width, h: r.height })),
    );
    assert.ok(boxes.length > 0, `${where}: no ${id} on the page`);
    for (const b of boxes) {
      if (b.w === 0 && b.h === 0) continue;
      if (b.h < MIN_TARGET || b.w < MIN_TARGET) small.push(`${id} ${Math.round(b.w)}×${Math.round(b.h)}`);
    }
  }
  assert.deepEqual(small, [], `${where}: touch targets under ${MIN_TARGET}px`);
}

const visible = (page, id) => page.locator(tid(id)).first().isVisible();

describe('phone (360×740, touch): list ⇄ conversation, one-handed', { timeout: 300_000 }, () => {
  let server;
  let browser;
  let context;
  let page;
  let fx;
  const carol = newUser('carol');

  before(async () => {
    server = await JecoServer.start({ name: 'phone' });
    browser = await launchBrowser();
    fx = await populate(server);
    context = await browser.newContext({
      baseURL: server.url,
      viewport: PHONE,
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('sign up: the form fits and its controls are touch-sized', async () => {
    await page.goto('/register');
    await page.waitForSelector(tid('register-submit'));
    await assertNoSidewaysScroll(page, 'sign-up');
    await assertTouchTargets(page, 'sign-up', ['register-username', 'register-password', 'register-submit']);
    await registerViaUi(page, carol);
    await assertNoSidewaysScroll(page, 'home');
    await assertTouchTargets(page, 'top bar', ['nav-home', 'nav-rooms', 'nav-people', 'theme-toggle', 'notifications-bell', 'logout']);
  });

  test('open a room: the conversation replaces the list; the composer sits at the bottom', async () => {
    await page.tap(tid('nav-rooms'));
    await page.waitForURL(/\/rooms/);
    await page.fill(tid('room-search'), fx.roomName);
    const item = page.locator(tid('room-item'), { hasText: fx.roomName });
    await item.waitFor({ timeout: 15_000 });
    await assertNoSidewaysScroll(page, 'rooms');
    await assertTouchTargets(page, 'rooms', ['join-room']);
    await item.locator(tid('join-room')).tap();
    await page.waitForURL(/\/c\//, { timeout: 15_000 }).catch(async () => {
      await item.locator(tid('open-room')).tap();
      await page.waitForURL(/\/c\//);
    });
    assert.equal(conversationIdFromUrl(page), fx.roomId);
    await page.waitForSelector(`${tid('message')}[data-pinned="true"]`);
    assert.equal(await visible(page, 'conversation-list'), false, 'the list is hidden in a conversation');
    assert.ok(await visible(page, 'back-to-list'), 'a back button is shown');
    await assertNoSidewaysScroll(page, 'room');
    await assertTouchTargets(page, 'room', ['back-to-list', 'composer-input', 'composer-attach', 'composer-send', 'members-toggle']);
    const box = await page.locator(tid('composer-input')).boundingBox();
    assert.ok(box.y + box.height <= PHONE.height && box.y + box.height > PHONE.height - 120,
      `composer at the bottom (ends at ${box.y + box.height}px of ${PHONE.height})`);
  });

  test('send a message, then go back to the list', async () => {
    const text = `hello from a phone ${rand()}`;
    await page.tap(tid('composer-input'));
    await page.fill(tid('composer-input'), text);
    await page.tap(tid('composer-send'));
    await expectExactlyOnce(page, text);
    await assertNoSidewaysScroll(page, 'room after sending');
    await screenshot(page, 'phone-room');

    await page.tap(tid('back-to-list'));
    await eventually('the home page', () => new URL(page.url()).pathname === '/');
    await page.waitForSelector(tid('conversation-item'));
    assert.ok(await visible(page, 'conversation-list'), 'the list is shown');
    assert.equal(await page.locator(tid('composer-input')).count(), 0, 'no conversation beside it');
    const item = page.locator(tid('conversation-item'), { hasText: fx.roomName });
    await eventually('the room in the list with the new message', async () => (await item.textContent()).includes(text));
    await assertNoSidewaysScroll(page, 'list');
    await assertTouchTargets(page, 'list', ['conversation-item']);
  });

  test('open a direct conversation from People', async () => {
    await page.tap(tid('nav-people'));
    await page.waitForURL(/\/people/);
    await page.fill(tid('people-search'), fx.alice.username);
    const person = page.locator(tid('person-item'), { hasText: `@${fx.alice.username}` });
    await person.waitFor({ timeout: 15_000 });
    await assertNoSidewaysScroll(page, 'people');
    await assertTouchTargets(page, 'people', ['people-search', 'message-person', 'add-contact']);
    await person.locator(tid('message-person')).tap();
    await page.waitForURL(/\/c\//);
    await eventually('the DM titled with Alice\'s name', async () =>
      (await page.textContent(tid('conversation-title')))?.includes(fx.alice.displayName));
    const text = `hi Alice ${rand()}`;
    await page.fill(tid('composer-input'), text);
    await page.tap(tid('composer-send'));
    await expectExactlyOnce(page, text);
    await assertNoSidewaysScroll(page, 'direct conversation');
    await assertTouchTargets(page, 'direct conversation', ['back-to-list', 'composer-send']);
    await screenshot(page, 'phone-dm');
  });
});
