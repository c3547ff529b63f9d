/**
 * Adapts a libp2p stream to Murmur's FramedStream: length-prefixed frames with
 * a size limit, backpressure on send, and typed errors for malformed input.
 */

import { StreamAbortedError, StreamResetError } from '@libp2p/interface'
import type { Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
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
        for await (const chunk of incoming(stream)) yield* decoder.push(chunk)
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

/**
 * What the remote sends, until it has closed its side and all of it was read.
 *
 * Not libp2p's own stream iterator: that one ends on the 'remoteCloseWrite' or
 * 'close' event, so when the remote closed before we began reading it yields
 * what was buffered and then waits forever, and when the remote reset the
 * stream first it ends as if closed cleanly. The 'end' event and
 * `readableEnded` are the documented signals for a reader that comes late.
 */
async function* incoming(stream: Stream): AsyncGenerator<Uint8Array> {
  const queue: Uint8Array[] = []
  let ended = stream.readableEnded
  let failure: Error | undefined =
    stream.status === 'reset'
      ? new StreamResetError()
      : stream.status === 'aborted'
        ? new StreamAbortedError()
        : undefined
  let wake: (() => void) | undefined
  const notify = (): void => {
    wake?.()
    wake = undefined
  }
  const onMessage = (evt: StreamMessageEvent): void => {
    queue.push(evt.data instanceof Uint8Array ? evt.data : evt.data.subarray())
    notify()
  }
  const onEnd = (): void => {
    ended = true
    notify()
  }
  // A graceful close ends reading through 'end'; only a failure matters here.
  const onClose = (evt: StreamCloseEvent): void => {
    failure ??= evt.error
    notify()
  }
  stream.addEventListener('message', onMessage)
  stream.addEventListener('end', onEnd)
  stream.addEventListener('close', onClose)
  try {
    for (;;) {
      const chunk = queue.shift()
      if (chunk !== undefined) yield chunk
      else if (failure !== undefined) throw failure
      else if (ended) return
      else await new Promise<void>((resolve) => (wake = resolve))
    }
  } finally {
    stream.removeEventListener('message', onMessage)
    stream.removeEventListener('end', onEnd)
    stream.removeEventListener('close', onClose)
  }
}
