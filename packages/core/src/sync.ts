/**
 * The sync protocol (`/murmur/sync/1.0.0`), one stream per conversation:
 *
 *   initiator → hello(convTag, vector)
 *   responder → hello(convTag, vector)          (an empty vector if it holds nothing)
 *   both      → envelopes(…)*  what the other lacks, per sender in seq order
 *   both      → done
 *
 * Each side sends while it reads, so neither waits for the other to finish;
 * both close after sending and receiving `done`. Envelopes are opaque here:
 * the conversation verifies each one as it would a gossiped envelope, and
 * writes a frame's records in one storage batch.
 */

import {
  decodeSyncFrame,
  encodeSyncFrame,
  MAX_ENVELOPES_PER_FRAME,
  MAX_STREAM_FRAME,
  DecodeError,
  TimeoutError,
} from '@murmur/protocol'
import type { SyncFrame } from '@murmur/protocol'
import { toHex } from '@murmur/crypto'
import type { Conversation } from './conversation.ts'
import type { FramedStream } from './network.ts'

export const SYNC_PROTOCOL = '/murmur/sync/1.0.0'

/** Room left in a frame for the frame's own tag and counts. */
const FRAME_HEADROOM = 64

/**
 * A sync whose peer sends nothing for this long is abandoned (and the stream
 * aborted): one stuck peer must not hold the per-peer sync slot forever.
 */
export const SYNC_IDLE_TIMEOUT_MS = 20_000

export interface SyncResult {
  readonly sent: number
  readonly received: number
  readonly accepted: number
  /** What the other side holds, per sender tag. */
  readonly theirs: ReadonlyMap<string, number>
}

export interface SyncHooks {
  /** Called after each batch of received envelopes is processed. */
  readonly onProgress?: (received: number) => void
}

/** Runs sync for `conversation` as the side that opened the stream. */
export async function syncAsInitiator(
  stream: FramedStream,
  conversation: Conversation,
  hooks: SyncHooks = {},
): Promise<SyncResult> {
  await send(stream, {
    type: 'hello',
    convTag: conversation.keys.convTag,
    vector: conversation.syncVector(),
  })
  const frames = stream.frames()[Symbol.asyncIterator]()
  const first = await nextFrame(stream, frames)
  if (first?.type !== 'hello') throw new DecodeError('sync peer did not answer with hello')
  return exchange(stream, frames, conversation, first.vector, hooks)
}

/**
 * Answers a sync stream: reads the hello, finds the conversation by its tag
 * (`lookup`), and exchanges. Returns undefined when we do not hold it.
 */
export async function syncAsResponder(
  stream: FramedStream,
  lookup: (convTagHex: string) => Conversation | undefined,
  hooks: SyncHooks = {},
): Promise<{ conversation: Conversation; result: SyncResult } | undefined> {
  const frames = stream.frames()[Symbol.asyncIterator]()
  const hello = await nextFrame(stream, frames)
  if (hello?.type !== 'hello') throw new DecodeError('sync stream did not start with hello')
  const conversation = lookup(toHex(hello.convTag))
  if (conversation === undefined) {
    await send(stream, { type: 'hello', convTag: hello.convTag, vector: new Map() })
    await send(stream, { type: 'done' })
    await stream.close()
    return undefined
  }
  await send(stream, {
    type: 'hello',
    convTag: conversation.keys.convTag,
    vector: conversation.syncVector(),
  })
  const result = await exchange(stream, frames, conversation, hello.vector, hooks)
  return { conversation, result }
}

async function exchange(
  stream: FramedStream,
  frames: AsyncIterator<Uint8Array>,
  conversation: Conversation,
  theirs: ReadonlyMap<string, number>,
  hooks: SyncHooks,
): Promise<SyncResult> {
  const sending = (async () => {
    let sent = 0
    let batch: Uint8Array[] = []
    let size = 0
    for await (const envelope of conversation.envelopesMissingFrom(theirs)) {
      const full =
        size + envelope.length + 8 > MAX_STREAM_FRAME - FRAME_HEADROOM ||
        batch.length >= MAX_ENVELOPES_PER_FRAME
      if (full && batch.length > 0) {
        await send(stream, { type: 'envelopes', envelopes: batch })
        batch = []
        size = 0
      }
      batch.push(envelope)
      size += envelope.length + 8
      sent++
    }
    if (batch.length > 0) await send(stream, { type: 'envelopes', envelopes: batch })
    await send(stream, { type: 'done' })
    return sent
  })()
  // Awaited below; if receiving fails first, the stream is torn down and this
  // rejects too, which must not surface as an unhandled rejection.
  sending.catch(() => undefined)
  let received = 0
  let accepted = 0
  for (;;) {
    const frame = await nextFrame(stream, frames)
    // A transport may deliver a reset as a clean end: only `done` completes a sync.
    if (frame === undefined) throw new DecodeError('sync stream ended before done')
    if (frame.type === 'done') break
    if (frame.type !== 'envelopes')
      throw new DecodeError(`unexpected ${frame.type} frame during sync`)
    received += frame.envelopes.length
    const outcomes = await conversation.ingestFrame(frame.envelopes)
    accepted += outcomes.filter((outcome) => outcome === 'accepted').length
    hooks.onProgress?.(received)
  }
  const sent = await sending
  await stream.close()
  return { sent, received, accepted, theirs }
}

async function send(stream: FramedStream, frame: SyncFrame): Promise<void> {
  await stream.send(encodeSyncFrame(frame))
}

async function nextFrame(
  stream: FramedStream,
  frames: AsyncIterator<Uint8Array>,
): Promise<SyncFrame | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new TimeoutError(
        `sync peer sent nothing for ${SYNC_IDLE_TIMEOUT_MS / 1000} s; gave up on this sync`,
      )
      stream.abort(err)
      reject(err)
    }, SYNC_IDLE_TIMEOUT_MS)
  })
  try {
    const next = await Promise.race([frames.next(), idle])
    if (next.done === true) return undefined
    return decodeSyncFrame(next.value)
  } finally {
    clearTimeout(timer)
  }
}
