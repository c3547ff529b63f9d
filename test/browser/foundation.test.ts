/**
 * The foundation, end to end: two people open the relay's URL in their own
 * browsers, get through the first run, find each other through the relay and
 * connect directly over WebRTC (the network panel says so), then talk in a
 * group one of them made and the other joined by its invite link. Real relay
 * process, the built web app, Debian's Chromium.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { launchChromium } from '../helpers/browser.ts'
import { startRelayProcess } from '../helpers/relay-process.ts'
import type { RelayProcess } from '../helpers/relay-process.ts'
import {
  closeDialog,
  closeUsers,
  completeFirstRun,
  confirmJoin,
  createGroup,
  openGroupInfo,
  openNetwork,
  openUser,
  peerIdOf,
  receive,
  requireBuiltApp,
  see,
  send,
} from '../helpers/web-users.ts'
import type { WebUser } from '../helpers/web-users.ts'

describe('two browsers on one relay', () => {
  let relay: RelayProcess
  let browser: Browser
  const users: WebUser[] = []

  beforeAll(async () => {
    requireBuiltApp()
    relay = await startRelayProcess()
    browser = await launchChromium()
  })

  afterAll(async () => {
    await closeUsers(users)
    await browser?.close()
    await relay?.stop()
  })

  it('connect directly over WebRTC and talk in a group joined by its invite link', async () => {
    const started = Date.now()
    const newcomer = async (label: string): Promise<WebUser> => {
      const user = await openUser(browser, { label, url: relay.http })
      users.push(user)
      await completeFirstRun(user)
      return user
    }
    const [a, b] = await Promise.all([newcomer('A'), newcomer('B')])
    const idA = await peerIdOf(a)
    const idB = await peerIdOf(b)
    expect(idA).not.toBe(idB)

    // Each holds a reservation on the relay and lists the other as a direct WebRTC peer.
    const [netA, netB] = await Promise.all([openNetwork(a), openNetwork(b)])
    await see(
      a,
      netA.locator('[data-testid="relays"] li[data-state="reserved"]'),
      'a relay reservation',
    )
    await see(
      b,
      netB.locator('[data-testid="relays"] li[data-state="reserved"]'),
      'a relay reservation',
    )
    await see(
      a,
      netA.locator(`li[data-peer-id="${idB}"][data-kind="webrtc"]`),
      'B as a direct WebRTC peer',
      30_000,
    )
    await see(
      b,
      netB.locator(`li[data-peer-id="${idA}"][data-kind="webrtc"]`),
      'A as a direct WebRTC peer',
      30_000,
    )
    console.info(`two tabs directly connected over WebRTC ${Date.now() - started} ms after opening`)
    await Promise.all([closeDialog(a, netA), closeDialog(b, netB)])

    // A makes a group and copies its invite link; B opens it and joins.
    await createGroup(a, 'Foundation')
    await a.context.grantPermissions(['clipboard-read', 'clipboard-write'])
    const info = await openGroupInfo(a)
    await info.getByRole('button', { name: 'Copy', exact: true }).click()
    await see(a, a.page.getByRole('status').filter({ hasText: 'Copied' }), 'the "Copied" notice')
    const link = await a.page.evaluate(() => navigator.clipboard.readText())
    expect(link).toBe(await info.getByLabel('Invite link').inputValue())
    await closeDialog(a, info)

    await b.page.goto(link)
    await confirmJoin(b, 'Foundation')

    await send(a, 'hello from A')
    await receive(b, 'hello from A')
    await send(b, 'and back from B')
    await receive(a, 'and back from B')
  }, 150_000)
})
