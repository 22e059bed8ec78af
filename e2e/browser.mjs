// Chromium (the Debian package, driven by playwright-core) and small helpers for
// driving the Yew app through its data-testid selectors.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import { chromium } from 'playwright-core';

import { ARTIFACTS, sleep } from './harness.mjs';

export const CHROMIUM = process.env.JECO_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Content-Security-Policy violations Chromium reported on any page of any browser
 * launched here. Closing a browser when there are any prints them and fails the
 * test file (exit code 1, which `node --test` reports as a failure), without
 * throwing: the suite's `after` hook still stops its server.
 */
export const cspViolations = [];

const watched = new WeakSet();
function watchCsp(page) {
  if (watched.has(page)) return;
  watched.add(page);
  page.on('console', (msg) => {
    if (msg.text().includes('Content Security Policy')) cspViolations.push(`${page.url()}: ${msg.text()}`);
  });
}

/** Launches Chromium; `args` are extra command-line switches (e.g. fake media devices). */
export async function launchBrowser({ args = [] } = {}) {
  const browser = await launchChromium(args);
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args) => {
    const context = await newContext(...args);
    context.on('page', watchCsp);
    return context;
  };
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (...args) => {
    const page = await newPage(...args);
    watchCsp(page);
    return page;
  };
  const close = browser.close.bind(browser);
  browser.close = async (...args) => {
    await close(...args);
    if (cspViolations.length) {
      console.error(`Content Security Policy violations:\n  ${cspViolations.join('\n  ')}`);
      process.exitCode = 1;
    }
  };
  return browser;
}

function launchChromium(extraArgs) {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/** `[data-testid="id"]` */
export const tid = (id) => `[data-testid="${id}"]`;

/**
 * A browser context + page for one user, recording console errors, page errors and
 * failed requests (shown when a test fails).
 */
export async function openUser(browser, server, label, { viewport = { width: 960, height: 720 } } = {}) {
  const context = await browser.newContext({ baseURL: server.url, viewport });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`requestfailed: ${req.url()} ${req.failure()?.errorText}`));
  return { label, context, page, problems };
}

export async function screenshot(page, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/**
 * Saves the pages side by side in one picture (artifacts/NAME.png): the test
 * artifact that shows both users at once.
 */
export async function screenshotSideBySide(browser, pages, name) {
  const shots = await Promise.all(pages.map((p) => p.screenshot()));
  const imgs = shots
    .map((buf) => `<img src="data:image/png;base64,${buf.toString('base64')}">`)
    .join('');
  const sizes = pages.map((p) => p.viewportSize() ?? { width: 960, height: 720 });
  const width = sizes.reduce((sum, s) => sum + s.width + 8, 0);
  const height = Math.max(...sizes.map((s) => s.height));
  const page = await browser.newPage({ viewport: { width, height } });
  try {
    await page.setContent(
      `<body style="margin:0;display:flex;gap:8px;background:#888;width:max-content">${imgs}</body>`,
    );
    await page.waitForFunction(() => [...document.images].every((img) => img.complete));
    await mkdir(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `${name}.png`);
    await page.locator('body').screenshot({ path: file });
    return file;
  } finally {
    await page.close();
  }
}

/** Polls `fn` until it returns a truthy value; throws `what` on timeout. */
export async function eventually(what, fn, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await sleep(100);
  }
}

/** Registers through the /register page; resolves once the app shows the viewer. */
export async function registerViaUi(page, user) {
  await page.goto('/register');
  await page.fill(tid('register-username'), user.username);
  await page.fill(tid('register-email'), user.email);
  await page.fill(tid('register-password'), user.password);
  await page.fill(tid('register-display-name'), user.displayName);
  await page.click(tid('register-submit'));
  await page.waitForSelector(tid('viewer-name'), { timeout: 15_000 });
  await eventually('leaving /register', () => !new URL(page.url()).pathname.startsWith('/register'));
}

/** Logs in through the /login page; resolves once the app shows the viewer. */
export async function loginViaUi(page, usernameOrEmail, password) {
  await page.goto('/login');
  await page.fill(tid('login-username'), usernameOrEmail);
  await page.fill(tid('login-password'), password);
  await page.click(tid('login-submit'));
  await page.waitForSelector(tid('viewer-name'), { timeout: 15_000 });
  await eventually('leaving /login', () => !new URL(page.url()).pathname.startsWith('/login'));
}

/** The conversation id of the chat page currently shown (/c/:id). */
export function conversationIdFromUrl(page) {
  const match = /\/c\/([^/?#]+)/.exec(new URL(page.url()).pathname);
  return match ? decodeURIComponent(match[1]) : null;
}

/** Creates a room on /rooms and opens it; returns its conversation id. */
export async function createRoomViaUi(page, name, topic) {
  await page.click(tid('nav-rooms'));
  await page.waitForURL(/\/rooms/);
  await page.fill(tid('create-room-name'), name);
  await page.fill(tid('create-room-topic'), topic);
  await page.click(tid('create-room-submit'));
  await openRoomFromList(page, name);
  return conversationIdFromUrl(page);
}

async function openRoomFromList(page, name) {
  // Creating or joining may open the room directly; otherwise use its open button.
  const opened = await page
    .waitForURL(/\/c\//, { timeout: 3_000 })
    .then(() => true)
    .catch(() => false);
  if (!opened) {
    const item = page.locator(tid('room-item'), { hasText: name });
    await item.locator(tid('open-room')).click();
    await page.waitForURL(/\/c\//);
  }
  await page.waitForSelector(tid('composer-input'));
  await eventually('the conversation title', async () =>
    (await page.textContent(tid('conversation-title')))?.includes(name),
  );
}

/** Finds a public room on /rooms by search, joins it and opens it. */
export async function joinRoomViaUi(page, name) {
  await page.click(tid('nav-rooms'));
  await page.waitForURL(/\/rooms/);
  await page.fill(tid('room-search'), name);
  const item = page.locator(tid('room-item'), { hasText: name });
  await item.waitFor({ timeout: 15_000 });
  await item.locator(tid('join-room')).click();
  await openRoomFromList(page, name);
  return conversationIdFromUrl(page);
}

export async function sendViaUi(page, text) {
  await page.fill(tid('composer-input'), text);
  await page.click(tid('composer-send'));
}

/** Bodies of the messages in the timeline, in DOM order. */
export async function timelineBodies(page) {
  return page.$$eval(`${tid('timeline')} ${tid('message')}`, (nodes) =>
    nodes.map((n) => n.querySelector('[data-testid="message-body"]')?.textContent?.trim() ?? ''),
  );
}

/**
 * Waits until a confirmed (not pending) message with exactly this body is shown,
 * lets the page settle, then asserts it is shown exactly once.
 */
export async function expectExactlyOnce(page, body, { timeoutMs = 15_000, settleMs = 1_000 } = {}) {
  const count = () =>
    page.$$eval(
      `${tid('timeline')} ${tid('message')}`,
      (nodes, wanted) =>
        nodes
          .filter((n) => n.querySelector('[data-testid="message-body"]')?.textContent?.trim() === wanted)
          .map((n) => ({ pending: n.getAttribute('data-pending') === 'true', id: n.getAttribute('data-message-id') })),
      body,
    );
  await eventually(`"${body}" shown and confirmed`, async () => {
    const shown = await count();
    return shown.length > 0 && shown.every((m) => !m.pending);
  }, timeoutMs);
  await sleep(settleMs);
  const shown = await count();
  if (shown.length !== 1) {
    throw new Error(`"${body}" is shown ${shown.length} times: ${JSON.stringify(shown)}`);
  }
  return shown[0].id;
}

/** Waits for the connection indicator to reach a state (online|connecting|offline). */
export async function waitForConnection(page, predicate, what, timeoutMs = 20_000) {
  return eventually(`connection ${what}`, async () => {
    const state = await page.getAttribute(tid('connection-status'), 'data-state').catch(() => null);
    return predicate(state) ? state : null;
  }, timeoutMs);
}

/**
 * Whether the message's element is (at least partly) visible: inside the window and
 * inside every scrolling ancestor (the timeline scrolls on its own).
 */
export async function inViewport(page, id) {
  return page.$eval(`[data-testid="message"][data-message-id="${id}"]`, (el) => {
    const r = el.getBoundingClientRect();
    if (r.height === 0 || r.bottom <= 0 || r.top >= window.innerHeight) return false;
    for (let p = el.parentElement; p; p = p.parentElement) {
      const overflow = getComputedStyle(p).overflowY;
      if ((overflow === 'auto' || overflow === 'scroll') && p.scrollHeight > p.clientHeight) {
        const c = p.getBoundingClientRect();
        if (r.bottom <= c.top || r.top >= c.bottom) return false;
      }
    }
    return true;
  });
}
