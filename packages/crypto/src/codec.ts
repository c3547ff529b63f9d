/**
 * Internal helpers for the fixed binary layouts in this package: a writer
 * that builds a byte string and a reader whose every read is bounds-checked,
 * so a decoder can only fail with DecodeError / TooLargeError.
 */
import { DecodeError, TooLargeError } from '@murmur/protocol'

/** Every encoding starts with this format version. */
export const FORMAT_VERSION = 1

/** Second byte of every encoding: what the bytes are. Never reused. */
export const Kind = {
  deviceCertificate: 0x01,
  signedPrekey: 0x02,
  peerIdBinding: 0x03,
  sealed: 0x04,
  senderChainState: 0x05,
  receiverChainState: 0x06,
  backup: 0x07,
} as const

export class Writer {
  readonly #parts: Uint8Array[] = []
  #length = 0

  bytes(b: Uint8Array): this {
    this.#parts.push(b)
    this.#length += b.length
    return this
  }
  u8(n: number): this {
    return this.bytes(Uint8Array.of(n))
  }
  u16(n: number): this {
    return this.bytes(Uint8Array.of(n >>> 8, n & 0xff))
  }
  u32(n: number): this {
    const b = new Uint8Array(4)
    new DataView(b.buffer).setUint32(0, n)
    return this.bytes(b)
  }
  /** Unsigned 64-bit big-endian; the value must be a safe integer. */
  u64(n: number): this {
    const b = new Uint8Array(8)
    new DataView(b.buffer).setBigUint64(0, BigInt(n))
    return this.bytes(b)
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.#length)
    let at = 0
    for (const p of this.#parts) {
      out.set(p, at)
      at += p.length
    }
    return out
  }
}

export class Reader {
  readonly #bytes: Uint8Array
  readonly #what: string
  #at = 0

  /** Checks the type, the size bounds and the version/kind header. */
  constructor(input: unknown, what: string, kind: number, minLength: number, maxLength: number) {
    if (!(input instanceof Uint8Array)) throw new DecodeError(`${what}: expected bytes`)
    if (input.length > maxLength) throw new TooLargeError(what, input.length, maxLength)
    if (input.length < minLength) {
      throw new DecodeError(
        `${what}: truncated (${input.length} bytes, need at least ${minLength})`,
      )
    }
    this.#bytes = input
    this.#what = what
    const version = this.u8()
    if (version !== FORMAT_VERSION) throw new DecodeError(`${what}: unsupported version ${version}`)
    const k = this.u8()
    if (k !== kind) throw new DecodeError(`${what}: wrong kind ${k}, expected ${kind}`)
  }

  get offset(): number {
    return this.#at
  }
  get remaining(): number {
    return this.#bytes.length - this.#at
  }
  /** Bytes read so far (the part a signature covers, when called before it). */
  consumed(): Uint8Array {
    return this.#bytes.subarray(0, this.#at)
  }
  fail(reason: string): never {
    throw new DecodeError(`${this.#what}: ${reason}`)
  }
  bytes(n: number): Uint8Array {
    if (n > this.remaining) this.fail('truncated')
    const out = this.#bytes.slice(this.#at, this.#at + n)
    this.#at += n
    return out
  }
  u8(): number {
    return this.bytes(1)[0]!
  }
  u16(): number {
    const b = this.bytes(2)
    return (b[0]! << 8) | b[1]!
  }
  u32(): number {
    return new DataView(this.bytes(4).buffer).getUint32(0)
  }
  u64(): number {
    const v = new DataView(this.bytes(8).buffer).getBigUint64(0)
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('64-bit value out of range')
    return Number(v)
  }
  /** Requires that every byte was consumed. */
  end(): void {
    if (this.remaining !== 0) this.fail(`${this.remaining} unexpected trailing bytes`)
  }
}
