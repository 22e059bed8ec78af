// Message markdown is safe in the real web app (Chromium): hostile markup sent
// through the composer and through the API shows up as text, never as elements,
// script, handlers or javascript: links, for the sender and the reader, live and
// after a reload; ordinary markdown still renders.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createRoom, joinRoom, register, sendMessage } from './api.mjs';
import {
  eventually,
  launchBrowser,
  loginViaUi,
  openUser,
  screenshot,
  screenshotSideBySide,
  sendViaUi,
  tid,
  waitForConnection,
} from './browser.mjs';
import { JecoServer, rand } from './harness.mjs';

/**
 * Hostile bodies, each with a piece of its text that must be shown literally (the
 * markup is text, not HTML, and unsafe link targets stay visible as text).
 */
const HOSTILE = [
  { body: '<script>window.__pwned=1</script>', shown: '<script>' },
  { body: '<img src=x onerror="window.__pwned=1">', shown: '<img src=x onerror=' },
  { body: '[click](javascript:window.__pwned=1)', shown: '(javascript:window.' },
  { body: '[x](JaVaScRiPt:alert(1))', shown: '[x](JaVaScRiPt:alert(1))' },
  { body: '[y](  javascript:alert(1))', shown: 'javascript:alert(1)' },
  { body: '[z](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)', shown: 'data:text/html' },
  { body: '[v](vbscript:msgbox(1)) [f](file:///etc/passwd)', shown: 'vbscript:' },
  { body: '<iframe src="javascript:window.__pwned=1"></iframe>', shown: '<iframe' },
  { body: '<svg onload="window.__pwned=1"><circle r="5"/></svg>', shown: '<svg onload=' },
  { body: '<object data="javascript:window.__pwned=1"></object><embed src="javascript:alert(1)">', shown: '<object' },
  { body: '<a href="javascript:alert(1)">raw link</a>', shown: '<a href=' },
  { body: '![img](https://example.com/x.png) ![img2](javascript:alert(1))', shown: '![img2](javascript:alert(1))' },
  { body: '<style>body{display:none}</style><b onmouseover="alert(1)">hover</b>', shown: '<style>' },
  { body: '**<img src=x onerror=alert(1)>** `<script>alert(1)</script>`', shown: '<script>alert(1)</script>' },
  { body: '```\n<script>window.__pwned=1</script>\n```', shown: '<script>window.' },
  { body: '> <img src=x onerror="window.__pwned=1">', shown: '<img src=x' },
];

const SAFE = '**bold** _it_ `code` [ok](https://example.com)\n\n```\nblock line\n```\n\n> quote';

const FORBIDDEN = [
  'script', 'img', 'iframe', 'svg', 'object', 'embed', 'style', 'link', 'meta', 'base',
  'form', 'input', 'frame', 'frameset', 'video', 'audio', 'math',
].join(', ');

/**
 * Runs in the page: every way the timeline could carry active content. Returns a list
 * of findings (empty when safe).
 */
function scanTimeline(forbidden) {
  const findings = [];
  const timeline = document.querySelector('[data-testid="timeline"]');
  if (!timeline) return ['no timeline'];
  for (const el of timeline.querySelectorAll(forbidden)) findings.push(`element <${el.localName}>`);
  for (const el of timeline.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (/^on/i.test(attr.name)) findings.push(`<${el.localName} ${attr.name}="${attr.value}">`);
      if (/^\s*(javascript|data|vbscript):/i.test(attr.value)) {
        findings.push(`<${el.localName} ${attr.name}="${attr.value}">`);
      }
    }
  }
  for (const a of timeline.querySelectorAll('a')) {
    const raw = a.getAttribute('href');
    let protocol = null;
    try {
      protocol = new URL(raw, document.baseURI).protocol;
    } catch {
      // unparsable
    }
    if (raw === null || !['http:', 'https:', 'mailto:'].includes(protocol)) findings.push(`<a href="${raw}">`);
  }
  if (window.__pwned !== undefined) findings.push(`window.__pwned = ${window.__pwned}`);
  return findings;
}

describe('safe markdown in the browser', { timeout: 300_000 }, () => {
  let server;
  let browser;
  let a;
  let b;
  let alice;
  let bob;
  let roomId;
  const dialogs = [];
  const tag = rand();

  /** The confirmed message whose text contains `marker`, in u's timeline. */
  async function confirmedMessage(u, marker) {
    const loc = u.page.locator(`${tid('timeline')} ${tid('message')}[data-message-id]:not([data-pending])`, {
      hasText: marker,
    });
    await eventually(`${u.label}: message ${marker}`, async () => (await loc.count()) === 1);
    return loc;
  }

  async function assertSafe(u, when) {
    const findings = await u.page.evaluate(scanTimeline, FORBIDDEN);
    assert.deepEqual(findings, [], `${u.label} ${when}: active content in the timeline`);
    assert.deepEqual(dialogs, [], `no dialog may open (${when})`);
  }

  async function openRoom(u) {
    await u.page.goto(`/c/${encodeURIComponent(roomId)}`);
    await u.page.waitForSelector(tid('composer-input'));
    await waitForConnection(u.page, (s) => s === 'online', `online (${u.label})`);
  }

  before(async () => {
    server = await JecoServer.start({ name: 'markdown' });
    alice = await register(server, 'alice');
    bob = await register(server, 'bob');
    roomId = await createRoom(server, alice.token, `Markdown ${tag}`, 'hostile input');
    await joinRoom(server, bob.token, roomId);
    browser = await launchBrowser();
    a = await openUser(browser, server, 'alice');
    b = await openUser(browser, server, 'bob');
    for (const u of [a, b]) {
      u.page.on('dialog', (dialog) => {
        dialogs.push(`${u.label}: ${dialog.type()} ${dialog.message()}`);
        dialog.dismiss().catch(() => {});
      });
    }
    await loginViaUi(a.page, alice.username, alice.password);
    await loginViaUi(b.page, bob.username, bob.password);
    await openRoom(a);
    await openRoom(b);
  });

  after(async () => {
    for (const u of [a, b]) {
      if (u?.problems.length) console.log(`[${u.label}] browser problems:\n  ${u.problems.join('\n  ')}`);
    }
    if (a?.page && b?.page) await screenshotSideBySide(browser, [a.page, b.page], 'markdown').catch(() => {});
    await browser?.close();
    await server?.close();
  });

  test('the scanner itself finds active content (so a clean scan means something)', async () => {
    const page = await a.context.newPage();
    try {
      await page.setContent(
        '<ul data-testid="timeline"><li><img src="data:,"><a href="javascript:void 0">x</a>' +
          '<a href="https://example.com">ok</a><b onclick="1">y</b></li></ul>',
      );
      const findings = await page.evaluate(scanTimeline, FORBIDDEN);
      assert.ok(findings.some((f) => f.startsWith('element <img>')), JSON.stringify(findings));
      assert.ok(findings.some((f) => f.includes('javascript:void 0')), JSON.stringify(findings));
      assert.ok(findings.some((f) => f.includes('onclick')), JSON.stringify(findings));
      assert.ok(!findings.some((f) => f.includes('https://example.com')), JSON.stringify(findings));
    } finally {
      await page.close();
    }
  });

  test('hostile markup typed into the composer is shown as text to sender and reader', async () => {
    for (const [i, { body, shown }] of HOSTILE.entries()) {
      const marker = `ui${i}-${tag}`;
      await sendViaUi(a.page, `${marker} ${body}`);
      for (const u of [a, b]) {
        const m = await confirmedMessage(u, marker);
        const text = await m.locator(tid('message-body')).textContent();
        assert.ok(text.includes(shown), `${u.label}: "${shown}" shown literally in ${JSON.stringify(text)}`);
      }
    }
    await assertSafe(a, 'after sending');
    await assertSafe(b, 'live');
    await screenshot(b.page, 'markdown-hostile-ui-bob');
  });

  test('hostile markup sent through the API is shown as text too', async () => {
    for (const [i, { body, shown }] of HOSTILE.entries()) {
      const marker = `api${i}-${tag}`;
      await sendMessage(server, bob.token, roomId, `${marker} ${body}`);
      for (const u of [a, b]) {
        const m = await confirmedMessage(u, marker);
        const text = await m.locator(tid('message-body')).textContent();
        assert.ok(text.includes(shown), `${u.label}: "${shown}" shown literally in ${JSON.stringify(text)}`);
      }
    }
    await assertSafe(a, 'live');
    await assertSafe(b, 'live');
  });

  test('ordinary markdown renders: bold, italic, code, code block, quote, a safe link', async () => {
    const uiMarker = `safe-ui-${tag}`;
    await sendViaUi(a.page, `${uiMarker}\n${SAFE}`);
    const apiMarker = `safe-api-${tag}`;
    await sendMessage(server, bob.token, roomId, `${apiMarker}\n${SAFE}`);

    for (const u of [a, b]) {
      for (const marker of [uiMarker, apiMarker]) {
        const body = (await confirmedMessage(u, marker)).locator(tid('message-body'));
        const where = `${u.label}, ${marker}`;
        assert.equal(await body.locator('strong').textContent(), 'bold', `${where}: strong`);
        assert.equal(await body.locator('em').textContent(), 'it', `${where}: em`);
        assert.equal(await body.locator(':not(pre) > code').first().textContent(), 'code', `${where}: inline code`);
        assert.equal((await body.locator('pre').textContent()).trim(), 'block line', `${where}: code block`);
        assert.equal((await body.locator('blockquote').textContent()).trim(), 'quote', `${where}: quote`);
        const link = body.locator('a[href="https://example.com"]');
        assert.equal(await link.count(), 1, `${where}: the link`);
        assert.equal(await link.textContent(), 'ok');
        const rel = (await link.getAttribute('rel')).split(/\s+/);
        assert.ok(rel.includes('noopener'), `${where}: rel ${rel}`);
        assert.ok(rel.includes('noreferrer'), `${where}: rel ${rel}`);
        assert.equal(await link.getAttribute('target'), '_blank');
        const raw = await body.textContent();
        const leftover = ['**', '```', '](https'].filter((m) => raw.includes(m));
        assert.deepEqual(leftover, [], `${where}: no markup left in ${JSON.stringify(raw)}`);
      }
    }
    await assertSafe(a, 'after markdown');
    await assertSafe(b, 'after markdown');
    await screenshot(a.page, 'markdown-safe-alice');
  });

  test('after a reload (history, not live events) everything is still inert', async () => {
    await b.page.reload();
    await b.page.waitForSelector(tid('composer-input'));
    for (const marker of [...HOSTILE.keys()].map((i) => `api${i}-${tag}`).concat(`safe-api-${tag}`)) {
      await confirmedMessage(b, marker);
    }
    await assertSafe(b, 'after reload (newest page)');
    // Older pages (the first messages typed into the composer) as well.
    await eventually('the oldest message after scrolling up', async () => {
      const loadOlder = b.page.locator(tid('load-older'));
      if (await loadOlder.isVisible().catch(() => false)) await loadOlder.click().catch(() => {});
      await b.page.$eval(tid('timeline'), (el) => {
        for (let node = el; node; node = node.parentElement) node.scrollTop = 0;
      });
      await b.page.hover(tid('timeline')).catch(() => {});
      await b.page.mouse.wheel(0, -5_000);
      return (await b.page.locator(tid('message'), { hasText: `ui0-${tag}` }).count()) === 1;
    }, 30_000);
    const count = await b.page.locator(`${tid('timeline')} ${tid('message')}`).count();
    assert.ok(count >= HOSTILE.length * 2 + 2, `all messages shown after scrolling back (${count})`);
    await assertSafe(b, 'after reload');
    // Clicking the unsafe-looking text does nothing either.
    await (await confirmedMessage(b, `ui2-${tag}`)).locator(tid('message-body')).click();
    await assertSafe(b, 'after a click');
    assert.equal(b.page.url().startsWith(server.url), true, 'still on the app');
  });
});
