/**
 * Length-prefixed framing for direct protocol streams.
 *
 *   varint  length (≤ maxFrame)
 *   bytes   payload
 *
 * `FrameDecoder` is fed the chunks a transport delivers, whatever their
 * boundaries, and yields whole frames. A length above the limit is refused
 * before any payload is buffered, so a peer cannot make us hold more than one
 * frame's worth of memory.
 */

import { DecodeError, TooLargeError } from './errors.ts'
import { MAX_STREAM_FRAME } from './limits.ts'

/** Longest varint we accept for a length: 5 bytes covers 2^35. */
const MAX_LENGTH_BYTES = 5

export function encodeFrame(payload: Uint8Array, maxFrame = MAX_STREAM_FRAME): Uint8Array {
  if (payload.length > maxFrame) throw new TooLargeError('frame', payload.length, maxFrame)
  const header: number[] = []
  let rest = payload.length
  while (rest >= 0x80) {
    header.push((rest & 0x7f) | 0x80)
    rest >>>= 7
  }
  header.push(rest)
  const out = new Uint8Array(header.length + payload.length)
  out.set(header, 0)
  out.set(payload, header.length)
  return out
}

export class FrameDecoder {
  readonly #maxFrame: number
  #buffer: Uint8Array = new Uint8Array(0)

  constructor(maxFrame = MAX_STREAM_FRAME) {
    this.#maxFrame = maxFrame
  }

  /** Bytes held that do not yet form a whole frame. */
  get pending(): number {
    return this.#buffer.length
  }

  /** Adds a chunk and returns every frame it completes, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : concat(this.#buffer, chunk)
    const frames: Uint8Array[] = []
    for (;;) {
      const header = this.#readLength()
      if (header === undefined) break
      const [length, headerBytes] = header
      if (this.#buffer.length < headerBytes + length) break
      frames.push(this.#buffer.slice(headerBytes, headerBytes + length))
      this.#buffer = this.#buffer.subarray(headerBytes + length)
    }
    return frames
  }

  /** Call when the stream ends: throws if it ended inside a frame. */
  end(): void {
    if (this.#buffer.length > 0) {
      throw new DecodeError(`stream ended inside a frame (${this.#buffer.length} bytes pending)`)
    }
  }

  #readLength(): [number, number] | undefined {
    let length = 0
    for (let i = 0; i < MAX_LENGTH_BYTES; i++) {
      const b = this.#buffer[i]
      if (b === undefined) return undefined
      length += (b & 0x7f) * 2 ** (7 * i)
      if ((b & 0x80) === 0) {
        if (length > this.#maxFrame) throw new TooLargeError('frame', length, this.#maxFrame)
        return [length, i + 1]
      }
    }
    throw new DecodeError('frame length prefix is malformed')
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}
