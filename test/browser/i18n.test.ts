/**
 * Russian all the way through: people whose browser asks for Russian walk the
 * main screens (first run, the list, a group's chat and info, network,
 * settings, links, message actions, confirmations, the offline banner), and
 * no visible text or accessible name on any of them is an English string from
 * the app's tables. Someone on an English browser can switch to Russian in
 * Settings, and it sticks. The tables are read from web/src/lib/i18n/, so a
 * new string is covered the day it lands; strings the same in both languages
 * ("Murmur") are not held against the page.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { readdirSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Strings as AppStrings } from '../../web/src/lib/i18n.svelte.ts'
import { launchChromium } from '../helpers/browser.ts'
import { startRelayProcess } from '../helpers/relay-process.ts'
import type { RelayProcess } from '../helpers/relay-process.ts'
import {
  closeUsers,
  composer,
  DELIVERY_MS,
  message,
  openUser,
  requireBuiltApp,
  see,
  seeGone,
} from '../helpers/web-users.ts'
import type { WebUser } from '../helpers/web-users.ts'

type Strings = Record<string, string>

const I18N_DIR = resolve(import.meta.dirname, '..', '..', 'web', 'src', 'lib', 'i18n')

/** Every table's English and Russian strings, merged as the app merges them. */
async function loadTables(): Promise<{ en: Strings; ru: Strings }> {
  const en: Strings = {}
  const ru: Strings = {}
  for (const file of readdirSync(I18N_DIR).filter((f) => f.endsWith('.ts'))) {
    const mod = (await import(resolve(I18N_DIR, file))) as Record<string, unknown>
    for (const value of Object.values(mod)) {
      if (typeof value === 'object' && value !== null && 'en' in value && 'ru' in value) {
        Object.assign(en, (value as { en: Strings }).en)
        Object.assign(ru, (value as { ru: Strings }).ru)
      }
    }
  }
  return { en, ru }
}

const PLACEHOLDER = /\{\w+\}/g

/** Recognises English strings of the app in what a page shows. */
function englishDetector(en: Strings, ru: Strings): (text: string) => string | undefined {
  const english = Object.entries(en)
    .filter(([key, value]) => ru[key] !== value)
    .map(([, value]) => value)
  const exact = new Set(english.filter((s) => !PLACEHOLDER.test(s)))
  // Templates match with any filling, if they have words of their own ("{emoji} {count}" has none).
  const templates = english
    .filter((s) => s.match(PLACEHOLDER) !== null)
    .filter((s) => /\p{L}{3,}/u.test(s.replace(PLACEHOLDER, '')))
    .map((s) => {
      const parts = s.split(PLACEHOLDER).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      return { source: s, pattern: new RegExp(`^${parts.join('.+')}$`, 's') }
    })
  // Sentences inside longer text (a string run into another).
  const sentences = [...exact].filter((s) => s.length >= 16)
  return (text) => {
    if (exact.has(text)) return text
    const template = templates.find((t) => t.pattern.test(text))
    if (template !== undefined) return template.source
    return sentences.find((s) => text.includes(s))
  }
}

/** Visible text nodes and the accessible names, titles and placeholders of visible elements. */
function collectStrings(): string[] {
  const found = new Set<string>()
  const add = (s: string | null | undefined): void => {
    const text = s?.replace(/\s+/g, ' ').replace(/^[\s·]+|[\s·]+$/g, '')
    if (text) found.add(text)
  }
  const shown = (el: Element): boolean => el.checkVisibility({ visibilityProperty: true })
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
  for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
    const parent = node.parentElement
    if (parent !== null && parent.closest('script, style') === null && shown(parent))
      add(node.textContent)
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (!shown(el)) continue
    for (const attr of ['aria-label', 'title', 'placeholder', 'alt', 'aria-roledescription'])
      add(el.getAttribute(attr))
  }
  return [...found]
}

describe('the app in Russian', () => {
  let relay: RelayProcess
  let browser: Browser
  const users: WebUser[] = []
  let en: AppStrings
  let ru: AppStrings
  let isEnglish: (text: string) => string | undefined
  /** Every English string found, by screen; reported together at the end. */
  const problems: string[] = []

  beforeAll(async () => {
    requireBuiltApp()
    const tables = await loadTables()
    isEnglish = englishDetector(tables.en, tables.ru)
    // The merged tables have the app's keys (test/web/i18n.test.ts checks both languages match).
    en = tables.en as unknown as AppStrings
    ru = tables.ru as unknown as AppStrings
    relay = await startRelayProcess()
    browser = await launchChromium()
  })

  afterAll(async () => {
    await closeUsers(users)
    await browser?.close()
    await relay?.stop()
  })

  /** Every English string on this screen, and any English time of day. */
  async function englishOn(user: WebUser, screen: string): Promise<string[]> {
    const strings = await user.page.evaluate(collectStrings)
    expect(strings.length, `${screen}: nothing visible`).toBeGreaterThan(0)
    const found: string[] = []
    for (const text of strings) {
      const match = isEnglish(text)
      if (match !== undefined) found.push(`${screen}: "${text}" (en: "${match}")`)
      else if (/\d\s?(AM|PM)\b/.test(text)) found.push(`${screen}: "${text}" (English time)`)
    }
    return found
  }

  async function check(user: WebUser, screen: string): Promise<void> {
    problems.push(...(await englishOn(user, screen)))
  }

  async function openRussian(label: string, url: string): Promise<WebUser> {
    const user = await openUser(browser, { label, url, locale: 'ru-RU' })
    users.push(user)
    return user
  }

  it('shows no English string on any main screen', async () => {
    const t = ru
    const ann = await openRussian('Аня', relay.http)
    const page = ann.page

    // First run, both forms.
    await see(ann, page.getByRole('heading', { name: t.welcome }), 'the first run in Russian')
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ru')
    await check(ann, 'first run')
    await page.getByRole('button', { name: t.restore }).click()
    await see(ann, page.getByRole('heading', { name: t.restoreTitle }), 'the restore form')
    await page.getByRole('button', { name: t.restoreButton }).click()
    await see(ann, page.getByText(t.chooseFile), 'the "choose a file" error')
    await check(ann, 'restore form')
    await page.getByRole('button', { name: t.backToNew }).click()
    await page.getByLabel(t.nameLabel).fill('Аня')
    await page.getByRole('button', { name: t.continue }).click()
    await see(ann, page.getByTestId('own-peer-id'), 'the app running', 30_000)
    await check(ann, 'empty list')

    // A new group, its empty chat and info.
    const nav = page.getByRole('navigation')
    await nav.getByRole('button', { name: t.newGroup }).click()
    const newGroup = page.getByRole('dialog', { name: t.newGroup })
    await newGroup.getByRole('button', { name: t.create }).click()
    await see(ann, newGroup.getByText(t.nameEmpty), 'the empty-name error')
    await check(ann, 'new group dialog')
    await newGroup.getByLabel(t.groupName).fill('Книжный клуб')
    await newGroup.getByRole('button', { name: t.create }).click()
    await seeGone(ann, newGroup, 'the new-group dialog closing')
    await see(ann, page.getByText(t.chatEmpty), 'the empty chat')
    await check(ann, 'empty chat')

    await page.getByRole('button', { name: t.groupInfo }).click()
    let info = page.getByRole('dialog', { name: t.groupInfo })
    await see(ann, info, 'the group info')
    await info.getByRole('button', { name: t.qrCode }).click()
    await see(ann, info.getByRole('img', { name: t.qrOf }), 'the QR code')
    await check(ann, 'group info')
    const link = await info.getByLabel(t.inviteTitle).inputValue()
    await info.getByRole('button', { name: t.close, exact: true }).click()

    // Network, settings, contact link, open a link.
    await page.getByRole('button', { name: /^Сеть:/ }).click()
    const network = page.getByRole('dialog', { name: t.network })
    await see(ann, network.locator('[data-testid="relays"] li'), 'the relays listed')
    await check(ann, 'network panel')
    await network.getByRole('button', { name: t.close, exact: true }).click()

    await nav.getByRole('button', { name: t.settings }).click()
    const settings = page.getByRole('dialog', { name: t.settings })
    await settings.getByRole('button', { name: t.exportBackup }).click()
    await see(ann, settings.getByText(t.passphraseShort), 'the short-passphrase error')
    await settings.getByLabel(t.relayAddr).fill('not a relay')
    await settings.getByRole('button', { name: t.addRelay }).click()
    await see(ann, settings.getByText(t.relayInvalid), 'the bad-relay error')
    await check(ann, 'settings')
    await settings.getByRole('button', { name: t.close, exact: true }).click()

    await nav.getByRole('button', { name: t.contactLink }).click()
    const contact = page.getByRole('dialog', { name: t.contactLink })
    await see(ann, contact, 'the contact link dialog')
    await check(ann, 'contact link')
    await contact.getByRole('button', { name: t.close, exact: true }).click()

    await nav.getByRole('button', { name: t.openLink }).click()
    const openLink = page.getByRole('dialog', { name: t.openLink })
    await openLink.getByRole('button', { name: t.open, exact: true }).click()
    await see(ann, openLink.getByText(t.linkEmpty), 'the empty-link error')
    await check(ann, 'open a link')
    await openLink.getByRole('button', { name: t.close, exact: true }).click()

    // Someone opens the invite: first run with the pending join, then the confirmation.
    const bob = await openRussian('Боря', link)
    await see(
      bob,
      bob.page.getByText(t.pendingJoin.replace('{name}', 'Книжный клуб')),
      'the pending join',
    )
    await check(bob, 'first run with an invite')
    await bob.page.getByLabel(t.nameLabel).fill('Боря')
    await bob.page.getByRole('button', { name: t.continue }).click()
    const join = bob.page.getByRole('dialog', {
      name: t.joinTitle.replace('{name}', 'Книжный клуб'),
    })
    await see(bob, join, 'the join confirmation', 30_000)
    await check(bob, 'join confirmation')
    await join.getByRole('button', { name: t.join, exact: true }).click()
    await seeGone(bob, join, 'the join completing', 60_000)

    // A conversation with messages, and what can be done to them.
    await composer(ann, t.chatMessage).fill('Привет всем')
    await composer(ann, t.chatMessage).press('Enter')
    await see(bob, message(bob, 'Привет всем'), 'Аня’s message', DELIVERY_MS)
    await composer(bob, t.chatMessage).fill('И тебе привет')
    await composer(bob, t.chatMessage).press('Enter')
    await see(ann, message(ann, 'И тебе привет'), 'Боря’s message', DELIVERY_MS)
    await check(ann, 'chat')

    const row = message(ann, 'И тебе привет')
    await row.hover()
    await row.getByRole('button', { name: t.chatMoreActions }).click()
    await see(ann, row.getByRole('toolbar', { name: t.chatMessageActions }), 'the message actions')
    await check(ann, 'message actions')
    await row.getByRole('button', { name: t.chatReact, exact: true }).click()
    await see(ann, row.getByRole('toolbar', { name: t.chatPickReaction }), 'the reaction picker')
    await check(ann, 'reaction picker')
    await row.getByRole('button', { name: '👍' }).click()
    await row.hover()
    await row.getByRole('button', { name: t.chatMoreActions }).click()
    await row.getByRole('button', { name: t.chatReply, exact: true }).click()
    await see(ann, page.getByText(t.chatReplyingTo.replace('{name}', 'Боря')), 'the reply preview')
    await check(ann, 'replying')
    await page.getByRole('button', { name: t.chatCancelReply }).click()

    const mine = message(ann, 'Привет всем')
    await mine.hover()
    await mine.getByRole('button', { name: t.chatMoreActions }).click()
    await mine.getByRole('button', { name: t.chatDelete, exact: true }).click()
    const confirmDelete = page.getByRole('dialog', { name: t.chatConfirmDeleteTitle })
    await see(ann, confirmDelete, 'the delete confirmation')
    await check(ann, 'delete confirmation')
    await confirmDelete.getByRole('button', { name: t.chatCancel, exact: true }).click()

    // Members: safety number and the removal confirmation.
    await page.getByRole('button', { name: t.groupInfo }).click()
    info = page.getByRole('dialog', { name: t.groupInfo })
    await info.getByRole('button', { name: t.safetyWith.replace('{name}', 'Боря') }).click()
    const safety = page.getByRole('dialog', { name: t.safetyNumber, exact: false })
    await see(ann, page.getByTestId('safety-number'), 'the safety number')
    await check(ann, 'safety number')
    await safety.getByRole('button', { name: t.close, exact: true }).first().click()
    await info.getByRole('button', { name: t.removeMember.replace('{name}', 'Боря') }).click()
    const confirmRemove = page.getByRole('alertdialog')
    await see(ann, confirmRemove, 'the removal confirmation')
    await check(ann, 'removal confirmation')
    await confirmRemove.getByRole('button', { name: t.cancel, exact: true }).click()
    await info.getByRole('button', { name: t.close, exact: true }).click()

    // Offline.
    await ann.context.setOffline(true)
    await see(ann, page.getByText(t.offline), 'the offline banner')
    await check(ann, 'offline')
    await ann.context.setOffline(false)

    expect(problems, `English strings on Russian screens:\n${problems.join('\n')}`).toEqual([])
  }, 180_000)

  it('switches to Russian in Settings, and stays Russian after a reload', async () => {
    const user = await openUser(browser, { label: 'Dee', url: relay.http, locale: 'en-US' })
    users.push(user)
    await user.page.getByRole('button', { name: en.skip }).click()
    await see(user, user.page.getByTestId('own-peer-id'), 'the app running', 30_000)
    // The same check finds plenty on the English screen: it is not passing vacuously.
    expect((await englishOn(user, 'English list')).length).toBeGreaterThan(5)
    await user.page.getByRole('navigation').getByRole('button', { name: en.settings }).click()
    await user.page.getByTestId('language').selectOption('ru')
    await see(user, user.page.getByRole('dialog', { name: ru.settings }), 'the settings in Russian')
    await user.page.getByRole('button', { name: ru.close, exact: true }).click()
    await user.page.reload()
    await see(
      user,
      user.page.getByRole('navigation').getByRole('button', { name: ru.newGroup }),
      'the sidebar in Russian after a reload',
      30_000,
    )
    expect(await user.page.evaluate(() => document.documentElement.lang)).toBe('ru')
    expect(await englishOn(user, 'list after switching')).toEqual([])
  }, 60_000)
})
