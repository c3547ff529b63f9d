import { TimeoutError } from '@murmur/protocol'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Conversation } from './conversation.ts'
import type { FramedStream } from './network.ts'
import { SYNC_IDLE_TIMEOUT_MS, syncAsInitiator } from './sync.ts'

describe('sync', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('gives up, and aborts the stream, when the peer goes quiet', async () => {
    vi.useFakeTimers()
    const aborted: Error[] = []
    const sent: Uint8Array[] = []
    const silent: FramedStream = {
      remotePeer: 'peer' as FramedStream['remotePeer'],
      send: async (frame) => void sent.push(frame),
      frames: () => ({
        [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => undefined) }),
      }),
      close: async () => undefined,
      abort: (err) => void aborted.push(err),
    }
    const conversation = {
      keys: { convTag: new Uint8Array(16) },
      syncVector: () => new Map(),
    } as unknown as Conversation
    const outcome = syncAsInitiator(silent, conversation).catch((err: unknown) => err)
    await vi.advanceTimersByTimeAsync(SYNC_IDLE_TIMEOUT_MS - 1)
    expect(aborted).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    const err = await outcome
    expect(err).toBeInstanceOf(TimeoutError)
    expect(aborted[0]).toBe(err)
    expect(sent).toHaveLength(1) // our hello went out
  })
})
