/**
 * Minimal binary reader/writer used by every Murmur wire format: unsigned
 * LEB128 varints and length-prefixed byte strings. The reader never reads past
 * its input; every failure is a DecodeError. Varints must be in their shortest
 * form (no trailing zero group), so each value has exactly one encoding.
 */

import { DecodeError, InvalidArgumentError } from './errors.ts'

const encoder = new TextEncoder()
// ignoreBOM: a leading U+FEFF is part of the string, not a marker to strip.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export class Writer {
  #chunks: Uint8Array[] = []
  #length = 0

  byte(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) {
      throw new InvalidArgumentError(`byte must be an integer from 0 to 255, got ${value}`)
    }
    return this.raw(Uint8Array.of(value))
  }

  varint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new InvalidArgumentError(`varint must be a non-negative safe integer, got ${value}`)
    }
    const out: number[] = []
    let rest = value
    while (rest >= 0x80) {
      out.push((rest % 0x80) | 0x80)
      rest = Math.floor(rest / 0x80)
    }
    out.push(rest)
    return this.raw(Uint8Array.from(out))
  }

  bytes(value: Uint8Array): this {
    return this.varint(value.length).raw(value)
  }

  string(value: string): this {
    return this.bytes(encoder.encode(value))
  }

  raw(value: Uint8Array): this {
    this.#chunks.push(value)
    this.#length += value.length
    return this
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length)
    let offset = 0
    for (const chunk of this.#chunks) {
      out.set(chunk, offset)
      offset += chunk.length
    }
    return out
  }
}

export class Reader {
  readonly #data: Uint8Array
  #offset = 0
  readonly #what: string

  constructor(data: Uint8Array, what: string) {
    this.#data = data
    this.#what = what
  }

  get remaining(): number {
    return this.#data.length - this.#offset
  }

  byte(): number {
    const value = this.#data[this.#offset]
    if (value === undefined) throw new DecodeError(`${this.#what} is truncated`)
    this.#offset += 1
    return value
  }

  varint(): number {
    let value = 0
    let scale = 1
    for (let i = 0; i < 8; i++) {
      const b = this.byte()
      value += (b & 0x7f) * scale
      if ((b & 0x80) === 0) {
        // A zero last group adds nothing: `80 00` would be a second encoding of 0.
        if (b === 0 && i > 0) {
          throw new DecodeError(`${this.#what} has a varint that is not in its shortest form`)
        }
        if (!Number.isSafeInteger(value)) break
        return value
      }
      scale *= 0x80
    }
    throw new DecodeError(`${this.#what} has an invalid varint`)
  }

  raw(length: number): Uint8Array {
    if (length > this.remaining) throw new DecodeError(`${this.#what} is truncated`)
    const out = this.#data.slice(this.#offset, this.#offset + length)
    this.#offset += length
    return out
  }

  bytes(maxLength: number): Uint8Array {
    const length = this.varint()
    if (length > maxLength) {
      throw new DecodeError(`${this.#what} has a field of ${length} bytes (limit ${maxLength})`)
    }
    return this.raw(length)
  }

  string(maxLength: number): string {
    try {
      return decoder.decode(this.bytes(maxLength))
    } catch (err) {
      if (err instanceof DecodeError) throw err
      throw new DecodeError(`${this.#what} has a string that is not valid UTF-8`)
    }
  }

  /** Asserts that the whole input was consumed. */
  end(): void {
    if (this.remaining !== 0) {
      throw new DecodeError(`${this.#what} has ${this.remaining} unexpected trailing bytes`)
    }
  }
}
