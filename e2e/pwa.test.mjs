// The web app as an installable app: its manifest (checked by Chromium itself), the
// service worker that keeps the app shell, and an offline start that shows the app
// with an "Offline" banner instead of a browser error page. The worker must never
// keep an API answer: only index.html and the build's own files are in its cache.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createRoom, register, sendMessage } from './api.mjs';
import { eventually, launchBrowser, loginViaUi, openUser, screenshot, tid } from './browser.mjs';
import { JecoServer, rand } from './harness.mjs';

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes) {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  assert.deepEqual([...bytes.subarray(0, 8)], signature, 'a PNG');
  return `${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`;
}

/** Every URL in every Cache Storage cache of the page's origin: { cacheName: [path] }. */
function cachedPaths(page) {
  return page.evaluate(async () => {
    const out = {};
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      out[name] = (await cache.keys()).map((r) => new URL(r.url).pathname);
    }
    return out;
  });
}

describe('installable web app, offline start', { timeout: 240_000 }, () => {
  let server;
  let browser;
  let u; // { label, context, page, problems }
  let user;
  const roomName = `Offline ${rand()}`;

  before(async () => {
    server = await JecoServer.start({ name: 'pwa' });
    user = await register(server, 'pia');
    const room = await createRoom(server, user.token, roomName);
    await sendMessage(server, user.token, room, 'kept on the server, not in the worker');
    browser = await launchBrowser();
    u = await openUser(browser, server, 'pia');
  });

  after(async () => {
    if (u?.problems.length) console.log(`[${u.label}] browser problems:\n  ${u.problems.join('\n  ')}`);
    await browser?.close();
    await server?.close();
  });

  test('the manifest is served, valid for Chromium, and its icons load', async () => {
    const res = await fetch(`${server.url}/manifest.webmanifest`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/manifest+json');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const manifest = await res.json();
    assert.equal(manifest.name, 'Jeco Chat');
    assert.equal(manifest.short_name, 'Jeco');
    assert.equal(manifest.start_url, '/');
    assert.equal(manifest.display, 'standalone');
    assert.match(manifest.theme_color, /^#[0-9a-f]{6}$/i);
    assert.match(manifest.background_color, /^#[0-9a-f]{6}$/i);
    const sizes = manifest.icons.map((i) => i.sizes).sort();
    assert.deepEqual(sizes, ['192x192', '512x512', 'any']);
    for (const icon of manifest.icons) {
      const r = await fetch(new URL(icon.src, server.url));
      assert.equal(r.status, 200, icon.src);
      assert.equal(r.headers.get('content-type'), icon.type, icon.src);
      const bytes = Buffer.from(await r.arrayBuffer());
      if (icon.type === 'image/png') assert.equal(pngSize(bytes), icon.sizes, icon.src);
      else assert.match(bytes.toString('utf8'), /^<svg[\s\S]*<\/svg>\s*$/, icon.src);
    }

    // Chromium reads the manifest the page links to and finds nothing to complain about.
    await u.page.goto('/login');
    await u.page.waitForSelector(tid('login-username'));
    const cdp = await u.context.newCDPSession(u.page);
    const app = await cdp.send('Page.getAppManifest');
    assert.equal(new URL(app.url).pathname, '/manifest.webmanifest');
    assert.deepEqual(app.errors, []);
    assert.equal(app.parsed?.name ?? JSON.parse(app.data).name, 'Jeco Chat');
    // Playwright's contexts are incognito, which alone keeps Chromium from offering
    // to install; anything else (an icon too small, a bad start_url) would be listed too.
    const installable = await eventually('installability checked', async () => {
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      const errors = installabilityErrors.filter((e) => e.errorId !== 'in-incognito');
      return errors.length === 0 ? 'installable' : JSON.stringify(errors);
    }).catch((err) => err.message);
    assert.equal(installable, 'installable');
    await cdp.detach();
  });

  test('the service worker registers, and controls the page after a reload', async () => {
    const sw = await fetch(`${server.url}/sw.js`);
    assert.equal(sw.headers.get('cache-control'), 'no-cache', 'a worker must never be cached as immutable');
    const source = await sw.text();
    assert.doesNotMatch(source, /__JECO_BUILD__|__JECO_ASSETS__/, 'sw.js is stamped by the build');
    const build = /const BUILD = "([0-9a-f]{16})";/.exec(source)?.[1];
    assert.ok(build, 'sw.js names its build');

    await loginViaUi(u.page, user.username, user.password);
    await u.page.locator(tid('conversation-item'), { hasText: roomName }).waitFor();
    const scope = await u.page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    assert.equal(new URL(scope).pathname, '/');
    await u.page.reload();
    await u.page.waitForSelector(tid('viewer-name'));
    const controller = await u.page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null);
    assert.equal(controller && new URL(controller).pathname, '/sw.js');

    // One cache, this build's, holding index.html and the hashed wasm, JS and CSS.
    const cached = await cachedPaths(u.page);
    assert.deepEqual(Object.keys(cached), [`jeco-shell-${build}`]);
    const paths = cached[`jeco-shell-${build}`];
    assert.ok(paths.includes('/'), JSON.stringify(paths));
    for (const ext of ['_bg.wasm', '.js', '.css']) {
      assert.ok(
        paths.some((p) => /-[0-9a-f]{16}/.test(p) && p.endsWith(ext)),
        `a hashed *${ext} in ${JSON.stringify(paths)}`,
      );
    }
  });

  test('offline, a reload shows the app shell and an Offline banner; back online, the app', async () => {
    await u.page.locator(tid('conversation-item'), { hasText: roomName }).click();
    await u.page.waitForURL(/\/c\//);
    const url = u.page.url();
    await u.context.setOffline(true);
    try {
      await u.page.reload();
      const banner = u.page.locator(tid('offline-banner'));
      await banner.waitFor({ timeout: 15_000 });
      assert.match(await banner.textContent(), /Offline/);
      assert.equal(await u.page.getAttribute(tid('connection-status'), 'data-state'), 'offline');
      assert.equal(await u.page.title(), 'Jeco Chat');
      assert.equal(u.page.url(), url, 'the same address, not an error page');
      assert.equal(await u.page.locator(tid('login-username')).count(), 0, 'not sent to the login page');
      await screenshot(u.page, 'pwa-offline-start');
    } finally {
      await u.context.setOffline(false);
    }
    // The app notices the network is back and restores the session by itself.
    await u.page.waitForSelector(tid('viewer-name'), { timeout: 30_000 });
    await u.page.locator(tid('conversation-item'), { hasText: roomName }).waitFor();
    assert.equal(await u.page.locator(tid('offline-banner')).count(), 0);
  });

  test('no API answer is ever in the worker\'s cache', async () => {
    // The page has by now fetched conversations, history and a session over /graphql.
    const all = Object.values(await cachedPaths(u.page)).flat();
    assert.ok(all.length > 0);
    const api = all.filter((p) => /^\/(graphql|graphiql|media|healthz|readyz|metrics)(\/|$)/.test(p));
    assert.deepEqual(api, []);
    const routes = all.filter((p) => p.startsWith('/c/') || p === '/login');
    assert.deepEqual(routes, [], 'app routes are answered from "/", not cached one by one');
  });
});
