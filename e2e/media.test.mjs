// Media in the real web app (Chromium with a fake microphone), two users side by
// side: Alice sends an image, records a voice note and sends a small file; Bob sees
// the thumbnail load, plays the voice note (time advances) and downloads the file
// (same bytes); Alice uploads an avatar on her profile page and Bob sees it.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { deflateSync } from 'node:zlib';

import { newUser } from './api.mjs';
import {
  createRoomViaUi,
  eventually,
  joinRoomViaUi,
  launchBrowser,
  openUser,
  registerViaUi,
  screenshot,
  screenshotSideBySide,
  sendViaUi,
  tid,
  waitForConnection,
} from './browser.mjs';
import { JecoServer, rand, sleep } from './harness.mjs';

/** Chromium switches: a fake microphone (a beeping tone), granted without a prompt. */
const FAKE_MEDIA = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A `width`×`height` RGB PNG with a colour gradient (so it is a real, decodable picture). */
export function gradientPng(width, height, seed = 0) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y += 1) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x += 1) {
      const p = row + 1 + x * 3;
      raw[p] = Math.floor((255 * x) / width);
      raw[p + 1] = Math.floor((255 * y) / height);
      raw[p + 2] = (seed * 67 + 128) % 256;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The newest message in `page`'s timeline that has an attachment of `kind`. */
function lastWithAttachment(page, kind) {
  return page.locator(`${tid('message')}:has(${tid('attachment')}[data-kind="${kind}"])`).last();
}

/** Waits until every upload chip finished, and none failed (its error is the message). */
async function uploadsDone(page, count) {
  await eventually(`${count} finished upload(s)`, async () => {
    const states = await page.$$eval(tid('upload-chip'), (chips) =>
      chips.map((c) => ({ state: c.dataset.state, error: c.textContent })),
    );
    const failed = states.find((s) => s.state === 'failed');
    if (failed) throw new Error(`upload failed: ${failed.error}`);
    return states.length === count && states.every((s) => s.state === 'done');
  }, 30_000);
}

/** naturalWidth of an <img> (0 until it loaded and decoded). */
const naturalWidth = (locator) => locator.evaluate((img) => (img.complete ? img.naturalWidth : 0));

describe('media in the browser: images, voice notes, files, avatars', { timeout: 300_000 }, () => {
  let server;
  let browser;
  let a;
  let b;
  const alice = newUser('alice');
  const bob = newUser('bob');
  const roomName = `Media ${rand()}`;

  before(async () => {
    server = await JecoServer.start({ name: 'media' });
    browser = await launchBrowser({ args: FAKE_MEDIA });
    a = await openUser(browser, server, 'alice');
    b = await openUser(browser, server, 'bob');
    await a.context.grantPermissions(['microphone'], { origin: server.url });
  });

  after(async () => {
    for (const u of [a, b]) {
      if (u?.problems.length) console.log(`[${u.label}] browser problems:\n  ${u.problems.join('\n  ')}`);
    }
    if (a?.page && b?.page) await screenshotSideBySide(browser, [a.page, b.page], 'media').catch(() => {});
    await browser?.close();
    await server?.close();
  });

  test('Alice and Bob share a room', async () => {
    await registerViaUi(a.page, alice);
    const roomId = await createRoomViaUi(a.page, roomName, 'photos, voice notes, files');
    await registerViaUi(b.page, bob);
    assert.equal(await joinRoomViaUi(b.page, roomName), roomId);
    await waitForConnection(a.page, (s) => s === 'online', 'online (Alice)');
    await waitForConnection(b.page, (s) => s === 'online', 'online (Bob)');
  });

  test('an image: Alice attaches it, Bob sees the thumbnail loaded and opens the viewer', async () => {
    // Send is disabled with neither text nor a finished upload.
    assert.equal(await a.page.isDisabled(tid('composer-send')), true);
    await a.page.setInputFiles(tid('composer-file'), {
      name: 'gradient.png',
      mimeType: 'image/png',
      buffer: gradientPng(640, 400, 1),
    });
    await uploadsDone(a.page, 1);
    const chip = a.page.locator(tid('upload-chip')).first();
    assert.match(await chip.textContent(), /gradient\.png/);
    await a.page.click(tid('composer-send'));
    await eventually('the chip is gone after sending', async () => (await a.page.$$(tid('upload-chip'))).length === 0);

    const message = lastWithAttachment(b.page, 'image');
    await message.waitFor({ timeout: 15_000 });
    const thumb = message.locator(tid('attachment-thumbnail'));
    await eventually('Bob\'s thumbnail loaded', async () => (await naturalWidth(thumb)) > 0);
    // The box has the image's shape (640×400) before and after loading.
    const box = await message.locator(tid('attachment-image')).boundingBox();
    assert.ok(box && Math.abs(box.width / box.height - 1.6) < 0.05, `box ${JSON.stringify(box)}`);

    await message.locator(tid('attachment-image')).click();
    const full = b.page.locator(tid('image-viewer-img'));
    await eventually('the viewer shows the full image', async () => (await naturalWidth(full)) === 640);
    await b.page.keyboard.press('Escape');
    await b.page.locator(tid('image-viewer')).waitFor({ state: 'detached' });
    // Alice's own copy is confirmed and shows the server's thumbnail too.
    const own = lastWithAttachment(a.page, 'image');
    await eventually('Alice\'s message confirmed', async () => (await own.getAttribute('data-pending')) === null);
    await eventually('Alice\'s thumbnail loaded', async () => (await naturalWidth(own.locator(tid('attachment-thumbnail')))) > 0);
  });

  test('a voice note: Alice records a few seconds; Bob plays it and time advances', async () => {
    await a.page.click(tid('voice-record'));
    await a.page.locator(tid('voice-recorder')).waitFor({ timeout: 10_000 });
    // The fake microphone beeps: the level meter moves and the timer counts.
    await eventually('a live level above zero', async () =>
      Number(await a.page.getAttribute(tid('voice-level'), 'data-level')) > 0,
    );
    await sleep(3_000);
    assert.match(await a.page.textContent(tid('voice-timer')), /^0:0[3-9]$/);
    await a.page.click(tid('voice-send'));

    const message = lastWithAttachment(b.page, 'audio');
    await message.waitFor({ timeout: 30_000 });
    const player = message.locator(tid('audio-player'));
    assert.equal(await player.getAttribute('data-voice'), 'true');
    assert.ok((await player.locator('.waveform .bar').count()) > 0, 'the waveform is drawn');
    await eventually('the duration is known', async () => {
      const time = await player.locator(tid('audio-time')).textContent();
      return /\/ 0:0[1-9]/.test(time) ? time : null;
    });
    await player.locator(tid('audio-play')).click();
    const audio = player.locator(tid('audio-element'));
    await eventually('playback time advances', async () => (await audio.evaluate((el) => el.currentTime)) > 0.3, 15_000);
    await eventually('the shown time advances', async () =>
      !(await player.locator(tid('audio-time')).textContent()).startsWith('0:00 '),
    );
    // Seeking: a click near the end of the waveform jumps there.
    await audio.evaluate((el) => el.pause());
    const wave = await player.locator(tid('audio-waveform')).boundingBox();
    await b.page.mouse.click(wave.x + wave.width * 0.9, wave.y + wave.height / 2);
    // (a recorder's WebM may report an infinite duration: the player uses the server's)
    await eventually('seeked to 90%', async () => {
      const at = Number(await player.locator(tid('audio-waveform')).getAttribute('aria-valuenow'));
      return at >= 85 && at <= 95 && (await audio.evaluate((el) => el.currentTime > 2));
    });
  });

  test('a file: Alice sends it with text; Bob downloads the same bytes', async () => {
    const content = `meeting notes ${rand()}\nline two\n`;
    await a.page.setInputFiles(tid('composer-file'), {
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(content),
    });
    await uploadsDone(a.page, 1);
    const text = `the notes ${rand()}`;
    await sendViaUi(a.page, text);

    const message = b.page.locator(tid('message'), { hasText: text });
    await message.waitFor({ timeout: 15_000 });
    const card = message.locator(`${tid('attachment')}[data-kind="file"]`);
    assert.match(await card.textContent(), /notes\.txt/);
    const [download] = await Promise.all([
      b.page.waitForEvent('download'),
      card.locator(tid('attachment-download')).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'notes.txt');
    const saved = await download.path();
    assert.equal(await readFile(saved, 'utf8'), content);
  });

  test('ten attachments at most: an eleventh is refused with a clear message', async () => {
    const files = Array.from({ length: 11 }, (_, i) => ({
      name: `tiny-${i}.txt`,
      mimeType: 'text/plain',
      buffer: Buffer.from(`file ${i}`),
    }));
    await a.page.setInputFiles(tid('composer-file'), files);
    await eventually('the limit is explained', async () =>
      /at most 10/.test((await a.page.textContent(tid('composer-error')).catch(() => '')) ?? ''),
    );
    assert.equal((await a.page.$$(tid('upload-chip'))).length, 0, 'nothing was uploaded');
  });

  test('an avatar: Alice uploads one on her profile; Bob sees it', async () => {
    await a.page.click(tid('nav-profile'));
    await a.page.locator(tid('avatar-section')).waitFor();
    await a.page.setInputFiles(tid('avatar-file'), {
      name: 'me.png',
      mimeType: 'image/png',
      buffer: gradientPng(300, 300, 7),
    });
    // Previewed before saving.
    const preview = a.page.locator(`${tid('avatar-section')} img${tid('avatar')}`);
    await eventually('the preview shows', async () => (await naturalWidth(preview)) > 0);
    await a.page.click(tid('avatar-save'));
    await a.page.locator(tid('avatar-saved')).waitFor({ timeout: 30_000 });
    await eventually('the saved avatar loads', async () => {
      const src = await preview.getAttribute('src');
      return src?.startsWith('/media/') && (await naturalWidth(preview)) > 0;
    });
    await a.page.locator(tid('avatar-remove')).waitFor();
    await screenshot(a.page, 'media-avatar-alice');

    // Bob sees it next to Alice's next message, and in the member list.
    await a.page.goBack();
    await a.page.waitForSelector(tid('composer-input'));
    const hello = `new face ${rand()}`;
    await sendViaUi(a.page, hello);
    const message = b.page.locator(tid('message'), { hasText: hello });
    await message.waitFor({ timeout: 15_000 });
    const avatar = message.locator(`img${tid('avatar')}`);
    await eventually('Bob sees Alice\'s avatar on her message', async () => (await naturalWidth(avatar)) > 0);
    await b.page.click(tid('members-toggle'));
    const member = b.page.locator(tid('member-item'), { hasText: alice.displayName });
    await eventually('Bob sees Alice\'s avatar in the member list', async () =>
      (await naturalWidth(member.locator(`img${tid('avatar')}`))) > 0,
    );
    await screenshot(b.page, 'media-bob');
  });

  test('phone width: the timeline with media fits 360 px without sideways scrolling', async () => {
    await b.page.setViewportSize({ width: 360, height: 740 });
    await sleep(500);
    const overflow = await b.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
    const widest = await b.page.$$eval(tid('attachment'), (els) =>
      Math.max(...els.map((e) => e.getBoundingClientRect().right)),
    );
    assert.ok(widest <= 360, `an attachment reaches ${widest}px`);
    await screenshot(b.page, 'media-bob-phone');
  });
});
