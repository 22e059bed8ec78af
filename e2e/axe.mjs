// axe-core in the real app, and a populated conversation for the accessibility,
// phone and screenshot tests.
//
// The app's Content-Security-Policy allows no inline script but its own, so axe is not
// added as a <script> tag: its source is evaluated through the DevTools protocol
// (page.evaluate), which the page's CSP does not govern, and nothing is reported to
// the CSP watcher of browser.mjs.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

import { createRoom, gql, joinRoom, register, sendMessage } from './api.mjs';
import { rand } from './harness.mjs';

const require = createRequire(import.meta.url);
let axeSource;

/** Impacts that fail the audit. */
export const BLOCKING = new Set(['serious', 'critical']);

/** Runs axe on the page as it is; returns the serious and critical violations. */
export async function audit(page) {
  axeSource ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(axeSource);
  }
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')} — ${n.failureSummary?.split('\n').slice(1).join(' ').trim()}`),
    }));
  });
  return violations.filter((v) => BLOCKING.has(v.impact));
}

/** One line per violation and node, for the failure message. */
export function describeViolations(where, violations) {
  return violations.flatMap((v) => [
    `${where}: [${v.impact}] ${v.id}: ${v.help}`,
    ...v.nodes.slice(0, 8).map((n) => `    ${n}`),
  ]);
}

async function mutate(server, token, query, variables) {
  const data = await gql(server, query, variables, token);
  const payload = Object.values(data)[0];
  if (payload?.userErrors?.length) throw new Error(JSON.stringify(payload.userErrors));
  return payload;
}

/**
 * Alice and Bob (registered through the API) in a room with a few messages: markdown,
 * a reply, reactions from both and a pinned message; plus a direct conversation and
 * Bob as Alice's contact. Returns { alice, bob, roomId, roomName, dmId, firstId }.
 */
export async function populate(server) {
  const alice = await register(server, 'alice');
  const bob = await register(server, 'bob');
  // Names a reader of the README's screenshots would expect (usernames stay unique).
  for (const [user, displayName, bio] of [[alice, 'Alice Martin', 'Product design'], [bob, 'Bob Chen', 'Front end']]) {
    await mutate(server, user.token,
      `mutation U($input: UpdateProfileInput!) { updateProfile(input: $input) { userErrors { code } } }`,
      { input: { displayName, bio } });
    user.displayName = displayName;
  }
  const roomName = `Design review ${rand(2)}`;
  const roomId = await createRoom(server, alice.token, roomName, 'Mock-ups, copy and the launch checklist');
  await joinRoom(server, bob.token, roomId);
  const first = await sendMessage(server, alice.token, roomId, 'Morning! The **new onboarding** mock-ups are up 🎨');
  await sendMessage(server, bob.token, roomId, 'Looks great. Can we make the `Continue` button bigger on phones?');
  const reply = 'Yes: 44 px at least, and it stays above the keyboard.';
  const replied = await mutate(server, alice.token,
    `mutation R($input: SendMessageInput!) { sendMessage(input: $input) { message { id } userErrors { code } } }`,
    { input: { conversationId: roomId, body: reply, clientId: `e2e-${rand(8)}`, replyToId: first.id } });
  for (const [token, emoji] of [[bob.token, '👍'], [alice.token, '🎉'], [bob.token, '🎉']]) {
    await mutate(server, token,
      `mutation T($input: ToggleReactionInput!) { toggleReaction(input: $input) { message { id } userErrors { code } } }`,
      { input: { messageId: first.id, emoji, reacted: true } });
  }
  const checklist = await sendMessage(server, bob.token, roomId, 'Launch checklist:\n> copy ✅\n> icons ✅\n> dark mode ✅');
  await mutate(server, alice.token,
    `mutation P($input: PinMessageInput!) { pinMessage(input: $input) { message { id } userErrors { code } } }`,
    { input: { messageId: checklist.id } });
  await sendMessage(server, alice.token, roomId, `Pinned it. Ship on Friday, @${bob.username}?`);
  const dm = await mutate(server, alice.token,
    `mutation D($input: OpenDirectConversationInput!) { openDirectConversation(input: $input) { conversation { id } userErrors { code } } }`,
    { input: { userId: bob.id } });
  const dmId = dm.conversation.id;
  await sendMessage(server, bob.token, dmId, 'Got a minute after lunch?');
  await sendMessage(server, alice.token, dmId, 'Sure, 14:00 works.');
  await sendMessage(server, bob.token, dmId, 'See you then 👋');
  await mutate(server, alice.token,
    `mutation C($input: ContactInput!) { addContact(input: $input) { userErrors { code } } }`,
    { input: { userId: bob.id } });
  return { alice, bob, roomId, roomName, dmId, firstId: first.id, replyId: replied.message.id };
}
