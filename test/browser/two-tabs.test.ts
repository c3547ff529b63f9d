/**
 * Two browser tabs opened at the relay's URL find each other, connect
 * directly over WebRTC and exchange a line over gossipsub. Real relay process,
 * real built web app, Debian's Chromium.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { launchChromium } from '../helpers/browser.ts'
import { startRelayProcess } from '../helpers/relay-process.ts'
import type { RelayProcess } from '../helpers/relay-process.ts'

const WEB_DIST = resolve(import.meta.dirname, '..', '..', 'web', 'dist', 'index.html')

describe('two browser tabs on one relay', () => {
  let relay: RelayProcess
  let browser: Browser
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    if (!existsSync(WEB_DIST))
      throw new Error('web/dist is missing: run `npm run build:web` first (npm test does)')
    relay = await startRelayProcess()
    browser = await launchChromium()
  })

  afterAll(async () => {
    for (const context of contexts) await context.close()
    await browser?.close()
    await relay?.stop()
  })

  async function openTab(): Promise<Page> {
    const context = await browser.newContext()
    contexts.push(context)
    const page = await context.newPage()
    await page.goto(relay.http)
    await page.getByTestId('own-peer-id').waitFor()
    return page
  }

  it('connect to each other directly over WebRTC and exchange a typed line', async () => {
    const started = Date.now()
    const [a, b] = await Promise.all([openTab(), openTab()])
    const idA = await a.getByTestId('own-peer-id').getAttribute('title')
    const idB = await b.getByTestId('own-peer-id').getAttribute('title')
    expect(idA).toBeTruthy()
    expect(idB).toBeTruthy()
    expect(idA).not.toBe(idB)

    // Each tab holds a reservation on the relay …
    await a.locator('[data-testid="relays"] li[data-state="reserved"]').waitFor()
    await b.locator('[data-testid="relays"] li[data-state="reserved"]').waitFor()
    // … and lists the other as a direct WebRTC peer.
    await a.locator(`li[data-peer-id="${idB}"][data-kind="webrtc"]`).waitFor({ timeout: 30_000 })
    await b.locator(`li[data-peer-id="${idA}"][data-kind="webrtc"]`).waitFor({ timeout: 30_000 })
    console.info(`two tabs directly connected ${Date.now() - started} ms after opening`)

    await a.getByLabel('Message').fill('hello from tab A')
    await a.getByRole('button', { name: 'Send' }).click()
    await b.getByTestId('lines').getByText('hello from tab A').waitFor({ timeout: 15_000 })

    await b.getByLabel('Message').fill('and back from B')
    await b.getByLabel('Message').press('Enter')
    await a.getByTestId('lines').getByText('and back from B').waitFor({ timeout: 15_000 })
  })
})
