import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { UpdateQueue } from '../../web/src/lib/updates.ts'
import type { UpdateBatch } from '../../web/src/lib/updates.ts'

describe('the chat update queue', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('folds a burst of events into one batch, each message once', async () => {
    const batches: UpdateBatch[] = []
    const queue = new UpdateQueue(async (b) => void batches.push(b), fail)
    for (let i = 0; i < 300; i++) queue.add(`m${i % 100}`, i < 100)
    queue.add('m1')
    queue.delivery()
    await vi.advanceTimersByTimeAsync(20)
    await queue.settled()
    expect(batches).toHaveLength(1)
    expect(batches[0]!.ids).toHaveLength(100)
    expect(batches[0]!.arrived.size).toBe(100)
    expect(batches[0]!.delivery).toBe(true)
  })

  it('hands batches over one at a time, in order, even when applying is slow', async () => {
    const order: string[] = []
    const queue = new UpdateQueue(async (b) => {
      order.push(`start ${b.ids.join()}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
      order.push(`end ${b.ids.join()}`)
    }, fail)
    queue.add('a')
    await vi.advanceTimersByTimeAsync(20)
    queue.add('b')
    await vi.advanceTimersByTimeAsync(300)
    await queue.settled()
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b'])
  })

  it('reports a failed batch and keeps going with the next one', async () => {
    const errors: unknown[] = []
    const seen: string[] = []
    const queue = new UpdateQueue(
      async (b) => {
        if (b.ids.includes('bad')) throw new Error('boom')
        seen.push(...b.ids)
      },
      (err) => errors.push(err),
    )
    queue.add('bad')
    await vi.advanceTimersByTimeAsync(20)
    queue.add('good')
    await vi.advanceTimersByTimeAsync(20)
    await queue.settled()
    expect(errors).toHaveLength(1)
    expect(seen).toEqual(['good'])
  })

  it('does nothing more once closed', async () => {
    const apply = vi.fn(async () => undefined)
    const queue = new UpdateQueue(apply, fail)
    queue.add('a')
    queue.close()
    queue.add('b')
    await vi.advanceTimersByTimeAsync(100)
    expect(apply).not.toHaveBeenCalled()
  })
})

function fail(err: unknown): never {
  throw err
}
