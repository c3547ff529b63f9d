/**
 * Field helpers shared by the wire codecs (internal to wire/).
 *
 * Reads are canonical: a varint must use its shortest form, a flag byte may
 * only set known bits, strings must be valid UTF-8. Together with fixed field
 * order this gives every value exactly one accepted encoding, so anything a
 * decoder accepts re-encodes to the same bytes. Writes check sizes and throw
 * InvalidArgumentError (bad value, too many items) or TooLargeError (too many
 * bytes) before producing anything a decoder would refuse.
 */

import { Reader } from '../bytes.ts'
import type { Writer } from '../bytes.ts'
import { DecodeError, InvalidArgumentError, TooLargeError } from '../errors.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Bytes a LEB128 varint of `n` takes. */
export function varintLength(n: number): number {
  let length = 1
  for (let rest = n; rest >= 0x80; rest = Math.floor(rest / 0x80)) length++
  return length
}

// ---- reading -------------------------------------------------------------

/** A non-negative safe integer in its shortest varint form. */
export function readUint(r: Reader, what: string): number {
  const before = r.remaining
  const value = r.varint()
  if (before - r.remaining !== varintLength(value)) {
    throw new DecodeError(`${what} is not in its shortest varint form`)
  }
  return value
}

export function readFixed(r: Reader, length: number): Uint8Array {
  return r.raw(length)
}

export function readBytes(r: Reader, max: number, what: string): Uint8Array {
  const length = readUint(r, `${what} length`)
  if (length > max) throw new DecodeError(`${what} is ${length} bytes (limit ${max})`)
  return r.raw(length)
}

export function readString(r: Reader, max: number, what: string): string {
  const bytes = readBytes(r, max, what)
  try {
    return decoder.decode(bytes)
  } catch {
    throw new DecodeError(`${what} is not valid UTF-8`)
  }
}

/** A list count, at most `max`. */
export function readCount(r: Reader, max: number, what: string): number {
  const count = readUint(r, `${what} count`)
  if (count > max) throw new DecodeError(`${count} ${what} is more than the limit of ${max}`)
  return count
}

/** One byte in which only the bits of `allowed` may be set. */
export function readFlags(r: Reader, allowed: number, what: string): number {
  const flags = r.byte()
  if ((flags & ~allowed) !== 0) throw new DecodeError(`${what} has unknown flags ${flags}`)
  return flags
}

/** Maps a tag byte back to its name via a name → tag table. */
export function readTag<T extends string>(
  r: Reader,
  table: Readonly<Record<T, number>>,
  what: string,
): T {
  const tag = r.byte()
  for (const name of Object.keys(table) as T[]) if (table[name] === tag) return name
  throw new DecodeError(`${what} tag ${tag} is unknown`)
}

/** Unsigned 64-bit big-endian that must be a safe integer. */
export function readU64(r: Reader, what: string): number {
  const b = r.raw(8)
  const value = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0)
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError(`${what} is out of range`)
  return Number(value)
}

export function readU32(r: Reader): number {
  const b = r.raw(4)
  return new DataView(b.buffer, b.byteOffset, 4).getUint32(0)
}

export function readList<T>(r: Reader, max: number, what: string, read: () => T): T[] {
  const count = readCount(r, max, what)
  const out: T[] = []
  for (let i = 0; i < count; i++) out.push(read())
  return out
}

/** The leading version byte of a format; v1 is the only one. */
export function readVersion(r: Reader, what: string, expected = 1): void {
  const version = r.byte()
  if (version !== expected) throw new DecodeError(`${what} version ${version} is unknown`)
}

// ---- writing -------------------------------------------------------------

export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array
}

export function writeUint(w: Writer, value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${what} must be a non-negative safe integer, got ${value}`)
  }
  w.varint(value)
}

export function writeFixed(w: Writer, value: Uint8Array, length: number, what: string): void {
  if (!isBytes(value) || value.length !== length) {
    throw new InvalidArgumentError(`${what} must be ${length} bytes`)
  }
  w.raw(value)
}

export function writeBytes(w: Writer, value: Uint8Array, max: number, what: string): void {
  if (!isBytes(value)) throw new InvalidArgumentError(`${what} must be a Uint8Array`)
  if (value.length > max) throw new TooLargeError(what, value.length, max)
  w.bytes(value)
}

export function writeString(w: Writer, value: string, max: number, what: string): void {
  if (typeof value !== 'string' || !value.isWellFormed()) {
    throw new InvalidArgumentError(`${what} must be a well-formed string`)
  }
  writeBytes(w, encoder.encode(value), max, what)
}

export function writeCount(w: Writer, count: number, max: number, what: string): void {
  if (count > max) {
    throw new InvalidArgumentError(`at most ${max} ${what} are allowed, got ${count}`)
  }
  w.varint(count)
}

export function writeTag<T extends string>(
  w: Writer,
  table: Readonly<Record<T, number>>,
  name: T,
  what: string,
): void {
  const tag = Object.hasOwn(table, name) ? table[name] : undefined
  if (tag === undefined) throw new InvalidArgumentError(`${what} '${String(name)}' is unknown`)
  w.byte(tag)
}

export function writeU64(w: Writer, value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${what} must be a non-negative safe integer, got ${value}`)
  }
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(value))
  w.raw(b)
}

export function writeU32(w: Writer, value: number): void {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, value)
  w.raw(b)
}

export function writeList<T>(
  w: Writer,
  items: readonly T[],
  max: number,
  what: string,
  write: (item: T) => void,
): void {
  if (!Array.isArray(items)) throw new InvalidArgumentError(`${what} must be an array`)
  writeCount(w, items.length, max, what)
  for (const item of items) write(item)
}

/** Finishes `w`, refusing a result above `limit`. */
export function sized(w: Writer, limit: number, what: string): Uint8Array {
  const out = w.finish()
  if (out.length > limit) throw new TooLargeError(what, out.length, limit)
  return out
}

/** Refuses a whole input above `limit` before any parsing. */
export function checkSize(data: Uint8Array, limit: number, what: string): void {
  if (!isBytes(data)) throw new DecodeError(`${what} is not a byte array`)
  if (data.length > limit) throw new TooLargeError(what, data.length, limit)
}

/** Domain-separated bytes to sign: `label || 0x00 || body`, the convention of @murmur/crypto. */
export function labelled(label: string, body: Uint8Array): Uint8Array {
  const prefix = encoder.encode(label)
  const out = new Uint8Array(prefix.length + 1 + body.length)
  out.set(prefix, 0)
  out.set(body, prefix.length + 1)
  return out
}

/** Reads one `T` that must span all of `data`. */
export function whole<T>(data: Uint8Array, what: string, read: (r: Reader) => T): T {
  const r = new Reader(data, what)
  const value = read(r)
  r.end()
  return value
}
