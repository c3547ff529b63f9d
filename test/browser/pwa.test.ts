/**
 * Murmur as an installable app that opens offline: the relay serves the
 * manifest and its icons under its CSP, the service worker takes control and
 * keeps the app shell (never /config.json), and after one visit the app opens
 * with no network at all, showing the conversation list and the history
 * stored in IndexedDB, then reconnects when the network is back.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelayProcess } from '../helpers/relay-process.ts'
import type { RelayProcess } from '../helpers/relay-process.ts'
import {
  completeFirstRun,
  createGroup,
  message,
  openConversation,
  openPersistentUser,
  requireBuiltApp,
  see,
  send,
} from '../helpers/web-users.ts'
import type { WebUser } from '../helpers/web-users.ts'

interface Manifest {
  name: string
  short_name: string
  start_url: string
  display: string
  theme_color: string
  background_color: string
  icons: { src: string; sizes: string; type: string; purpose?: string }[]
}

describe('the installable app', () => {
  let relay: RelayProcess
  let ann: (WebUser & { close(): Promise<void> }) | undefined

  beforeAll(async () => {
    requireBuiltApp()
    relay = await startRelayProcess()
  })

  afterAll(async () => {
    await ann?.close()
    await relay?.stop()
  })

  it('serves a manifest whose icons load, with the CSP in force', async () => {
    const res = await fetch(new URL('/manifest.webmanifest', relay.http))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/manifest+json')
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'")
    const manifest = (await res.json()) as Manifest
    expect(manifest).toMatchObject({
      name: 'Murmur',
      short_name: 'Murmur',
      start_url: '/',
      display: 'standalone',
    })
    expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/)
    expect(manifest.background_color).toMatch(/^#[0-9a-f]{6}$/)
    expect(manifest.icons.some((i) => i.sizes === '512x512' && i.type === 'image/png')).toBe(true)
    expect(manifest.icons.some((i) => i.sizes === '192x192' && i.type === 'image/png')).toBe(true)
    for (const icon of manifest.icons) {
      const file = await fetch(new URL(icon.src, relay.http))
      expect(file.status, icon.src).toBe(200)
      expect(file.headers.get('content-type'), icon.src).toBe(icon.type)
    }
    const sw = await fetch(new URL('/sw.js', relay.http))
    expect(sw.status).toBe(200)
    expect(sw.headers.get('content-type')).toMatch(/^text\/javascript/)
  })

  it('opens offline with the conversation list and the stored history', async () => {
    // A browser with a real profile: incognito contexts are never installable.
    ann = await openPersistentUser({ label: 'Ann', url: relay.http })
    const violations: string[] = []
    ann.page.on('console', (m) => {
      if (m.text().includes('Content Security Policy')) violations.push(m.text())
    })
    await completeFirstRun(ann, 'Ann')

    // The page links its manifest, and the browser fetches it under the CSP.
    const manifestUrl = await ann.page.evaluate(
      () => document.querySelector<HTMLLinkElement>('link[rel="manifest"]')?.href,
    )
    expect(manifestUrl).toBe(new URL('/manifest.webmanifest', relay.http).href)

    // The worker takes control of the page it was installed from.
    const worker = await ann.page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready
      for (let i = 0; i < 100 && navigator.serviceWorker.controller === null; i++) {
        await new Promise((r) => setTimeout(r, 50))
      }
      return {
        script: registration.active?.scriptURL,
        controlled: navigator.serviceWorker.controller !== null,
      }
    })
    expect(worker).toEqual({ script: new URL('/sw.js', relay.http).href, controlled: true })

    // Chromium parses the manifest without complaint and finds the app installable.
    const cdp = await ann.context.newCDPSession(ann.page)
    const parsed = await cdp.send('Page.getAppManifest')
    expect(parsed.errors).toEqual([])
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors')
    expect(installabilityErrors).toEqual([])
    await cdp.detach()

    await createGroup(ann, 'Offline notes')
    await send(ann, 'written while online')

    // What the worker keeps: the shell and its hashed assets, never /config.json.
    const cached = await ann.page.evaluate(async () => {
      const names = await caches.keys()
      const paths: string[] = []
      for (const name of names) {
        for (const request of await (await caches.open(name)).keys()) {
          paths.push(new URL(request.url).pathname)
        }
      }
      return { names, paths }
    })
    expect(cached.names).toHaveLength(1)
    expect(cached.names[0]).toMatch(/^murmur-shell-v\d+$/)
    expect(cached.paths).toContain('/index.html')
    expect(cached.paths.filter((p) => p.startsWith('/assets/')).length).toBeGreaterThanOrEqual(2)
    expect(cached.paths).not.toContain('/config.json')

    // No network at all: the page, the app and the history still come up.
    await ann.context.setOffline(true)
    await ann.page.reload()
    await see(ann, ann.page.getByText('You are offline.', { exact: false }), 'the offline banner')
    await see(ann, ann.page.getByTestId('own-peer-id'), 'the app running offline', 30_000)
    await see(
      ann,
      ann.page.getByRole('list', { name: 'Conversations' }).getByText('Offline notes'),
      'the conversation list offline',
    )
    await openConversation(ann, 'Offline notes')
    await see(ann, message(ann, 'written while online'), 'the stored history offline')

    // Back online, it reaches the relay again.
    await ann.context.setOffline(false)
    await see(
      ann,
      ann.page.getByRole('button', { name: /^Network: Online/ }),
      'the network status back to Online',
      30_000,
    )
    expect(violations).toEqual([])
  }, 120_000)
})
