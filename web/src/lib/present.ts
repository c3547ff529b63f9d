/**
 * Pure presentation rules for the shell: what a conversation row previews,
 * how times and counts read, which member actions to offer, and the checks on
 * what people type into forms (avatars come from ./avatar.ts). No runes and
 * no DOM, so tests run them in Node.
 */

import type { ConversationSummary, RelayStatus } from '@murmur/core'
import type { ConversationKind, Role } from '@murmur/protocol'
import { describeError } from './errors.ts'
import { format } from './i18n/define.ts'

// ------------------------------------------------------------------ counts

export interface PluralForms {
  readonly one: string
  readonly few: string
  readonly many: string
  readonly other: string
}

/** Picks the plural form CLDR gives `count` in `language` and fills `{count}`. */
export function plural(language: string, count: number, forms: PluralForms): string {
  const category = new Intl.PluralRules(language).select(count)
  const template =
    category === 'one' || category === 'few' || category === 'many' ? forms[category] : forms.other
  return format(template, { count })
}

// ------------------------------------------------------------------ times

const DAY = 24 * 60 * 60 * 1000

/** A list row's time: the clock today, the weekday this week, else the date. */
export function formatListTime(ts: number, now: number, locale: string): string {
  const then = new Date(ts)
  const today = new Date(now)
  const startOfToday = new Date(today.getFullYear(), today.getMonth(), today.getDate()).getTime()
  if (ts >= startOfToday) {
    return then.toLocaleTimeString(locale, { hour: 'numeric', minute: '2-digit' })
  }
  if (ts >= startOfToday - 6 * DAY) return then.toLocaleDateString(locale, { weekday: 'short' })
  if (then.getFullYear() === today.getFullYear()) {
    return then.toLocaleDateString(locale, { day: 'numeric', month: 'short' })
  }
  return then.toLocaleDateString(locale, { day: '2-digit', month: '2-digit', year: '2-digit' })
}

// ------------------------------------------------------------------ previews

export interface PreviewStrings {
  readonly youPrefix: string
  readonly authorPrefix: string
  readonly messageDeleted: string
  readonly noMessages: string
  readonly endedLeft: string
  readonly endedRemoved: string
}

export interface Preview {
  readonly text: string
  /** A state rather than message text (deleted, no messages, left): shown muted. */
  readonly status: boolean
}

/** The second line of a conversation row. */
export function previewOf(
  c: ConversationSummary,
  myUserId: string | undefined,
  t: PreviewStrings,
): Preview {
  const last = c.lastMessage
  if (last === undefined) {
    if (c.ended === 'left') return { text: t.endedLeft, status: true }
    if (c.ended === 'removed') return { text: t.endedRemoved, status: true }
    return { text: t.noMessages, status: true }
  }
  if (last.deleted === true) return { text: t.messageDeleted, status: true }
  const text = oneLine(last.text)
  if (last.author === myUserId) return { text: format(t.youPrefix, { text }), status: false }
  if (c.kind === 'group' && last.authorName !== '') {
    return { text: format(t.authorPrefix, { name: last.authorName, text }), status: false }
  }
  return { text, status: false }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

// ------------------------------------------------------------------ roles

export interface MemberActions {
  readonly promote: boolean
  readonly demote: boolean
  readonly remove: boolean
}

const NONE: MemberActions = { promote: false, demote: false, remove: false }

/**
 * What I may do to another member, mirroring core's membership rules (the
 * engine still decides; this only chooses which buttons to show).
 */
export function memberActions(
  kind: ConversationKind,
  mine: Role | undefined,
  theirs: Role,
  self: boolean,
): MemberActions {
  if (self || mine === undefined || kind === 'dm' || kind === 'self') return NONE
  if (mine === 'owner') {
    return { promote: theirs === 'member', demote: theirs === 'admin', remove: theirs !== 'owner' }
  }
  if (mine === 'admin') {
    return { promote: theirs === 'member', demote: false, remove: theirs === 'member' }
  }
  return NONE
}

/** Owners and admins edit a group's or channel's name and topic. */
export function canEditInfo(kind: ConversationKind, mine: Role | undefined): boolean {
  return (kind === 'group' || kind === 'channel') && (mine === 'owner' || mine === 'admin')
}

/** Owner first, then admins, then members; by name within a role. */
export function sortMembers<T extends { readonly role: Role; readonly name: string }>(
  members: readonly T[],
): T[] {
  const rank: Record<Role, number> = { owner: 0, admin: 1, member: 2 }
  return [...members].sort(
    (a, b) => rank[a.role] - rank[b.role] || a.name.localeCompare(b.name, undefined),
  )
}

// ------------------------------------------------------------------ forms

/** The longest name core accepts, in characters. */
export const MAX_NAME = 64

export type NameProblem = 'empty' | 'long'

export function nameProblem(name: string): NameProblem | undefined {
  const trimmed = name.trim()
  if (trimmed === '') return 'empty'
  if (Array.from(trimmed).length > MAX_NAME) return 'long'
  return undefined
}

export const MIN_PASSPHRASE = 8

export type PassphraseProblem = 'short' | 'mismatch'

export function passphraseProblem(
  passphrase: string,
  repeated: string,
): PassphraseProblem | undefined {
  if (Array.from(passphrase).length < MIN_PASSPHRASE) return 'short'
  if (passphrase !== repeated) return 'mismatch'
  return undefined
}

export type RelayProblem = 'invalid' | 'duplicate'

const BROWSER_RELAY =
  /^\/(ip4|ip6|dns4|dns6|dns)\/[^/\s]+\/tcp\/\d{1,5}\/(ws|wss|tls(\/sni\/[^/\s]+)?\/ws)\/p2p\/[1-9A-HJ-NP-Za-km-z]{40,}$/

/** A relay a browser can use: a WebSocket multiaddr ending in the relay's peer id. */
export function relayProblem(addr: string, existing: readonly string[]): RelayProblem | undefined {
  const trimmed = addr.trim()
  if (!BROWSER_RELAY.test(trimmed)) return 'invalid'
  if (existing.includes(trimmed)) return 'duplicate'
  return undefined
}

/** Core formats safety numbers as 12 groups of 5 digits; tolerate any spacing. */
export function safetyGroups(safetyNumber: string): string[] {
  const digits = safetyNumber.replace(/\D/g, '')
  return digits.match(/\d{1,5}/g) ?? []
}

// ------------------------------------------------------------------ network

export type Connectivity = 'online' | 'connecting' | 'offline'

/** One word for the sidebar: reachable through a relay, still trying, or cut off. */
export function connectivity(
  relays: readonly Pick<RelayStatus, 'state'>[],
  browserOnline: boolean,
): Connectivity {
  if (!browserOnline) return 'offline'
  if (relays.some((r) => r.state === 'reserved' || r.state === 'connected')) return 'online'
  if (relays.some((r) => r.state === 'connecting')) return 'connecting'
  return 'offline'
}

/** "12D3KooWAbc…xyz123": enough to tell peers apart without the whole id. */
export function shortId(id: string): string {
  return id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id
}

/**
 * The topic, when the summary carries one. Core's ConversationSummary has no
 * topic field yet; this reads it as soon as core adds one.
 */
export function topicOf(c: ConversationSummary): string | undefined {
  const topic = (c as { readonly topic?: unknown }).topic
  return typeof topic === 'string' && topic.trim() !== '' ? topic : undefined
}

// ------------------------------------------------------------------ errors

export interface ErrorStrings {
  readonly errJoinTimeout: string
  readonly errInviteExpired: string
  readonly errInvalidLink: string
  readonly errNotAllowed: string
  readonly errWrongPassphrase: string
  readonly errConfigUnavailable: string
  readonly errQuota: string
  readonly errStorageLocked: string
}

const TRANSLATED: Readonly<Record<string, keyof ErrorStrings>> = {
  JoinTimeoutError: 'errJoinTimeout',
  InviteExpiredError: 'errInviteExpired',
  InvalidLinkError: 'errInvalidLink',
  NotAllowedError: 'errNotAllowed',
  WrongPassphraseError: 'errWrongPassphrase',
  ConfigUnavailableError: 'errConfigUnavailable',
  QuotaExceededError: 'errQuota',
  StorageLockedError: 'errStorageLocked',
}

/**
 * describeError in the person's language for the errors people meet often;
 * anything else keeps the engine's own (English) sentence.
 */
export function explainError(err: unknown, t: ErrorStrings): string {
  const key = err instanceof Error ? TRANSLATED[err.name] : undefined
  return key === undefined ? describeError(err) : t[key]
}
