// `make bench-web`: how fast the web app opens and how it holds up in a long
// conversation, measured in Chromium against the release server (not a test: no
// thresholds; figures go to bench/results/web.md and web.json).
//
//   (a) cold load: a fresh browser context (empty HTTP cache, no service worker) of a
//       signed-in user (refresh cookie only) opens `/`: bytes transferred and time
//       until the conversation list is interactive;
//   (b) warm reload: the same context reloads (HTTP cache + service worker): same figures;
//   (c) large conversation: the user opens a room of 5000 messages, then scrolls back
//       through all of it; DOM nodes and JS heap before and after, and the timeline's
//       data-rendered / data-loaded attributes when it has them.
//
// Each run is repeated (default 3×) and the median reported. Reuses the e2e harness
// (a fresh database cloned from the migrated template, dropped at the end) and
// playwright-core from e2e/node_modules. The bundle sizes are read from web/dist.
//
// Usage: node bench/web/load.mjs [--runs N] [--messages N] [--quick]
// Environment: as e2e/harness.mjs (JECO_BIN, JECO_E2E_DATABASE_URL, JECO_CHROMIUM).

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { createRoom, joinRoom, PASSWORD, register, sendMessage } from '../../e2e/api.mjs';
import { launchBrowser, tid } from '../../e2e/browser.mjs';
import { JecoServer, ROOT, sleep } from '../../e2e/harness.mjs';
import { bundleSizes } from './sizes.mjs';
import { report } from './report.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
};
const QUICK = args.includes('--quick');
const RUNS = flag('--runs', QUICK ? 1 : 3);
const MESSAGES = flag('--messages', QUICK ? 300 : 5000);
/** Small rooms next to the big one, so the list is a realistic one. */
const SMALL_ROOMS = 5;
/** Sends in flight while seeding. */
const SEED_CONCURRENCY = 8;
/** A run's scroll-back gives up after this long (the report says so). */
const SCROLL_LIMIT_MS = 15 * 60_000;
const VIEWPORT = { width: 1280, height: 800 };

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

const log = (...xs) => console.log(`[bench-web ${new Date().toISOString().slice(11, 19)}]`, ...xs);

/** A few rooms with a few messages, and one room with `MESSAGES` messages from two people. */
async function seed(server) {
  const reader = await register(server, 'reader');
  const other = await register(server, 'writer');
  for (let i = 0; i < SMALL_ROOMS; i += 1) {
    const room = await createRoom(server, other.token, `Room ${i + 1} ${other.username}`, 'a small room');
    await joinRoom(server, reader.token, room);
    for (let m = 0; m < 3; m += 1) await sendMessage(server, other.token, room, `hello ${m} in room ${i + 1}`);
  }
  const big = await createRoom(server, reader.token, `Archive ${reader.username}`, `${MESSAGES} messages`);
  await joinRoom(server, other.token, big);
  const t0 = Date.now();
  let next = 0;
  const words = 'the quick brown fox jumps over a lazy dog while we plan the release and review the bench'.split(' ');
  const body = (n) => {
    const len = 4 + ((n * 7) % 23);
    const text = Array.from({ length: len }, (_, k) => words[(n + k * 3) % words.length]).join(' ');
    return n % 10 === 0 ? `**Message ${n}**: ${text} \`code ${n}\`` : `Message ${n}: ${text}`;
  };
  const worker = async () => {
    for (;;) {
      const n = next;
      next += 1;
      if (n >= MESSAGES) return;
      const who = n % 3 === 0 ? reader : other;
      await sendMessage(server, who.token, big, body(n), `bench-${n}`);
    }
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
  log(`seeded ${MESSAGES} messages in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { reader, bigRoom: big, bigName: `Archive ${reader.username}` };
}

/**
 * Records, from the page's own clock (ms since navigation start), when the first
 * conversation item entered the DOM. Injected by CDP, so the page's CSP does not apply.
 */
const MARK_LIST = () => {
  const found = () => document.querySelector('[data-testid="conversation-item"]');
  const mark = () => {
    if (window.__jecoListAt === undefined && found()) window.__jecoListAt = performance.now();
  };
  new MutationObserver(mark).observe(document, { childList: true, subtree: true });
  // The app's state lives in the wasm linear memory, not the JS heap: keep a handle on it.
  addEventListener('TrunkApplicationStarted', (e) => {
    window.__jecoWasmMemory = e.detail?.wasm?.memory;
  });
};

/** Counts the bytes the page receives over the network (CDP Network events). */
async function networkMeter(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const requests = new Map();
  let bytes = 0;
  let byType = {};
  let sources = { network: 0, cache: 0, serviceWorker: 0 };
  cdp.on('Network.responseReceived', (e) => {
    const r = e.response;
    const source = r.fromServiceWorker ? 'serviceWorker' : r.fromDiskCache || r.fromMemoryCache ? 'cache' : 'network';
    requests.set(e.requestId, { type: e.type, source });
  });
  cdp.on('Network.requestServedFromCache', (e) => {
    requests.set(e.requestId, { type: requests.get(e.requestId)?.type ?? 'Other', source: 'cache' });
  });
  cdp.on('Network.loadingFinished', (e) => {
    const req = requests.get(e.requestId) ?? { type: 'Other', source: 'network' };
    sources[req.source] += 1;
    // Answers from the worker or the HTTP cache cost no network bytes.
    const n = req.source === 'network' ? e.encodedDataLength : 0;
    bytes += n;
    byType[req.type] = (byType[req.type] ?? 0) + n;
  });
  return {
    cdp,
    reset() {
      bytes = 0;
      byType = {};
      sources = { network: 0, cache: 0, serviceWorker: 0 };
    },
    read: () => ({ bytes, byType: { ...byType }, responses: { ...sources } }),
  };
}

/** Navigates (or reloads) and waits until the conversation list is rendered and clickable. */
async function openUntilInteractive(page, meter, navigate) {
  meter.reset();
  await navigate();
  const item = page.locator(tid('conversation-item')).first();
  await item.waitFor({ state: 'visible', timeout: 60_000 });
  // Actionability (visible, stable, enabled, receiving events) without clicking.
  await item.click({ trial: true, timeout: 60_000 });
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return {
      listMs: window.__jecoListAt ?? null,
      clickableMs: performance.now(),
      domContentLoadedMs: nav?.domContentLoadedEventEnd ?? null,
      loadMs: nav?.loadEventEnd ?? null,
      controlled: Boolean(navigator.serviceWorker?.controller),
    };
  });
  return { ...timing, ...meter.read() };
}

async function heapAndDom(page, cdp) {
  await cdp.send('HeapProfiler.collectGarbage').catch(() => {});
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name) => metrics.find((m) => m.name === name)?.value ?? null;
  const dom = await page.evaluate(() => {
    const timeline = document.querySelector('[data-testid="timeline"]');
    const attr = (name) => {
      const v = timeline?.getAttribute(name);
      return v === null || v === undefined ? null : Number(v);
    };
    return {
      domNodes: document.getElementsByTagName('*').length,
      wasmMemoryBytes: window.__jecoWasmMemory?.buffer?.byteLength ?? null,
      messageElements: document.querySelectorAll('[data-testid="message"]').length,
      dataRendered: attr('data-rendered'),
      dataLoaded: attr('data-loaded'),
    };
  });
  return { ...dom, jsHeapBytes: metric('JSHeapUsedSize') };
}

/** How many messages the timeline holds: its data-loaded if it has one, else the elements. */
const loadedCount = (page) =>
  page.evaluate(() => {
    const timeline = document.querySelector('[data-testid="timeline"]');
    const loaded = timeline?.getAttribute('data-loaded');
    return loaded !== null && loaded !== undefined ? Number(loaded) : document.querySelectorAll('[data-testid="message"]').length;
  });

/** Scrolls to the top until the start of the conversation is reached (or no progress). */
async function scrollBack(page) {
  const t0 = Date.now();
  let pages = 0;
  let stalls = 0;
  let reason = 'start of the conversation';
  for (;;) {
    const state = await page.getAttribute(tid('load-older'), 'data-state').catch(() => null);
    if (state === 'done') break;
    if (Date.now() - t0 > SCROLL_LIMIT_MS) {
      reason = 'time limit';
      break;
    }
    const before = await loadedCount(page);
    await page.$eval(tid('timeline'), (el) => {
      el.scrollTop = 0;
      el.dispatchEvent(new Event('scroll'));
    });
    if (state === 'more') await page.click(tid('load-older'), { timeout: 2_000 }).catch(() => {});
    const grew = await page
      .waitForFunction(
        ({ before, sel }) => {
          const timeline = document.querySelector('[data-testid="timeline"]');
          const loaded = timeline?.getAttribute('data-loaded');
          const count = loaded != null ? Number(loaded) : document.querySelectorAll('[data-testid="message"]').length;
          const top = document.querySelector(sel)?.getAttribute('data-state');
          return count > before || top === 'done';
        },
        { before, sel: tid('load-older') },
        { timeout: 20_000, polling: 50 },
      )
      .then(() => true)
      .catch(() => false);
    if (grew) {
      pages += 1;
      stalls = 0;
    } else if (++stalls >= 3) {
      reason = 'no progress for 3 tries';
      break;
    }
  }
  return { ms: Date.now() - t0, pages, reason, loaded: await loadedCount(page) };
}

async function oneRun(browser, server, seeded, run) {
  const context = await browser.newContext({ baseURL: server.url, viewport: VIEWPORT });
  try {
    // Signed in the way a returning user is: only the HttpOnly refresh cookie, set by a
    // login through the context's own request client (which fills no HTTP cache).
    const login = await context.request.post('/graphql', {
      data: {
        query: `mutation L($input: LoginInput!) { login(input: $input) { accessToken userErrors { message } } }`,
        variables: { input: { usernameOrEmail: seeded.reader.username, password: PASSWORD, refreshTokenInCookie: true } },
      },
    });
    const answer = await login.json();
    if (answer.errors || answer.data?.login?.userErrors?.length) throw new Error(`login: ${JSON.stringify(answer)}`);
    await context.addInitScript(MARK_LIST);
    const page = await context.newPage();
    const meter = await networkMeter(context, page);
    await meter.cdp.send('Performance.enable');

    const cold = await openUntilInteractive(page, meter, () => page.goto('/', { waitUntil: 'commit' }));
    log(`run ${run}: cold ${cold.bytes} B, list at ${cold.listMs?.toFixed(0)} ms, clickable at ${cold.clickableMs.toFixed(0)} ms`);
    // The worker installs after the first load; the warm reload is the one it serves.
    await page.evaluate(() => navigator.serviceWorker.ready);
    await sleep(500);
    const warm = await openUntilInteractive(page, meter, () => page.reload({ waitUntil: 'commit' }));
    log(`run ${run}: warm ${warm.bytes} B, list at ${warm.listMs?.toFixed(0)} ms, controlled: ${warm.controlled}`);

    await page.locator(tid('conversation-item'), { hasText: seeded.bigName }).click();
    await page.waitForURL(/\/c\//);
    await page.locator(`${tid('timeline')} ${tid('message')}`).first().waitFor({ timeout: 60_000 });
    await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-state') !== 'loading', tid('load-older'));
    await sleep(500);
    const before = await heapAndDom(page, meter.cdp);
    const scroll = await scrollBack(page);
    await sleep(500);
    const afterScroll = await heapAndDom(page, meter.cdp);
    log(`run ${run}: ${scroll.loaded} loaded in ${(scroll.ms / 1000).toFixed(1)} s (${scroll.reason}); DOM ${before.domNodes} → ${afterScroll.domNodes}, JS heap ${before.jsHeapBytes} → ${afterScroll.jsHeapBytes}, wasm memory ${before.wasmMemoryBytes} → ${afterScroll.wasmMemoryBytes}`);
    return { cold, warm, large: { before, after: afterScroll, scroll } };
  } finally {
    await context.close();
  }
}

function machine(chromiumVersion) {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  let nproc = os.cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    // os.cpus() then
  }
  return {
    nproc,
    cpu: model,
    memGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    chromium: chromiumVersion,
    node: process.version,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

async function main() {
  const loadAverageStart = os.loadavg().map((x) => Number(x.toFixed(2)));
  const sizes = await bundleSizes(path.join(ROOT, 'web', 'dist'));
  const server = await JecoServer.start({ name: 'bench-web' });
  let browser;
  try {
    log(`server on ${server.url}; seeding ${SMALL_ROOMS} small rooms and one of ${MESSAGES} messages`);
    const seeded = await seed(server);
    browser = await launchBrowser();
    const runs = [];
    for (let run = 1; run <= RUNS; run += 1) runs.push(await oneRun(browser, server, seeded, run));
    const pick = (f) => median(runs.map(f));
    const summary = {
      cold: { bytes: pick((r) => r.cold.bytes), listMs: pick((r) => r.cold.listMs), clickableMs: pick((r) => r.cold.clickableMs) },
      warm: { bytes: pick((r) => r.warm.bytes), listMs: pick((r) => r.warm.listMs), clickableMs: pick((r) => r.warm.clickableMs) },
      large: {
        domBefore: pick((r) => r.large.before.domNodes),
        domAfter: pick((r) => r.large.after.domNodes),
        heapBefore: pick((r) => r.large.before.jsHeapBytes),
        heapAfter: pick((r) => r.large.after.jsHeapBytes),
        wasmBefore: pick((r) => r.large.before.wasmMemoryBytes),
        wasmAfter: pick((r) => r.large.after.wasmMemoryBytes),
        loaded: pick((r) => r.large.scroll.loaded),
        scrollMs: pick((r) => r.large.scroll.ms),
      },
    };
    const result = {
      machine: { ...machine(browser.version()), loadAverageStart, loadAverageEnd: os.loadavg().map((x) => Number(x.toFixed(2))) },
      config: { runs: RUNS, messages: MESSAGES, smallRooms: SMALL_ROOMS, viewport: VIEWPORT },
      sizes,
      summary,
      runs,
    };
    const out = path.join(ROOT, 'bench', 'results');
    await mkdir(out, { recursive: true });
    const suffix = QUICK ? '-quick' : '';
    await writeFile(path.join(out, `web${suffix}.json`), `${JSON.stringify(result, null, 2)}\n`);
    await writeFile(path.join(out, `web${suffix}.md`), report(result));
    log(`wrote bench/results/web${suffix}.md and web${suffix}.json`);
  } finally {
    await browser?.close();
    await server.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
