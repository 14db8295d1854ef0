/// <reference lib="webworker" />
import { clientsClaim } from "workbox-core";
import { ExpirationPlugin } from "workbox-expiration";
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from "workbox-precaching";
import { NavigationRoute, registerRoute } from "workbox-routing";
import { CacheFirst } from "workbox-strategies";

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };

/** Versioned runtime caches; anything else named liuhen-* is stale and removed on activate. */
const THUMBS = "liuhen-thumbs-v1";
const KEEP = new Set([THUMBS]);

self.skipWaiting();
clientsClaim();
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Every screen works offline: navigations get the precached app shell.
registerRoute(new NavigationRoute(createHandlerBoundToURL("/index.html"), { denylist: [/^\/api\//, /^\/schema/] }));

// Thumbnails are derived copies and immutable per hash: keep them for offline viewing of the trail.
registerRoute(
  ({ url }) => /^\/api\/media\/[0-9a-f]{64}\/thumb$/.test(url.pathname),
  new CacheFirst({ cacheName: THUMBS, plugins: [new ExpirationPlugin({ maxEntries: 500, maxAgeSeconds: 30 * 86400 })] }),
);

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((names) =>
      Promise.all(names.filter((n) => n.startsWith("liuhen-") && !KEEP.has(n)).map((n) => caches.delete(n))),
    ),
  );
});

// Background Sync: wake an open window to drain its outbox (the outbox lives in app code).
self.addEventListener("sync", (event: Event) => {
  const e = event as Event & { tag: string; waitUntil(p: Promise<unknown>): void };
  if (e.tag !== "liuhen-outbox") return;
  e.waitUntil(
    self.clients.matchAll({ type: "window" }).then((cs) => {
      for (const c of cs) c.postMessage({ type: "drain" });
    }),
  );
});
