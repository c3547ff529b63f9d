/**
 * Storage keys as bytes: an order-preserving, injective encoding of string
 * tuples, so LevelDB's (and IndexedDB's) plain byte order is tuple order.
 *
 * Format (no version byte: the tuple's own first component, `'v1'`, versions
 * the layout). Each component is written as
 *
 *     wtf8(component) with every 0x00 byte replaced by 0x00 0xFF,
 *     followed by a single 0x00 terminator.
 *
 * wtf8 is UTF-8 generalised to lone surrogates (a lone U+D800..U+DFFF is
 * written as its 3-byte sequence), so every JS string has exactly one
 * encoding. ['v1', 'a\0'] is `76 31 00 61 00 FF 00`.
 *
 * Why this orders correctly: UTF-8 never produces 0xFF, and never produces
 * 0x00 except for U+0000, so
 * - a component ends (0x00 then anything but 0xFF) before any longer
 *   component sharing its start continues (a byte ≥ 0x01, or 0x00 0xFF for
 *   U+0000): ['a'] < ['a', 'b'] < ['a\0'] < ['ab'];
 * - a tuple's encoding is a byte prefix of its extensions': ['a'] < ['a', 'b'];
 * - components compare by Unicode code point (UTF-8 byte order), lone
 *   surrogates by their own value. This is not JS `<`, which compares UTF-16
 *   code units and puts '\uffff' after '😀'.
 *
 * A prefix range over P is `[enc(P), enc(P) ++ 0xFF)`: every extension of P
 * continues enc(P) with a byte below 0xFF, while a sibling such as P's last
 * component + '\0' continues it with exactly 0xFF, and P + 'y' differs before.
 */

import type { Key, RangeOptions } from '@murmur/core/storage'
import { DecodeError, InvalidArgumentError } from '@murmur/protocol'

const TERMINATOR = 0x00
const ESCAPE = 0xff

/** Encodes a non-empty key tuple; throws InvalidArgumentError for anything else. */
export function encodeKey(key: Key): Uint8Array {
  assertKey(key, 'key')
  return encodeComponents(key)
}

/**
 * Encodes many keys, as encodeKey does each, into views of a few shared
 * buffers (one per SCRATCH_BYTES of worst-case size), so a batch costs a
 * handful of allocations instead of one per key. Throws InvalidArgumentError
 * for the first invalid key, before encoding any.
 */
export function encodeKeys(keys: readonly Key[]): Uint8Array[] {
  for (const key of keys) assertKey(key, 'key')
  const out = scratchBuffer()
  const encoded = new Array<Uint8Array>(keys.length)
  const ends = new Array<number>(keys.length)
  let first = 0 // keys from `first` on are written to out[0, o), not yet copied out
  let o = 0
  const flush = (next: number): void => {
    if (next > first) {
      const chunk = out.slice(0, o)
      let start = 0
      for (let k = first; k < next; k++) {
        const end = ends[k] as number
        encoded[k] = chunk.subarray(start, end)
        start = end
      }
    }
    first = next
    o = 0
  }
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as Key
    const size = maxEncodedLength(key)
    if (o + size > SCRATCH_BYTES) flush(i)
    if (size > SCRATCH_BYTES) {
      encoded[i] = encodeComponents(key)
      first = i + 1
    } else {
      ends[i] = o = writeComponents(key, out, o)
    }
  }
  flush(keys.length)
  return encoded
}

/** Decodes bytes made by encodeKey; throws DecodeError for any other bytes. */
export function decodeKey(bytes: Uint8Array): string[] {
  if (bytes.length === 0) throw new DecodeError('A storage key cannot be empty')
  const key: string[] = []
  let units: number[] = []
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i] as number
    if (b === TERMINATOR) {
      if (bytes[i + 1] === ESCAPE) {
        units.push(0)
        i += 2
      } else {
        key.push(fromCharCodes(units))
        units = []
        i += 1
      }
      continue
    }
    i = decodeCodePoint(bytes, i, units)
  }
  // Bytes left in `units` belong to a component that never ended (this also
  // catches a final 0x00 0xFF, which is an escaped U+0000, not a terminator).
  if (units.length > 0) throw new DecodeError('A storage key must end with a component terminator')
  return key
}

/** Byte-wise comparison, the order LevelDB and IndexedDB keep keys in. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number)
    if (d !== 0) return d
  }
  return a.length - b.length
}

/** Encoded bounds of a prefix range; `limit` is undefined when unlimited. */
export interface EncodedRange {
  readonly gt?: Uint8Array
  readonly gte?: Uint8Array
  readonly lt: Uint8Array
  readonly reverse: boolean
  readonly limit: number | undefined
}

/**
 * Validates a range request and turns it into byte bounds. The prefix may be
 * empty (every key); `after` and `before` must be keys that start with it.
 */
export function encodeRange(prefix: Key, options: RangeOptions = {}): EncodedRange {
  if (!Array.isArray(prefix))
    throw new InvalidArgumentError('A range prefix must be an array of strings')
  assertComponents(prefix, 'range prefix')
  const { after, before, reverse = false, limit } = options
  if (typeof reverse !== 'boolean')
    throw new InvalidArgumentError('range option `reverse` must be a boolean')
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0)) {
    throw new InvalidArgumentError(
      `range option \`limit\` must be a whole number ≥ 0, got ${String(limit)}`,
    )
  }
  const start = encodeComponents(prefix)
  const end = new Uint8Array(start.length + 1)
  end.set(start)
  end[start.length] = ESCAPE
  const range: { gt?: Uint8Array; gte?: Uint8Array; lt: Uint8Array } = { lt: end }
  if (after !== undefined) range.gt = encodeBound(after, prefix, 'after')
  else if (start.length > 0) range.gte = start
  if (before !== undefined) range.lt = encodeBound(before, prefix, 'before')
  return { ...range, reverse, limit }
}

function encodeBound(bound: Key, prefix: Key, name: string): Uint8Array {
  assertKey(bound, `range option \`${name}\``)
  if (bound.length < prefix.length || prefix.some((c, i) => bound[i] !== c)) {
    throw new InvalidArgumentError(`range option \`${name}\` must start with the range prefix`)
  }
  return encodeComponents(bound)
}

/** Throws InvalidArgumentError unless `key` is a non-empty array of strings. */
export function assertKey(key: Key, what: string): void {
  if (!Array.isArray(key))
    throw new InvalidArgumentError(`A storage ${what} must be an array of strings`)
  if (key.length === 0)
    throw new InvalidArgumentError(`A storage ${what} must have at least one component`)
  assertComponents(key, what)
}

function assertComponents(key: Key, what: string): void {
  for (const c of key) {
    if (typeof c !== 'string') {
      throw new InvalidArgumentError(
        `Every component of a storage ${what} must be a string, got ${typeof c}`,
      )
    }
  }
}

/**
 * Keys are written into one scratch buffer and copied out at their real size:
 * one allocation per key, or per chunk of a batch (encodeKeys). Allocating the
 * worst case per key, 3 bytes per code unit, and slicing it was most of a
 * batch's encoding time: typed arrays over 64 bytes get their own off-heap
 * buffer, and those get slower the more of them are alive. A key larger than
 * the scratch buffer gets a buffer of its own.
 */
const SCRATCH_BYTES = 64 * 1024
let scratch: Uint8Array | undefined

function scratchBuffer(): Uint8Array {
  scratch ??= new Uint8Array(SCRATCH_BYTES)
  return scratch
}

/**
 * From this many code units on, a component without U+0000 or lone
 * surrogates goes through TextEncoder (wtf8 is UTF-8 for such strings). Below
 * it the loop in writeComponent is faster than the native call; Murmur's
 * components (ids, hex hashes, counters) are mostly 2–32 units.
 */
const NATIVE_FROM = 32
const utf8 = new TextEncoder()

/**
 * Worst case: 3 bytes per UTF-16 code unit (a pair takes 4 for 2 units), 2
 * for U+0000, plus one terminator per component.
 */
function maxEncodedLength(key: Key): number {
  let size = 0
  for (let j = 0; j < key.length; j++) size += (key[j] as string).length * 3 + 1
  return size
}

function encodeComponents(key: Key): Uint8Array {
  const size = maxEncodedLength(key)
  const out = size > SCRATCH_BYTES ? new Uint8Array(size) : scratchBuffer()
  return out.slice(0, writeComponents(key, out, 0))
}

/** Writes every component of `key`, each with its terminator, at `o`; returns the next offset. */
function writeComponents(key: Key, out: Uint8Array, o: number): number {
  for (let j = 0; j < key.length; j++) {
    const c = key[j] as string
    if (c.length >= NATIVE_FROM && !c.includes('\0') && c.isWellFormed()) {
      o += utf8.encodeInto(c, out.subarray(o)).written
    } else {
      o = writeComponent(c, out, o)
    }
    out[o++] = TERMINATOR
  }
  return o
}

/** Writes one component's wtf8 bytes, U+0000 escaped, at `o`; returns the next offset. */
function writeComponent(c: string, out: Uint8Array, o: number): number {
  for (let i = 0; i < c.length; i++) {
    let cp = c.charCodeAt(i)
    if (cp === 0) {
      out[o++] = TERMINATOR
      out[o++] = ESCAPE
    } else if (cp < 0x80) {
      out[o++] = cp
    } else if (cp < 0x800) {
      out[o++] = 0xc0 | (cp >> 6)
      out[o++] = 0x80 | (cp & 0x3f)
    } else {
      const next = c.charCodeAt(i + 1)
      if (cp >= 0xd800 && cp <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00)
        i++
        out[o++] = 0xf0 | (cp >> 18)
        out[o++] = 0x80 | ((cp >> 12) & 0x3f)
        out[o++] = 0x80 | ((cp >> 6) & 0x3f)
        out[o++] = 0x80 | (cp & 0x3f)
      } else {
        out[o++] = 0xe0 | (cp >> 12)
        out[o++] = 0x80 | ((cp >> 6) & 0x3f)
        out[o++] = 0x80 | (cp & 0x3f)
      }
    }
  }
  return o
}

/** Reads one canonical wtf8 sequence at `i` into UTF-16 `units`; returns the next offset. */
function decodeCodePoint(bytes: Uint8Array, i: number, units: number[]): number {
  const b = bytes[i] as number
  if (b < 0x80) {
    units.push(b)
    return i + 1
  }
  const length =
    b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0
  if (length === 0)
    throw new DecodeError(`Invalid byte 0x${b.toString(16)} at offset ${i} of a storage key`)
  if (i + length > bytes.length) throw new DecodeError('A storage key ends inside a character')
  let cp = b & (0xff >> (length + 1))
  for (let k = 1; k < length; k++) {
    const c = bytes[i + k] as number
    if ((c & 0xc0) !== 0x80)
      throw new DecodeError(`Invalid continuation byte at offset ${i + k} of a storage key`)
    cp = (cp << 6) | (c & 0x3f)
  }
  const shortest = length === 2 ? 0x80 : length === 3 ? 0x800 : 0x10000
  if (cp < shortest || cp > 0x10ffff)
    throw new DecodeError(`Non-canonical character at offset ${i} of a storage key`)
  if (cp >= 0x10000) {
    units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff))
    return i + length
  }
  // A high surrogate directly followed by a low one must have been written
  // as one 4-byte pair; two 3-byte halves would be a second spelling of it.
  // (A high surrogate last in `units` is always a lone one: pairs end low.)
  const prev = units[units.length - 1]
  if (cp >= 0xdc00 && cp <= 0xdfff && prev !== undefined && prev >= 0xd800 && prev <= 0xdbff) {
    throw new DecodeError(`Surrogate pair spelled as two halves at offset ${i} of a storage key`)
  }
  units.push(cp)
  return i + length
}

function fromCharCodes(units: number[]): string {
  let s = ''
  for (let i = 0; i < units.length; i += 8192) s += String.fromCharCode(...units.slice(i, i + 8192))
  return s
}
