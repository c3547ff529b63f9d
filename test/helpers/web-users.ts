/**
 * People using the built web app in Chromium: one browser context per person
 * (its own IndexedDB, localStorage and tab lock), driven through the UI by role
 * and label as a person would, in English unless a locale is given. Every wait
 * is bounded and says who was waiting for what.
 */

import { chromium } from 'playwright-core'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { CHROMIUM, CHROMIUM_ARGS } from './browser.ts'

export const WEB_DIST = resolve(import.meta.dirname, '..', '..', 'web', 'dist')

/** How long a message or a membership change may take to reach another tab. */
export const DELIVERY_MS = 20_000

export interface WebUser {
  /** Who this is in failure messages ("Ann"). */
  readonly label: string
  readonly context: BrowserContext
  readonly page: Page
  /** Errors the page threw, for a failing test to print. */
  readonly errors: string[]
}

export interface OpenOptions {
  readonly label: string
  /** Where to open the app: the relay's URL, or an invite link. */
  readonly url: string
  readonly locale?: string
  readonly viewport?: { width: number; height: number }
  /** Lets a test inject scripts (axe-core) past the relay's CSP. */
  readonly bypassCSP?: boolean
}

/** Fails early, with the fix, when the app has not been built. */
export function requireBuiltApp(): void {
  if (!existsSync(resolve(WEB_DIST, 'index.html')))
    throw new Error('web/dist is missing: run `npm run build:web` first (npm test does)')
}

/** A new person: a fresh browser context with the app open. */
export async function openUser(browser: Browser, options: OpenOptions): Promise<WebUser> {
  const context = await browser.newContext({
    locale: options.locale ?? 'en-US',
    viewport: options.viewport ?? { width: 1280, height: 800 },
    bypassCSP: options.bypassCSP ?? false,
  })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  await page.goto(options.url)
  return { label: options.label, context, page, errors }
}

/**
 * A person in a browser with an on-disk profile rather than an incognito-like
 * context: what Chromium will only do there (judge the app installable) can be
 * checked. close() ends the browser and deletes the profile.
 */
export async function openPersistentUser(
  options: OpenOptions,
): Promise<WebUser & { close(): Promise<void> }> {
  requireBuiltApp()
  const dir = await mkdtemp(join(tmpdir(), 'murmur-profile-'))
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    locale: options.locale ?? 'en-US',
    viewport: options.viewport ?? { width: 1280, height: 800 },
  })
  const page = context.pages()[0] ?? (await context.newPage())
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  await page.goto(options.url)
  return {
    label: options.label,
    context,
    page,
    errors,
    async close() {
      await context.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Waits for a locator to be visible, failing with who waited for what. */
export async function see(
  user: WebUser,
  locator: Locator,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: timeoutMs })
  } catch (err) {
    const errors = user.errors.length > 0 ? `; page errors: ${user.errors.join(' | ')}` : ''
    throw new Error(
      `${user.label} did not see ${what} within ${timeoutMs} ms${errors}\n${(err as Error).message}`,
      { cause: err },
    )
  }
}

/** Waits for a locator to be gone (or hidden), failing with who waited for what. */
export async function seeGone(
  user: WebUser,
  locator: Locator,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  try {
    await locator.first().waitFor({ state: 'hidden', timeout: timeoutMs })
  } catch (err) {
    throw new Error(
      `${user.label} still saw ${what} after ${timeoutMs} ms\n${(err as Error).message}`,
      { cause: err },
    )
  }
}

/** First run: make an identity with this name, or skip the name. Resolves once the app runs. */
export async function completeFirstRun(user: WebUser, name?: string): Promise<void> {
  const { page } = user
  await see(user, page.getByRole('heading', { name: 'Welcome to Murmur' }), 'the first-run form')
  if (name === undefined) {
    await page.getByRole('button', { name: 'Skip' }).click()
  } else {
    await page.getByLabel('Your name').fill(name)
    await page.getByRole('button', { name: 'Continue' }).click()
  }
  await see(user, page.getByTestId('own-peer-id'), 'the app running after first run', 30_000)
}

/** This tab's libp2p peer id, as the sidebar shows it (full id in the title). */
export async function peerIdOf(user: WebUser): Promise<string> {
  const id = await user.page.getByTestId('own-peer-id').getAttribute('title')
  if (id === null || id === '') throw new Error(`${user.label} shows no peer id`)
  return id
}

/** Creates a group from the sidebar; the new group's chat is then open. */
export async function createGroup(user: WebUser, name: string): Promise<void> {
  const { page } = user
  await page.getByRole('navigation').getByRole('button', { name: 'New group' }).click()
  const dialog = page.getByRole('dialog', { name: 'New group' })
  await dialog.getByLabel('Group name').fill(name)
  await dialog.getByRole('button', { name: 'Create' }).click()
  await seeGone(user, dialog, 'the new-group dialog closing')
  await see(user, chatTitle(user, name), `the chat of the new group «${name}»`)
}

/** The open chat's title (the pane is a region named after the conversation). */
export function chatTitle(user: WebUser, name: string): Locator {
  return user.page
    .getByRole('region', { name, exact: true })
    .getByRole('heading', { name, exact: true, level: 2 })
}

/** Opens the group info panel of the open chat. */
export async function openGroupInfo(user: WebUser): Promise<Locator> {
  await user.page.getByRole('button', { name: 'Group info' }).click()
  const panel = user.page.getByRole('dialog', { name: 'Group info' })
  await see(user, panel, 'the group info panel')
  return panel
}

export async function closeDialog(user: WebUser, dialog: Locator): Promise<void> {
  await dialog.getByRole('button', { name: 'Close', exact: true }).first().click()
  await seeGone(user, dialog, 'the dialog closing')
}

/** The invite link from the open group's info panel (read from the field beside its Copy button). */
export async function inviteLink(user: WebUser): Promise<string> {
  const panel = await openGroupInfo(user)
  const link = await panel.getByLabel('Invite link').inputValue()
  await closeDialog(user, panel)
  if (!link.includes('#join=')) throw new Error(`${user.label}'s invite link looks wrong: ${link}`)
  return link
}

/**
 * Opens an invite link in this tab (as pasting it into the address bar does),
 * confirms the join and waits for the group's chat.
 */
export async function joinByLink(user: WebUser, link: string, groupName: string): Promise<void> {
  await user.page.goto(link)
  await confirmJoin(user, groupName)
}

/** Answers the "Join «name»?" confirmation and waits until the group's chat is open. */
export async function confirmJoin(user: WebUser, groupName: string): Promise<void> {
  const { page } = user
  const dialog = page.getByRole('dialog', { name: `Join «${groupName}»?` })
  await see(user, dialog, `the confirmation to join «${groupName}»`)
  await dialog.getByRole('button', { name: 'Join', exact: true }).click()
  await seeGone(user, dialog, `the join of «${groupName}» completing`, 60_000)
  await see(user, chatTitle(user, groupName), `the chat of «${groupName}» after joining`)
}

/** Selects a conversation in the sidebar list. */
export async function openConversation(user: WebUser, name: string): Promise<void> {
  await user.page
    .getByRole('list', { name: 'Conversations' })
    .getByRole('button')
    .filter({ hasText: name })
    .click()
  await see(user, chatTitle(user, name), `the chat of «${name}»`)
}

/** The open chat's message box (named "Message", or its translation). */
export function composer(user: WebUser, name = 'Message'): Locator {
  return user.page.getByRole('textbox', { name, exact: true })
}

/** Types a line into the open chat and sends it with Enter; waits for it to show. */
export async function send(user: WebUser, text: string): Promise<void> {
  await composer(user).fill(text)
  await composer(user).press('Enter')
  await see(user, message(user, text), `their own message "${text}"`)
}

/** The message row whose own text holds this (not a reply quoting it) in the open chat. */
export function message(user: WebUser, text: string): Locator {
  return user.page
    .getByTestId('message')
    .filter({ has: user.page.getByTestId('message-text').filter({ hasText: text }) })
}

/** Waits for another person's message to arrive in the open chat. */
export async function receive(user: WebUser, text: string, timeoutMs = DELIVERY_MS): Promise<void> {
  await see(user, message(user, text), `the message "${text}"`, timeoutMs)
}

/** Opens a message's action toolbar and presses one of its buttons. */
export async function messageAction(
  user: WebUser,
  text: string,
  action: 'Reply' | 'React' | 'Edit' | 'Delete' | 'Copy text',
): Promise<Locator> {
  const row = message(user, text).last()
  await row.hover()
  await row.getByRole('button', { name: 'More actions' }).click()
  const toolbar = row.getByRole('toolbar', { name: 'Message actions' })
  await see(user, toolbar, `the actions of "${text}"`)
  await toolbar.getByRole('button', { name: action, exact: true }).click()
  return row
}

/** Opens the network panel from the sidebar. */
export async function openNetwork(user: WebUser): Promise<Locator> {
  await user.page.getByRole('button', { name: /^Network:/ }).click()
  const panel = user.page.getByRole('dialog', { name: 'Network' })
  await see(user, panel, 'the network panel')
  return panel
}

/** Opens settings from the sidebar. */
export async function openSettings(user: WebUser): Promise<Locator> {
  await user.page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click()
  const panel = user.page.getByRole('dialog', { name: 'Settings' })
  await see(user, panel, 'the settings')
  return panel
}

/** Closes every context; runs them all even when one fails, then reports the first failure. */
export async function closeUsers(users: readonly WebUser[]): Promise<void> {
  const results = await Promise.allSettled(users.map((u) => u.context.close()))
  const failed = results.find((r) => r.status === 'rejected')
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason
}
