/*
 * Murmur's service worker: keeps the app shell so the app opens, and shows the
 * history stored in IndexedDB, without a network. It caches nothing else.
 *
 *   /assets/*      cache first: Vite names them by content hash, so a cached one never goes stale
 *   navigations    network first (bounded), the page saved as /index.html; offline, that copy
 *   /config.json   never touched: it names the relay's current peer id and addresses
 *   shell files    network first, the cached copy offline (favicon, manifest, icons)
 *   anything else  not handled
 *
 * CACHE is versioned: bump it when this file's caching changes, and the new worker
 * deletes every older murmur-shell-* cache when it activates. Within one version,
 * a new index.html (a new build) drops the assets the old one referenced.
 */

/* global self, caches, fetch, URL, setTimeout, clearTimeout, AbortController */

const CACHE = 'murmur-shell-v1'
const PREFIX = 'murmur-shell-'
const SHELL = '/index.html'
const PRECACHE = ['/', '/manifest.webmanifest', '/favicon.svg', '/icons/icon.svg']
/** A navigation that takes longer than this is served from the cache (when there is a copy). */
const NAVIGATION_TIMEOUT_MS = 4000

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE)
      // The page and what it references; the rest fills in as it is used.
      const page = await fetch('/', { cache: 'no-cache' })
      if (page.ok) await storeShell(cache, page)
      await Promise.all(
        PRECACHE.slice(1).map(async (path) => {
          const res = await fetch(path, { cache: 'no-cache' })
          if (res.ok) await cache.put(path, res)
        }),
      )
      await self.skipWaiting()
    })(),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name)
      }
      await self.clients.claim()
    })(),
  )
})

self.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== self.location.origin) return
  if (url.pathname === '/config.json' || url.pathname === '/sw.js') return
  if (request.mode === 'navigate') event.respondWith(navigation(event))
  else if (url.pathname.startsWith('/assets/')) event.respondWith(asset(request))
  else if (PRECACHE.includes(url.pathname) || url.pathname.startsWith('/icons/'))
    event.respondWith(networkFirst(request))
})

/** Saves a fresh page as the shell and its assets with it; drops assets no build of it uses. */
async function storeShell(cache, response) {
  const html = await response.clone().text()
  const wanted = new Set([...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]))
  const previous = await cache.match(SHELL)
  await cache.put(SHELL, response)
  await Promise.all(
    [...wanted].map(async (path) => {
      if (await cache.match(path)) return
      const res = await fetch(path)
      if (res.ok) await cache.put(path, res)
    }),
  )
  if (previous === undefined || (await previous.text()) === html) return
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname
    if (path.startsWith('/assets/') && !wanted.has(path)) await cache.delete(request)
  }
}

async function navigation(event) {
  const request = event.request
  const cache = await caches.open(CACHE)
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), NAVIGATION_TIMEOUT_MS)
  try {
    const response = await fetch(request, { signal: controller.signal })
    // Only the app's own page becomes the shell (not a 404 or a proxy's error page).
    const type = response.headers.get('content-type') ?? ''
    if (response.ok && type.startsWith('text/html')) {
      event.waitUntil(storeShell(cache, response.clone()))
    }
    return response
  } catch (err) {
    const cached = await cache.match(SHELL)
    if (cached !== undefined) return cached
    throw err
  } finally {
    clearTimeout(timer)
  }
}

async function asset(request) {
  const cache = await caches.open(CACHE)
  const cached = await cache.match(request)
  if (cached !== undefined) return cached
  const response = await fetch(request)
  if (response.ok) await cache.put(request, response.clone())
  return response
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE)
  try {
    const response = await fetch(request)
    if (response.ok) await cache.put(request, response.clone())
    return response
  } catch (err) {
    const cached = await cache.match(request, { ignoreSearch: true })
    if (cached !== undefined) return cached
    throw err
  }
}
