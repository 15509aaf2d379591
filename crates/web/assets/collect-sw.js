// The web form client's service worker: it keeps a copy of what the client needs (its pages,
// the client's scripts, each form and its files) so that a client opened once with a connection
// opens again without one. Pages and forms are asked of the network first, so they are never
// older than the connection allows; the scripts carry their version in their address and are
// taken from the copy. Nothing is sent from here: submissions wait in collect.js's queue.
const CACHE = 'reintegra-collect-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  const device = self.registration.scope.replace(/web\/$/, '');
  const isAsset = url.pathname.startsWith('/assets/');
  if (!isAsset && !request.url.startsWith(device)) return;
  event.respondWith(isAsset ? copyFirst(request) : networkFirst(request));
});

async function copyFirst(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (offline) {
    const kept = await cache.match(request);
    if (kept) return kept;
    throw offline;
  }
}
