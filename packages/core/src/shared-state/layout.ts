/**
 * The layout of one user's state document (v1) and the readers that turn its
 * entries into view values. Every root is a Y.Map:
 *
 *   reactions  `${messageId}\u0000${emoji}` → true        (key deleted to un-react)
 *   edits      messageId → { text: string, ts: number }
 *   deletes    messageId → ts
 *   meta       'name' | 'topic' → { value: string, ts: number }
 *   pins       messageId → ts                             (key deleted to unpin)
 *   read       'upTo' → { messageId: string, ts: number }
 *
 * Anyone may write anything into their own document, so readers accept only
 * well-formed entries and return undefined for the rest; they never throw.
 */

export const ROOTS = ['reactions', 'edits', 'deletes', 'meta', 'pins', 'read'] as const
export type Root = (typeof ROOTS)[number]

export type MetaField = 'name' | 'topic'
export const META_FIELDS: readonly MetaField[] = ['name', 'topic']
export const READ_KEY = 'upTo'

const SEP = '\u0000'

export function reactionKey(messageId: string, emoji: string): string {
  return `${messageId}${SEP}${emoji}`
}

/** Splits a reactions key; undefined unless it is exactly two non-empty parts. */
export function parseReactionKey(key: string): { messageId: string; emoji: string } | undefined {
  const at = key.indexOf(SEP)
  if (at <= 0 || at === key.length - 1 || key.indexOf(SEP, at + 1) !== -1) return undefined
  return { messageId: key.slice(0, at), emoji: key.slice(at + 1) }
}

export function isMetaField(key: string): key is MetaField {
  return key === 'name' || key === 'topic'
}

export function readTs(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

function record(value: unknown): Record<string, unknown> | undefined {
  // Plain objects only: Y types, arrays and binary content are not entries of ours.
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
    ? (value as Record<string, unknown>)
    : undefined
}

/** `{ [field]: string, ts: number }` → its string and ts, else undefined. */
function stamped(value: unknown, field: string): { s: string; ts: number } | undefined {
  const r = record(value)
  if (r === undefined) return undefined
  const s = r[field]
  const ts = readTs(r.ts)
  return typeof s === 'string' && ts !== undefined ? { s, ts } : undefined
}

export function readEdit(value: unknown): { text: string; ts: number } | undefined {
  const v = stamped(value, 'text')
  return v && { text: v.s, ts: v.ts }
}

export function readMeta(value: unknown): { value: string; ts: number } | undefined {
  const v = stamped(value, 'value')
  return v && { value: v.s, ts: v.ts }
}

export function readMarker(value: unknown): { messageId: string; ts: number } | undefined {
  const v = stamped(value, 'messageId')
  return v && v.s !== '' ? { messageId: v.s, ts: v.ts } : undefined
}
