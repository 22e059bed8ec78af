// Accessibility audit: axe-core on every page of the web app, in the light and the
// dark theme, at desktop (1280×800) and phone (360×740) size, with a populated
// conversation (markdown, a reply, reactions, a pinned message) and a direct one.
// Any violation of impact "serious" or "critical" fails. The run also refreshes the
// README's screenshots in docs/screenshots/.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { audit, describeViolations, populate } from './axe.mjs';
import { eventually, launchBrowser, loginViaUi, tid } from './browser.mjs';
import { JecoServer, ROOT, sleep } from './harness.mjs';

export const SIZES = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
};
const SCREENSHOTS = path.join(ROOT, 'docs', 'screenshots');

/** Pages, each with what shows it is rendered. */
function pages(fx) {
  const room = `/c/${encodeURIComponent(fx.roomId)}`;
  return {
    signedOut: [
      ['sign-in', '/login', tid('login-submit')],
      ['sign-up', '/register', tid('register-submit')],
      ['forgot password', '/forgot-password', tid('forgot-password-submit')],
      ['reset password', '/reset-password?token=abc', `${tid('reset-password-submit')}, ${tid('reset-password-no-token')}`],
    ],
    signedIn: [
      ['conversation list', '/', tid('conversation-item')],
      ['room', room, `${tid('message')}[data-pinned="true"]`],
      ['room, members and pins open', room, tid('members-toggle'), async (page) => {
        await page.click(tid('members-toggle'));
        const pins = page.locator(tid('pins-toggle'));
        if (await pins.count()) await pins.click();
        await sleep(300);
      }],
      ['room, replying, emoji picker open', room, tid('message'), async (page) => {
        const first = page.locator(tid('message')).first();
        await showActions(page, first);
        await first.locator(tid('message-reply')).click();
        const last = page.locator(`${tid('message')}.own`).last();
        await showActions(page, last);
        await last.locator(tid('message-react')).click();
        await last.locator(tid('emoji-picker')).waitFor();
        await sleep(300);
      }],
      ['direct conversation', `/c/${encodeURIComponent(fx.dmId)}`, tid('message')],
      ['rooms', '/rooms', tid('room-item')],
      ['people', '/people', tid('people-search')],
      ['search', '/search?q=checklist', tid('search-result')],
      ['profile', '/profile', tid('profile-form')],
      ['not found', '/nowhere', 'h1'],
      ['quick switcher', '/', tid('conversation-item'), async (page) => {
        await page.keyboard.press('Control+k');
        await page.waitForSelector(tid('quick-switcher'));
      }],
    ],
  };
}

/**
 * Shows a message's action bar: by hovering where there is a mouse, else by a
 * 700 ms touch hold (the phone contexts have touch).
 */
async function showActions(page, message) {
  await message.scrollIntoViewIfNeeded();
  await message.hover();
  const bar = message.locator(tid('action-bar'));
  if (await bar.isVisible()) return;
  const box = await message.locator(tid('message-body')).boundingBox();
  const cdp = await page.context().newCDPSession(page);
  const point = { x: box.x + 10, y: box.y + box.height / 2 };
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] });
  await sleep(700);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
  await bar.waitFor({ state: 'visible', timeout: 5_000 });
}

/** A context in a theme and size, optionally signed in as `user`. */
async function openContext(browser, server, theme, size, user) {
  const context = await browser.newContext({ baseURL: server.url, ...SIZES[size], reducedMotion: 'reduce' });
  // Before the page's own script reads it (init scripts run over CDP, outside the CSP).
  await context.addInitScript((t) => localStorage.setItem('jeco.theme', t), theme);
  const page = await context.newPage();
  if (user) await loginViaUi(page, user.username, user.password);
  return { context, page };
}

async function show(page, url, ready, prepare) {
  await page.goto(url);
  await page.waitForSelector(ready, { timeout: 15_000 });
  if (prepare) await prepare(page);
  // Fonts and the last renders settle (colour contrast reads the final styles).
  await page.evaluate(() => document.fonts.ready);
  await sleep(200);
}

describe('accessibility (axe-core): no serious or critical violations', { timeout: 600_000 }, () => {
  let server;
  let browser;
  let fx;

  before(async () => {
    server = await JecoServer.start({ name: 'a11y' });
    browser = await launchBrowser();
    fx = await populate(server);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const theme of ['light', 'dark']) {
    for (const size of Object.keys(SIZES)) {
      test(`${theme} theme, ${size}`, async () => {
        const found = [];
        const all = pages(fx);
        const out = await openContext(browser, server, theme, size, null);
        for (const [name, url, ready, prepare] of all.signedOut) {
          await show(out.page, url, ready, prepare);
          assert.equal(await out.page.getAttribute('html', 'data-theme'), theme);
          found.push(...describeViolations(`${name} (${url})`, await audit(out.page)));
        }
        await out.context.close();

        const { context, page } = await openContext(browser, server, theme, size, fx.alice);
        for (const [name, url, ready, prepare] of all.signedIn) {
          await show(page, url, ready, prepare);
          assert.equal(await page.getAttribute('html', 'data-theme'), theme);
          found.push(...describeViolations(`${name} (${url})`, await audit(page)));
        }
        await saveScreenshot(page, fx, theme, size);
        await context.close();
        assert.equal(found.length, 0, `axe violations (${theme}, ${size}):\n${found.join('\n')}`);
      });
    }
  }
});

/** The README's pictures: the populated room, as Alice sees it. */
async function saveScreenshot(page, fx, theme, size) {
  const name = size === 'phone' ? (theme === 'light' ? 'phone' : 'phone-dark') : `desktop-${theme}`;
  await show(page, `/c/${encodeURIComponent(fx.roomId)}`, `${tid('message')}[data-pinned="true"]`);
  await eventually('emoji drawn', () => page.evaluate(() => document.fonts.check('16px "Noto Color Emoji"', '🎉')));
  await page.mouse.move(0, 0);
  await page.locator(tid('composer-input')).fill('Friday it is 🚀');
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}
