/**
 * Length-prefixed framing for direct protocol streams.
 *
 *   varint  length (≤ maxFrame)
 *   bytes   payload
 *
 * The length is a shortest-form LEB128 varint of at most 5 bytes.
 * `FrameDecoder` is fed the chunks a transport delivers, whatever their
 * boundaries, and yields whole frames. A length above the limit is refused
 * before any payload is buffered, so a peer cannot make us hold more than one
 * frame's worth of memory. Otherwise the frame is allocated once and each
 * chunk copied into it, so a frame trickled in byte by byte still costs time
 * linear in its size.
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
  /** The length prefix read so far; copied, since the caller may reuse its chunk. */
  readonly #header = new Uint8Array(MAX_LENGTH_BYTES)
  #headerLength = 0
  /** The frame being filled, allocated once its length is known. */
  #frame: Uint8Array | undefined
  #filled = 0

  constructor(maxFrame = MAX_STREAM_FRAME) {
    this.#maxFrame = maxFrame
  }

  /** Bytes held that do not yet form a whole frame. */
  get pending(): number {
    return this.#headerLength + this.#filled
  }

  /**
   * Adds a chunk and returns every frame it completes, in order. Each byte is
   * copied once, so a frame costs time linear in its size however it is cut.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = []
    let offset = 0
    while (offset < chunk.length) {
      const frame = this.#frame
      if (frame === undefined) {
        this.#readHeaderByte(chunk[offset]!)
        offset += 1
      } else {
        const take = Math.min(frame.length - this.#filled, chunk.length - offset)
        frame.set(chunk.subarray(offset, offset + take), this.#filled)
        this.#filled += take
        offset += take
      }
      if (this.#frame !== undefined && this.#filled === this.#frame.length) {
        frames.push(this.#frame)
        this.#frame = undefined
        this.#filled = 0
        this.#headerLength = 0
      }
    }
    return frames
  }

  /** Call when the stream ends: throws if it ended inside a frame. */
  end(): void {
    if (this.pending > 0) {
      throw new DecodeError(`stream ended inside a frame (${this.pending} bytes pending)`)
    }
  }

  /** Adds one byte of the length prefix; allocates the frame once the prefix is whole. */
  #readHeaderByte(b: number): void {
    this.#header[this.#headerLength] = b
    this.#headerLength += 1
    if ((b & 0x80) !== 0) {
      if (this.#headerLength === MAX_LENGTH_BYTES) {
        throw new DecodeError('frame length prefix is malformed')
      }
      return
    }
    if (b === 0 && this.#headerLength > 1) {
      throw new DecodeError('frame length prefix is not in its shortest form')
    }
    let length = 0
    for (let i = 0; i < this.#headerLength; i++) length += (this.#header[i]! & 0x7f) * 2 ** (7 * i)
    if (length > this.#maxFrame) throw new TooLargeError('frame', length, this.#maxFrame)
    this.#frame = new Uint8Array(length)
  }
}
