// Jeco Chat service worker: keeps the app shell (index.html and the files of this
// build) so that a reload opens at once and a start without network still shows the
// app, which then says it is offline. It never touches the API, the live socket or
// media: only navigations and the exact files listed below go through its cache.
//
// BUILD and ASSETS are filled in by scripts/sw-stamp.sh (a trunk post_build hook):
// BUILD is a hash of every file of the build, so each release is a new worker with a
// cache of its own, and the old caches are deleted when it activates.
"use strict";

const BUILD = "__JECO_BUILD__";
const ASSETS = [/* __JECO_ASSETS__ */];
const PREFIX = "jeco-shell-";
const CACHE = PREFIX + BUILD;
// The cache key of index.html, which the server also answers for every app route.
const SHELL = "/";
// Server routes a navigation can reach that are not the app.
const SERVER_PATHS = ["/graphql", "/graphiql", "/media", "/healthz", "/readyz", "/metrics"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // Hashed files usually come from the HTTP cache (immutable); index.html revalidates.
      await cache.addAll([SHELL, ...ASSETS]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith(PREFIX) && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const path = url.pathname;
  if (SERVER_PATHS.some((p) => path === p || path.startsWith(p + "/"))) return;
  if (request.mode === "navigate" && isAppRoute(path)) {
    event.respondWith(shell(event));
  } else if (ASSETS.includes(path)) {
    event.respondWith(asset(request, path));
  }
});

/** An app route (`/`, `/c/12`, `/rooms`) rather than a file such as `/icons/icon.svg`. */
function isAppRoute(path) {
  const last = path.slice(path.lastIndexOf("/") + 1);
  return path === "/index.html" || !last.includes(".");
}

/**
 * index.html, stale-while-revalidate: the cached copy at once, refreshed in the
 * background for the next start; the network when nothing is cached yet.
 */
async function shell(event) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(SHELL);
  if (!cached) return fetch(event.request);
  event.waitUntil(
    (async () => {
      const response = await fetch(SHELL, { cache: "no-cache" });
      // A page of a newer release belongs in the newer worker's cache, with its files.
      if (response.ok && ofThisBuild(await response.clone().text())) await cache.put(SHELL, response);
    })().catch(() => undefined),
  );
  return cached;
}

/** Whether every script, wasm and style file a page names (but this worker) is one of this build's. */
function ofThisBuild(html) {
  const named = html.matchAll(/["'](\/[^"'?#]+\.(?:js|wasm|css))["']/g);
  return [...named].every((m) => m[1] === "/sw.js" || ASSETS.includes(m[1]));
}

/** A file of this build, cache-first: its name (or BUILD) changes whenever its content does. */
async function asset(request, path) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(path);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(path, response.clone());
  return response;
}
