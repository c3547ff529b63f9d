/**
 * Installs the service worker (public/sw.js) that keeps the app shell, so Murmur
 * opens and shows its stored history without a network. Production builds only:
 * under the dev server a cached shell would hide every edit. Imported once, from
 * main.ts, for this effect.
 */

export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return
  // After load, so the worker's own downloads never compete with the app's first start.
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((err: unknown) => {
      // Everything works online without it; only opening offline is lost. Nothing for
      // the person to do, so it is reported where a developer looks.
      console.error('Murmur: the service worker could not be registered', err)
    })
  })
}

registerServiceWorker()
