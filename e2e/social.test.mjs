// People, direct messages, unread badges and read receipts in the real web app
// (Chromium), two users side by side: Alice finds Bob on /people and messages him;
// Bob sees the conversation (titled with Alice's name) with an unread badge, opens
// it, the badge goes, and Alice's message shows as seen. Then contacts, blocking,
// and a private room with invite, remove and leave.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { newUser } from './api.mjs';
import {
  conversationIdFromUrl,
  eventually,
  expectExactlyOnce,
  launchBrowser,
  openUser,
  registerViaUi,
  screenshot,
  screenshotSideBySide,
  sendViaUi,
  tid,
  waitForConnection,
} from './browser.mjs';
import { JecoServer, rand } from './harness.mjs';

describe('people, direct messages and read state, two users side by side', { timeout: 300_000 }, () => {
  let server;
  let browser;
  let a;
  let b;
  const alice = newUser('alice');
  const bob = newUser('bob');
  let dmId;

  const listItem = (u, text) =>
    u.page.locator(`${tid('conversation-list')} ${tid('conversation-item')}`, { hasText: text });

  /** Goes to /people and searches; resolves the result row of `user`. */
  async function findPerson(u, user) {
    await u.page.click(tid('nav-people'));
    await u.page.waitForURL(/\/people/);
    await u.page.fill(tid('people-search'), user.username);
    const item = u.page.locator(tid('person-item'), { hasText: `@${user.username}` });
    await item.waitFor({ timeout: 15_000 });
    return item;
  }

  before(async () => {
    server = await JecoServer.start({ name: 'social' });
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

  test('Alice finds Bob on /people and messages him; Bob gets an unread DM that clears when read', async () => {
    await registerViaUi(a.page, alice);
    await registerViaUi(b.page, bob);
    await waitForConnection(b.page, (s) => s === 'online', 'online (Bob)');

    const item = await findPerson(a, bob);
    assert.match(await item.textContent(), new RegExp(bob.displayName));
    await item.locator(tid('message-person')).click();
    await a.page.waitForURL(/\/c\//);
    dmId = conversationIdFromUrl(a.page);
    await eventually('the DM titled with Bob\'s name', async () =>
      (await a.page.textContent(tid('conversation-title')))?.includes(bob.displayName),
    );
    await a.page.waitForSelector(tid('composer-input'));
    await waitForConnection(a.page, (s) => s === 'online', 'online (Alice)');

    const hello = `hi Bob, it's Alice ${rand()}`;
    await sendViaUi(a.page, hello);
    const messageId = await expectExactlyOnce(a.page, hello, { settleMs: 0 });
    const receiptEl = () => a.page.locator(`${tid('message')}[data-message-id="${messageId}"] ${tid('message-seen')}`);
    const seenOf = () => receiptEl().textContent();
    const receiptOf = () => receiptEl().getAttribute('data-receipt');
    // Bob's app is open (his socket gets the message), so it may already be delivered.
    assert.ok(['sent', 'delivered'].includes(await receiptOf()), `receipt: ${await receiptOf()}`);
    // Alice's own list names the DM after Bob too.
    await listItem(a, bob.displayName).waitFor({ timeout: 15_000 });

    // Bob, on the home page, gets the DM live: titled with Alice's name, 1 unread.
    const dm = listItem(b, alice.displayName);
    await dm.waitFor({ timeout: 15_000 });
    await eventually('an unread badge of 1 on Bob\'s side', async () =>
      (await dm.locator(tid('unread-badge')).textContent().catch(() => ''))?.trim() === '1',
    );
    // Bob has it listed but has not opened it: Alice sees "Delivered", live.
    await eventually('Alice\'s message marked delivered', async () => (await receiptOf()) === 'delivered');
    assert.equal((await seenOf()).trim(), 'Delivered');

    await dm.click();
    await b.page.waitForURL(new RegExp(`/c/${encodeURIComponent(dmId)}`));
    await expectExactlyOnce(b.page, hello, { settleMs: 0 });
    assert.ok((await b.page.textContent(tid('conversation-title'))).includes(alice.displayName));
    await eventually('Bob\'s badge gone', async () => (await dm.locator(tid('unread-badge')).count()) === 0);

    // Alice sees it read, live.
    await eventually('Alice\'s message marked seen', async () => /^Seen/.test((await seenOf()).trim()));
    assert.equal(await receiptOf(), 'seen');
    assert.match(await seenOf(), new RegExp(bob.displayName));
    // The artifact: Alice's message seen by Bob, Bob in the DM titled with Alice's name.
    await screenshotSideBySide(browser, [a.page, b.page], 'social');

    // Still read after a reload (the server's read position moved).
    await b.page.goto('/');
    await listItem(b, alice.displayName).waitFor({ timeout: 15_000 });
    assert.equal(await listItem(b, alice.displayName).locator(tid('unread-badge')).count(), 0);
  });

  test('a reply to a conversation Bob is not viewing counts as unread for Alice', async () => {
    await a.page.click(tid('nav-people'));
    await a.page.waitForURL(/\/people/);
    await b.page.goto(`/c/${encodeURIComponent(dmId)}`);
    await b.page.waitForSelector(tid('composer-input'));
    const reply = `hello Alice ${rand()}`;
    await sendViaUi(b.page, reply);
    await expectExactlyOnce(b.page, reply, { settleMs: 0 });
    const dm = listItem(a, bob.displayName);
    await eventually('Alice\'s unread badge of 1', async () =>
      (await dm.locator(tid('unread-badge')).textContent().catch(() => ''))?.trim() === '1',
    );
    await dm.click();
    await expectExactlyOnce(a.page, reply, { settleMs: 0 });
    await eventually('Alice\'s badge gone', async () => (await dm.locator(tid('unread-badge')).count()) === 0);
  });

  test('contacts, and a blocked user cannot open a DM', async () => {
    // Alice left the DM right after reading it: the server still recorded the read.
    await a.page.click(tid('nav-people'));
    await eventually('no badge on the DM after a reload', async () => {
      await a.page.goto('/people');
      await listItem(a, bob.displayName).waitFor({ timeout: 15_000 });
      return (await listItem(a, bob.displayName).locator(tid('unread-badge')).count()) === 0;
    });
    const item = await findPerson(a, bob);
    await item.locator(tid('add-contact')).click();
    await a.page.locator(tid('contact-item'), { hasText: `@${bob.username}` }).waitFor({ timeout: 15_000 });
    await item.locator(tid('remove-contact')).waitFor();
    await screenshot(a.page, 'social-people');
    await item.locator(tid('remove-contact')).click();
    await eventually('contact removed', async () =>
      (await a.page.locator(tid('contact-item'), { hasText: `@${bob.username}` }).count()) === 0,
    );

    // Bob blocks Alice: her "Message" answers with the server's FORBIDDEN message.
    const alicesRow = await findPerson(b, alice);
    await alicesRow.locator(tid('block-person')).click();
    await alicesRow.locator(tid('unblock-person')).waitFor({ timeout: 15_000 });
    await item.locator(tid('message-person')).click();
    const error = await a.page.locator(tid('form-error')).textContent({ timeout: 15_000 });
    assert.ok(error.trim().length > 0, 'an error is shown');
    assert.match(new URL(a.page.url()).pathname, /\/people/, 'Alice stays on /people');
    await alicesRow.locator(tid('unblock-person')).click();
    await alicesRow.locator(tid('block-person')).waitFor({ timeout: 15_000 });
  });

  test('a private room: invite by username, remove, and leave', async () => {
    const roomName = `Secret ${rand()}`;
    await a.page.click(tid('nav-rooms'));
    await a.page.waitForURL(/\/rooms/);
    await a.page.fill(tid('create-room-name'), roomName);
    await a.page.check(tid('create-room-private'));
    await a.page.click(tid('create-room-submit'));
    await a.page.waitForURL(/\/c\//);
    const roomId = conversationIdFromUrl(a.page);

    await a.page.click(tid('members-toggle'));
    await a.page.locator(tid('member-item'), { hasText: `@${alice.username}` }).waitFor({ timeout: 15_000 });
    await a.page.fill(tid('invite-username'), bob.username);
    await a.page.click(tid('invite-submit'));
    const bobRow = a.page.locator(tid('member-item'), { hasText: `@${bob.username}` });
    await bobRow.waitFor({ timeout: 15_000 });
    await listItem(b, roomName).waitFor({ timeout: 15_000 });
    await screenshot(a.page, 'social-members');

    await bobRow.locator(tid('remove-member')).click();
    await eventually('Bob removed from the member list', async () => (await bobRow.count()) === 0);
    await eventually('the room gone from Bob\'s list', async () => (await listItem(b, roomName).count()) === 0);

    await a.page.fill(tid('invite-username'), bob.username);
    await a.page.click(tid('invite-submit'));
    await listItem(b, roomName).click();
    await b.page.waitForURL(new RegExp(`/c/${encodeURIComponent(roomId)}`));
    await b.page.click(tid('leave-room'));
    await eventually('Bob back home', async () => new URL(b.page.url()).pathname === '/');
    await eventually('the room gone from Bob\'s list', async () => (await listItem(b, roomName).count()) === 0);
    await eventually('Alice sees one member', async () =>
      (await a.page.locator(tid('member-item')).count()) === 1,
    );
    // Nothing along the way brought back the badge of the DM Alice has read.
    assert.equal(await listItem(a, bob.displayName).locator(tid('unread-badge')).count(), 0);
  });
});
