// bench/results/web.md from the figures of bench/web/load.mjs, next to the bundle
// sizes measured before the size work (bench/web/baseline-sizes.json).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

const kib = (n) => (n === null || n === undefined ? '–' : `${(n / 1024).toFixed(1)}`);
const mib = (n) => (n === null || n === undefined ? '–' : `${(n / 2 ** 20).toFixed(1)}`);
const ms = (n) => (n === null || n === undefined ? '–' : `${Math.round(n)}`);
const num = (n) => (n === null || n === undefined ? '–' : `${n}`);

/** Sums of raw/gzip/brotli per kind (wasm, js, css, html) of a bundleSizes() answer. */
function byKind(sizes) {
  const out = {};
  for (const f of sizes?.files ?? []) {
    const k = (out[f.kind] ??= { raw: 0, gzip: 0, brotli: 0 });
    k.raw += f.raw;
    k.gzip += f.gzip;
    k.brotli += f.brotli;
  }
  return out;
}

function baseline() {
  try {
    return JSON.parse(readFileSync(path.join(HERE, 'baseline-sizes.json'), 'utf8'));
  } catch {
    return null;
  }
}

function sizesTable(sizes) {
  const base = baseline();
  const now = byKind(sizes);
  const before = byKind(base?.sizes);
  const lines = [
    '| file | raw KiB | gzip KiB | brotli KiB | before: raw | gzip | brotli |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const row = (label, a, b) =>
    `| ${label} | ${kib(a?.raw)} | ${kib(a?.gzip)} | ${kib(a?.brotli)} | ${kib(b?.raw)} | ${kib(b?.gzip)} | ${kib(b?.brotli)} |`;
  for (const k of ['wasm', 'js', 'css', 'html', 'sw']) {
    if (now[k] || before[k]) lines.push(row(k === 'sw' ? 'sw.js (after load)' : k, now[k], before[k]));
  }
  lines.push(row('**first load total**', sizes.total, base?.sizes?.total));
  const note = base
    ? `\nBefore: ${base.note}\n\nAfter: ${sizes.build ?? 'this build (web/dist)'}.`
    : '\n(no baseline-sizes.json: no before column)';
  return `${lines.join('\n')}\n${note}`;
}

/** The Markdown report. */
export function report(r) {
  const m = r.machine;
  const s = r.summary;
  const L = [];
  L.push('# Jeco Chat web app load bench', '');
  L.push(`- machine: ${m.nproc} cores (nproc), ${m.cpu}, ${m.memGiB} GiB RAM`);
  L.push(`- browser: Chromium ${m.chromium} (headless, playwright-core), node ${m.node}`);
  L.push(`- date: ${m.date}`);
  L.push(`- load average at start: ${m.loadAverageStart?.join(' ') ?? '–'}; at the end: ${m.loadAverageEnd?.join(' ') ?? '–'} (other work on the cores skews every figure)`);
  L.push(
    `- setup: release \`jeco serve\` on loopback, fresh database; the reader is a member of ${r.config.smallRooms} small rooms and one of ${r.config.messages} messages (sent through the API by two people); viewport ${r.config.viewport.width}×${r.config.viewport.height}; ${r.config.runs} runs, medians below`,
  );
  L.push('', '## Bundle', '', sizesTable(r.sizes), '');
  L.push('## Load (median)', '');
  L.push('| | transferred KiB | conversation list in the DOM, ms | list clickable, ms |');
  L.push('| --- | ---: | ---: | ---: |');
  L.push(`| cold: fresh context, empty cache, no service worker | ${kib(s.cold.bytes)} | ${ms(s.cold.listMs)} | ${ms(s.cold.clickableMs)} |`);
  L.push(`| warm: reload, HTTP cache + service worker | ${kib(s.warm.bytes)} | ${ms(s.warm.listMs)} | ${ms(s.warm.clickableMs)} |`);
  L.push('');
  L.push(
    'Times are the page\'s own clock (`performance.now()`, from navigation start): when the first `conversation-item` entered the DOM (a MutationObserver injected before the app), and when the bench, having found it, saw it pass Playwright\'s actionability checks (visible, stable, enabled, receiving events; includes one CDP round trip). The user is signed in by the refresh cookie only, so the time includes restoring the session and fetching the list. Transferred bytes: `encodedDataLength` of every response the page received from the network (CDP), HTTP headers included, until the list was clickable; answers from the HTTP cache or the service worker count 0; WebSocket frames are not counted.',
    '',
  );
  L.push(`## ${r.config.messages}-message conversation (median)`, '');
  L.push('| | DOM nodes | JS heap MiB | wasm memory MiB |');
  L.push('| --- | ---: | ---: | ---: |');
  L.push(`| opened (newest page) | ${num(s.large.domBefore)} | ${mib(s.large.heapBefore)} | ${mib(s.large.wasmBefore)} |`);
  L.push(`| after scrolling back to the first message | ${num(s.large.domAfter)} | ${mib(s.large.heapAfter)} | ${mib(s.large.wasmAfter)} |`);
  L.push('');
  L.push(
    `Scrolling back loaded ${num(s.large.loaded)} messages in ${(s.large.scrollMs / 1000).toFixed(1)} s (scroll to the top, wait for the older page, repeat until the timeline says "Start of the conversation"). DOM nodes: \`document.getElementsByTagName('*').length\`; JS heap: CDP \`Performance.getMetrics\` JSHeapUsedSize after a forced garbage collection; the app's own state (Yew's virtual DOM, the timeline) lives in the wasm linear memory instead, whose size (it only grows) is the last column.`,
    '',
  );
  L.push('## Every run', '');
  L.push('| run | cold KiB | cold list ms | warm KiB | warm list ms | warm controlled by the worker | DOM before → after | message elements after | heap MiB before → after | data-rendered / data-loaded after | scroll-back s (scroll steps that loaded more, end) |');
  L.push('| ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | --- | --- | --- |');
  r.runs.forEach((run, i) => {
    const { before, after, scroll } = run.large;
    L.push(
      `| ${i + 1} | ${kib(run.cold.bytes)} | ${ms(run.cold.listMs)} | ${kib(run.warm.bytes)} | ${ms(run.warm.listMs)} | ${run.warm.controlled ? 'yes' : 'no'} | ${before.domNodes} → ${after.domNodes} | ${after.messageElements} | ${mib(before.jsHeapBytes)} → ${mib(after.jsHeapBytes)} | ${num(after.dataRendered)} / ${num(after.dataLoaded)} | ${(scroll.ms / 1000).toFixed(1)} (${scroll.pages}, ${scroll.reason}) |`,
    );
  });
  L.push('');
  const first = r.runs[0];
  if (first) {
    const types = (t) => Object.entries(t).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${kib(v)}`).join(', ');
    L.push('## Where the bytes go (run 1)', '');
    L.push(`- cold: ${types(first.cold.byType)}; responses: ${JSON.stringify(first.cold.responses)}`);
    L.push(`- warm: ${types(first.warm.byType) || 'none'}; responses: ${JSON.stringify(first.warm.responses)}`);
    L.push('');
  }
  return `${L.join('\n')}\n`;
}
