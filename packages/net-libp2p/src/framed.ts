/**
 * Adapts a libp2p stream to Murmur's FramedStream: length-prefixed frames with
 * a size limit, backpressure on send, and typed errors for malformed input.
 */

import type { Stream } from '@libp2p/interface'
import type { FramedStream } from '@murmur/core'
import { encodeFrame, FrameDecoder, MAX_STREAM_FRAME } from '@murmur/protocol'
import type { PeerIdString } from '@murmur/protocol'

export function framedStream(
  stream: Stream,
  remotePeer: PeerIdString,
  maxFrame = MAX_STREAM_FRAME,
): FramedStream {
  return {
    remotePeer,
    async send(frame) {
      if (!stream.send(encodeFrame(frame, maxFrame))) {
        await stream.onDrain()
      }
    },
    async *frames() {
      const decoder = new FrameDecoder(maxFrame)
      try {
        for await (const chunk of stream) {
          const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
          yield* decoder.push(bytes)
        }
        decoder.end()
      } catch (err) {
        // A peer that sent a bad frame gets the stream torn down; the caller
        // still sees the typed error.
        stream.abort(err instanceof Error ? err : new Error(String(err)))
        throw err
      }
    },
    async close() {
      await stream.close()
    },
    abort(err) {
      stream.abort(err)
    },
  }
}
