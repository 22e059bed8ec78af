// GraphiQL at /graphiql works offline: every asset comes from the server, the editor
// renders, login works, and a subscription runs over graphql-transport-ws.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createRoom, register, sendMessage } from './api.mjs';
import { eventually, launchBrowser, screenshot } from './browser.mjs';
import { JecoServer, rand, sleep } from './harness.mjs';

describe('GraphiQL playground', { timeout: 120_000 }, () => {
  let server;
  let browser;

  before(async () => {
    server = await JecoServer.start({ name: 'graphiql' });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('serves only the page and the assets it names, not package files', async () => {
    for (const path of ['/graphiql', '/graphiql/', '/graphiql/jeco-graphiql.js', '/graphiql/jeco-graphiql.css',
      '/graphiql/node_modules/graphiql/graphiql.min.js']) {
      assert.equal((await fetch(`${server.url}${path}`)).status, 200, path);
    }
    // Anything else falls through to the web app's page (or 404): never the file.
    for (const path of ['/graphiql/package.json', '/graphiql/package-lock.json',
      '/graphiql/node_modules/graphiql/package.json', '/graphiql/node_modules/.package-lock.json']) {
      const response = await fetch(`${server.url}${path}`);
      const body = await response.text();
      assert.ok(!body.includes('"dependencies"') && !body.includes('"version"'), `${path} leaked: ${body.slice(0, 80)}`);
      assert.ok(!(response.headers.get('content-type') ?? '').includes('json'), `${path} is served as JSON`);
    }
  });

  test('renders from local assets, logs in, queries and subscribes', async () => {
    const user = await register(server, 'gql');
    const roomId = await createRoom(server, user.token, `graphiql-${rand()}`);

    const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const failures = [];
    const foreign = [];
    page.on('requestfailed', (req) => failures.push(`${req.url()} ${req.failure()?.errorText}`));
    page.on('response', (res) => {
      if (res.status() >= 400) failures.push(`${res.status()} ${res.url()}`);
    });
    page.on('request', (req) => {
      const url = new URL(req.url());
      if (!['127.0.0.1', 'localhost'].includes(url.hostname) && !['data:', 'blob:'].includes(url.protocol)) {
        foreign.push(req.url());
      }
    });
    page.on('pageerror', (err) => failures.push(`pageerror: ${err.message}`));

    await page.goto('/graphiql');
    await page.waitForSelector('.graphiql-container', { timeout: 20_000 });
    await page.waitForSelector('.graphiql-query-editor .CodeMirror');
    // Schema introspection done: the docs explorer button is usable.
    await sleep(1_000);

    await page.fill('#jeco-login-user', user.username);
    await page.fill('#jeco-login-password', user.password);
    await page.click('#jeco-login button[type="submit"]');
    await eventually('logged in', async () => (await page.textContent('#jeco-auth-status'))?.includes(user.username));

    const setQuery = async (q) => {
      await page.$eval('.graphiql-query-editor .CodeMirror', (el, text) => el.CodeMirror.setValue(text), q);
      await sleep(500); // GraphiQL picks up editor changes debounced
    };
    const response = () => page.$eval('.graphiql-response', (el) => el.textContent ?? '');
    // Run the way a user does: Ctrl+Enter in the editor (more reliable than the
    // toolbar button right after a programmatic edit).
    const run = async () => {
      await page.click('.graphiql-query-editor .CodeMirror');
      await page.keyboard.press('Control+Enter');
    };

    await setQuery('query Me { viewer { username } }');
    await run();
    await eventually('the viewer in the response', async () => (await response()).includes(user.username));

    await setQuery(
      `subscription Live { conversationEvents(conversationId: "${roomId}") {` +
        ' payload { ... on MessageCreated { message { body } } } } }',
    );
    await run();
    await sleep(1_000); // the subscription is set up over the WebSocket
    const body = `seen in graphiql ${rand()}`;
    await sendMessage(server, user.token, roomId, body);
    await eventually('the live message in the response', async () => (await response()).includes(body));
    await screenshot(page, 'graphiql');

    assert.deepEqual(failures, [], 'no failed requests');
    assert.deepEqual(foreign, [], 'nothing loaded from other hosts');
    await context.close();
  });
});
