/**
 * How a run of messages is laid out and labelled: day boundaries, author runs
 * (name and avatar once per run), day and time labels, quote lines, and
 * merging a fetched page or message into the ordered list. Pure: the chat
 * state and components call these, tests run them without a browser.
 */

/** Messages as the list holds them: ordered like storage, by time then id. */
export interface Timed {
  readonly messageId: string
  readonly ts: number
}

/** A new author run starts after this much silence, as in Telegram. */
export const RUN_GAP_MS = 5 * 60 * 1000

export function compareMessages(a: Timed, b: Timed): number {
  if (a.ts !== b.ts) return a.ts - b.ts
  return a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0
}

/**
 * `list` with `incoming` merged in, ordered, one entry per id (incoming
 * wins). Returns `list` itself when nothing changed, so callers can skip work.
 */
export function mergeMessages<T extends Timed>(list: readonly T[], incoming: readonly T[]): T[] {
  if (incoming.length === 0) return list as T[]
  const byId = new Map<string, T>()
  for (const m of list) byId.set(m.messageId, m)
  let changed = false
  for (const m of incoming) {
    if (byId.get(m.messageId) !== m) changed = true
    byId.set(m.messageId, m)
  }
  if (!changed) return list as T[]
  return [...byId.values()].sort(compareMessages)
}

/** The local calendar day of a timestamp, as a comparable key. */
export function dayKey(ts: number): string {
  const d = new Date(ts)
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`
}

export function startsDay(previous: Timed | undefined, current: Timed): boolean {
  return previous === undefined || dayKey(previous.ts) !== dayKey(current.ts)
}

/** True where the author's name and avatar should show again. */
export function startsRun(
  previous: (Timed & { readonly author: string }) | undefined,
  current: Timed & { readonly author: string },
): boolean {
  return (
    previous === undefined ||
    previous.author !== current.author ||
    current.ts - previous.ts > RUN_GAP_MS ||
    startsDay(previous, current)
  )
}

/** "Today", "Yesterday", or the date in the reader's language (with the year if not this one). */
export function dayLabel(
  ts: number,
  now: number,
  locale: string,
  words: { readonly today: string; readonly yesterday: string },
): string {
  if (dayKey(ts) === dayKey(now)) return words.today
  const yesterday = new Date(now)
  yesterday.setDate(yesterday.getDate() - 1)
  if (dayKey(ts) === dayKey(yesterday.getTime())) return words.yesterday
  const sameYear = new Date(ts).getFullYear() === new Date(now).getFullYear()
  const style = sameYear ? DAY_MONTH : DAY_MONTH_YEAR
  return formatter(locale, style).format(ts)
}

export function timeLabel(ts: number, locale: string): string {
  return formatter(locale, TIME).format(ts)
}

const TIME: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit' }
const DAY_MONTH: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'long' }
const DAY_MONTH_YEAR: Intl.DateTimeFormatOptions = { ...DAY_MONTH, year: 'numeric' }
/** Making a DateTimeFormat costs far more than using one: one per locale and style. */
const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`
  let format = formatters.get(key)
  if (format === undefined) {
    format = new Intl.DateTimeFormat(locale, options)
    formatters.set(key, format)
  }
  return format
}

/** The first non-empty line of a text, cut to `max` characters, for quotes and previews. */
export function firstLine(text: string, max = 120): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? ''
  const chars = [...line.trim()]
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : chars.join('')
}

const encoder = new TextEncoder()

/** A text's size on the wire (the message limit is in UTF-8 bytes, not characters). */
export function utf8Length(text: string): number {
  return encoder.encode(text).length
}
