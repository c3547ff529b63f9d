/**
 * The main screens as people see them, on a laptop (1280×800) and a phone
 * (390×844): a screenshot of each in test/results/screenshots/ to look at,
 * and an axe-core scan of each that must find nothing serious or critical.
 * The screens: first run, join confirmation, conversation list, chat, group
 * info, network panel and settings, with a real conversation between two
 * people behind them.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { launchChromium } from '../helpers/browser.ts'
import { startRelayProcess } from '../helpers/relay-process.ts'
import type { RelayProcess } from '../helpers/relay-process.ts'
import {
  closeDialog,
  closeUsers,
  completeFirstRun,
  confirmJoin,
  createGroup,
  inviteLink,
  openConversation,
  openGroupInfo,
  openNetwork,
  openSettings,
  openUser,
  receive,
  requireBuiltApp,
  see,
  send,
} from '../helpers/web-users.ts'
import type { WebUser } from '../helpers/web-users.ts'

const SHOTS = resolve(import.meta.dirname, '..', 'results', 'screenshots')
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const

interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: { target: string[]; failureSummary?: string }[]
}

declare global {
  interface Window {
    axe?: {
      run(
        context: Document,
        options: object,
      ): Promise<{ violations: AxeViolation[]; passes: unknown[] }>
    }
  }
}

describe('the main screens', () => {
  let relay: RelayProcess
  let browser: Browser
  const users: WebUser[] = []
  /** Serious and critical axe findings, by screen; reported together at the end. */
  const findings: string[] = []
  const shots: string[] = []
  const scans: string[] = []

  beforeAll(async () => {
    requireBuiltApp()
    mkdirSync(SHOTS, { recursive: true })
    relay = await startRelayProcess()
    browser = await launchChromium()
  })

  afterAll(async () => {
    await closeUsers(users)
    await browser?.close()
    await relay?.stop()
    if (shots.length > 0) console.info(`screenshots:\n  ${shots.join('\n  ')}`)
    if (scans.length > 0) console.info(`axe-core:\n  ${scans.join('\n  ')}`)
  })

  async function person(label: string, url: string): Promise<WebUser> {
    // bypassCSP: axe is injected as an inline script, which the relay's CSP forbids.
    const user = await openUser(browser, { label, url, bypassCSP: true })
    users.push(user)
    return user
  }

  /** Screenshots the screen at each viewport and scans it with axe at each. */
  async function capture(user: WebUser, name: string): Promise<void> {
    const { page } = user
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize(viewport)
      // Let layout, transitions and the virtual list settle at the new size.
      await page.waitForTimeout(300)
      const file = resolve(SHOTS, `${name}-${viewport.width}x${viewport.height}.png`)
      await page.screenshot({ path: file })
      shots.push(file)
      if ((await page.evaluate(() => window.axe === undefined)) === true)
        await page.addScriptTag({ path: AXE })
      const { violations, passed } = await page.evaluate(() =>
        window.axe!.run(document, { resultTypes: ['violations'] }).then((r) => ({
          passed: r.passes.length,
          violations: r.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
          })),
        })),
      )
      const where = `${name} ${viewport.width}x${viewport.height}`
      scans.push(`${where}: ${passed} rules passed, ${violations.length} violated`)
      expect(passed, `${where}: axe checked nothing`).toBeGreaterThan(10)
      for (const v of violations) {
        const line = `${where}: [${v.impact}] ${v.id}: ${v.help}\n${v.nodes
          .slice(0, 5)
          .map(
            (n) => `    ${n.target.join(' ')}: ${(n.failureSummary ?? '').replace(/\n\s*/g, ' ')}`,
          )
          .join('\n')}`
        console.info(`axe ${line}`)
        if (v.impact === 'serious' || v.impact === 'critical') findings.push(line)
      }
    }
    await page.setViewportSize(VIEWPORTS[0])
  }

  it('look right and pass axe on a laptop and a phone', async () => {
    const ann = await person('Ann', relay.http)
    await see(ann, ann.page.getByRole('heading', { name: 'Welcome to Murmur' }), 'the first run')
    await capture(ann, 'first-run')
    await completeFirstRun(ann, 'Ann')
    await createGroup(ann, 'Book club')
    const link = await inviteLink(ann)

    const bob = await person('Bob', link)
    await completeFirstRun(bob, 'Bob')
    await see(
      bob,
      bob.page.getByRole('dialog', { name: 'Join «Book club»?' }),
      'the join confirmation',
    )
    await capture(bob, 'join-confirmation')
    await confirmJoin(bob, 'Book club')

    await send(ann, 'Welcome to the book club! First up: The Left Hand of Darkness.')
    await receive(bob, 'Welcome to the book club!')
    await send(bob, 'Great pick. I am halfway through already.')
    await receive(ann, 'Great pick.')
    await send(ann, 'Then you are ahead of me.')
    await receive(bob, 'Then you are ahead of me')

    // A fresh start shows the list with nothing selected.
    await ann.page.reload()
    await see(
      ann,
      ann.page.getByRole('list', { name: 'Conversations' }),
      'the conversation list',
      30_000,
    )
    await capture(ann, 'conversation-list')

    await openConversation(ann, 'Book club')
    await capture(ann, 'chat')

    const info = await openGroupInfo(ann)
    await see(ann, info.getByRole('listitem').filter({ hasText: 'Bob' }), 'Bob among the members')
    await capture(ann, 'group-info')
    await closeDialog(ann, info)

    const network = await openNetwork(ann)
    await see(ann, network.locator('[data-testid="relays"] li'), 'the relay listed')
    await capture(ann, 'network')
    await closeDialog(ann, network)

    const settings = await openSettings(ann)
    await capture(ann, 'settings')
    await closeDialog(ann, settings)

    expect(shots).toHaveLength(7 * VIEWPORTS.length)
    expect(findings, `serious or critical axe violations:\n${findings.join('\n')}`).toEqual([])
  }, 180_000)
})
