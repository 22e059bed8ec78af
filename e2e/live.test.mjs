// Typing, presence and notifications in the real web app (Chromium), two users in a
// room: Bob types and Alice sees the typing line until he sends; Alice sees Bob's
// presence dot online (members panel, contacts) while his page is open and offline
// once it is closed; Alice @mentions Bob, who gets a toast and a bell badge, opens
// the panel, follows the notification to the room, and the badge goes; "Mark all
// read" clears the rest.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { newUser } from './api.mjs';
import {
  createRoomViaUi,
  eventually,
  expectExactlyOnce,
  joinRoomViaUi,
  launchBrowser,
  openUser,
  registerViaUi,
  screenshotSideBySide,
  sendViaUi,
  tid,
  waitForConnection,
} from './browser.mjs';
import { JecoServer, rand } from './harness.mjs';

describe('typing, presence and notifications, two users side by side', { timeout: 300_000 }, () => {
  let server;
  let browser;
  let a;
  let b;
  const alice = newUser('alice');
  const bob = newUser('bob');
  const roomName = `Live ${rand()}`;
  let roomId;

  const bobsDot = () =>
    a.page.locator(`${tid('member-item')}:has-text("@${bob.username}") ${tid('presence-dot')}`);
  const badgeText = async () =>
    ((await b.page.locator(tid('notifications-badge')).textContent({ timeout: 500 }).catch(() => '')) ?? '').trim();

  before(async () => {
    server = await JecoServer.start({ name: 'live' });
    browser = await launchBrowser();
    a = await openUser(browser, server, 'alice');
    b = await openUser(browser, server, 'bob');
  });

  after(async () => {
    for (const u of [a, b]) {
      if (u?.problems.length) console.log(`[${u.label}] browser problems:\n  ${u.problems.join('\n  ')}`);
    }
    await browser?.close();
    await server?.close();
  });

  test('Alice sees Bob typing, and the line goes when he sends', async () => {
    await registerViaUi(a.page, alice);
    await registerViaUi(b.page, bob);
    roomId = await createRoomViaUi(a.page, roomName, 'typing and presence');
    await joinRoomViaUi(b.page, roomName);
    await waitForConnection(a.page, (s) => s === 'online', 'online (Alice)');
    await waitForConnection(b.page, (s) => s === 'online', 'online (Bob)');
    assert.equal(await a.page.locator(tid('typing-line')).count(), 0, 'nobody types yet');

    const text = `typing test ${rand()}`;
    await b.page.locator(tid('composer-input')).pressSequentially(text, { delay: 30 });
    await eventually('Alice sees Bob typing', async () =>
      ((await a.page.locator(tid('typing-line')).textContent({ timeout: 500 }).catch(() => '')) ?? '').includes(
        `${bob.displayName} is typing`,
      ),
    );
    await b.page.locator(tid('composer-input')).press('Enter');
    await expectExactlyOnce(a.page, text, { settleMs: 0 });
    await eventually('the typing line gone', async () => (await a.page.locator(tid('typing-line')).count()) === 0);
  });

  test('Alice sees Bob online in the members panel', async () => {
    await a.page.click(tid('members-toggle'));
    await a.page.locator(tid('member-item'), { hasText: `@${bob.username}` }).waitFor({ timeout: 15_000 });
    await eventually('Bob online', async () => (await bobsDot().getAttribute('data-online')) === 'true');
  });

  test('Alice adds Bob as a contact: his contact row shows him online too', async () => {
    await a.page.click(tid('nav-people'));
    await a.page.waitForURL(/\/people/);
    await a.page.fill(tid('people-search'), bob.username);
    const result = a.page.locator(tid('person-item'), { hasText: `@${bob.username}` });
    await result.waitFor({ timeout: 15_000 });
    await result.locator(tid('add-contact')).click();
    const contact = a.page.locator(tid('contact-item'), { hasText: `@${bob.username}` });
    await contact.waitFor({ timeout: 15_000 });
    await eventually('Bob online in the contacts', async () =>
      (await contact.locator(tid('presence-dot')).getAttribute('data-online')) === 'true',
    );
    // Back to the room, members panel open, for the tests below.
    await a.page.locator(`${tid('conversation-list')} ${tid('conversation-item')}`, { hasText: roomName }).click();
    await a.page.waitForSelector(tid('composer-input'));
    await a.page.click(tid('members-toggle'));
    await a.page.locator(tid('member-item'), { hasText: `@${bob.username}` }).waitFor({ timeout: 15_000 });
  });

  test('Alice @mentions Bob: toast, badge, panel, and the badge goes when he follows it', async () => {
    await b.page.click(tid('nav-people'));
    await b.page.waitForURL(/\/people/);
    assert.equal(await b.page.locator(tid('notifications-badge')).count(), 0, 'no badge yet');

    const mention = `hey @${bob.username}, look ${rand()}`;
    await sendViaUi(a.page, mention);
    await expectExactlyOnce(a.page, mention, { settleMs: 0 });

    const toast = b.page.locator(tid('toast'), { hasText: alice.displayName });
    await toast.waitFor({ timeout: 15_000 });
    assert.match(await toast.textContent(), /mentioned you/);
    await eventually('a bell badge of 1', async () => (await badgeText()) === '1');

    await b.page.click(tid('notifications-bell'));
    const item = b.page.locator(`${tid('notifications-panel')} ${tid('notification-item')}`, {
      hasText: alice.displayName,
    });
    await item.waitFor({ timeout: 15_000 });
    assert.match(await item.textContent(), new RegExp(roomName));
    await screenshotSideBySide(browser, [a.page, b.page], 'live');

    await item.click();
    await b.page.waitForURL(new RegExp(`/c/${encodeURIComponent(roomId)}`));
    await expectExactlyOnce(b.page, mention, { settleMs: 0 });
    await eventually('the badge gone', async () => (await b.page.locator(tid('notifications-badge')).count()) === 0);
  });

  test('two more mentions while Bob is elsewhere: badge 2, then "Mark all read" clears it', async () => {
    await b.page.click(tid('nav-people'));
    await b.page.waitForURL(/\/people/);
    for (const n of [1, 2]) {
      const body = `@${bob.username} ping ${n} ${rand()}`;
      await sendViaUi(a.page, body);
      await expectExactlyOnce(a.page, body, { settleMs: 0 });
    }
    await eventually('a bell badge of 2', async () => (await badgeText()) === '2');
    await b.page.click(tid('notifications-bell'));
    await b.page.locator(tid('notifications-panel')).waitFor({ timeout: 15_000 });
    assert.equal(await b.page.locator(`${tid('notification-item')}[data-read="false"]`).count(), 2);
    await b.page.click(tid('notifications-mark-all'));
    await eventually('the badge gone', async () => (await b.page.locator(tid('notifications-badge')).count()) === 0);
    assert.equal(await b.page.locator(`${tid('notification-item')}[data-read="false"]`).count(), 0);
    await b.page.keyboard.press('Escape');
    await eventually('the panel closed', async () => (await b.page.locator(tid('notifications-panel')).count()) === 0);
  });

  test('Bob goes offline for Alice when his page closes', async () => {
    await b.context.close();
    b = { ...b, problems: b.problems };
    await eventually('Bob offline', async () => (await bobsDot().getAttribute('data-online')) === 'false', 30_000);
  });
});
