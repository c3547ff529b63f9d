import { describe, expect, it } from 'vitest'
import { StagedWrites } from './staged-writes.ts'
import type { BatchOp, Key, StorageAdapter } from './storage.ts'

/** A map-backed adapter that records each batch it is given. */
function recordingStorage(): StorageAdapter & {
  batches: BatchOp[][]
  data: Map<string, Uint8Array>
} {
  const data = new Map<string, Uint8Array>()
  const batches: BatchOp[][] = []
  const id = (key: Key): string => key.join('\u0000')
  return {
    data,
    batches,
    get: async (key) => data.get(id(key)),
    put: async (key, value) => void data.set(id(key), value),
    del: async (key) => void data.delete(id(key)),
    batch: async (ops) => {
      batches.push([...ops])
      for (const op of ops) {
        if (op.type === 'put') data.set(id(op.key), op.value)
        else data.delete(id(op.key))
      }
    },
    range: async function* () {},
    close: async () => undefined,
  }
}

const bytes = (n: number): Uint8Array => Uint8Array.of(n)

describe('StagedWrites', () => {
  it('reads what is staged before it is written, then writes it all in one batch', async () => {
    const storage = recordingStorage()
    await storage.put(['v1', 'a'], bytes(1))
    await storage.put(['v1', 'b'], bytes(2))
    const staged = new StagedWrites(storage, () => undefined)
    staged.write([{ type: 'put', key: ['v1', 'a'], value: bytes(10) }])
    staged.write([{ type: 'del', key: ['v1', 'b'] }])
    staged.write([{ type: 'put', key: ['v1', 'c'], value: bytes(3) }])
    expect(await staged.get(['v1', 'a'])).toEqual(bytes(10))
    expect(await staged.get(['v1', 'b'])).toBeUndefined()
    expect(await staged.get(['v1', 'c'])).toEqual(bytes(3))
    expect(storage.batches).toHaveLength(0)
    await staged.flush()
    expect(storage.batches).toHaveLength(1)
    expect(storage.data.get('v1\u0000a')).toEqual(bytes(10))
    expect(storage.data.has('v1\u0000b')).toBe(false)
  })

  it('keeps only the last write to a key, so a frame writes its version vector once', async () => {
    const storage = recordingStorage()
    const staged = new StagedWrites(storage, () => undefined)
    for (let i = 0; i < 100; i++)
      staged.write([{ type: 'put', key: ['v1', 'vv'], value: bytes(i) }])
    staged.write([
      { type: 'put', key: ['v1', 'x'], value: bytes(1) },
      { type: 'del', key: ['v1', 'x'] },
    ])
    await staged.flush()
    expect(storage.batches[0]).toHaveLength(2)
    expect(storage.data.get('v1\u0000vv')).toEqual(bytes(99))
    expect(storage.data.has('v1\u0000x')).toBe(false)
  })

  it('tells apart keys whose joined components would collide', async () => {
    const storage = recordingStorage()
    const staged = new StagedWrites(storage, () => undefined)
    staged.write([{ type: 'put', key: ['a,b', 'c'], value: bytes(1) }])
    expect(await staged.get(['a', 'b,c'])).toBeUndefined()
  })

  it('runs queued tasks in order only after the batch is written, and reports a failing one', async () => {
    const storage = recordingStorage()
    const errors: unknown[] = []
    const staged = new StagedWrites(storage, (err) => errors.push(err))
    const seen: string[] = []
    staged.write([{ type: 'put', key: ['v1', 'm'], value: bytes(1) }])
    staged.afterFlush(() => seen.push(`first, stored: ${storage.data.has('v1\u0000m')}`))
    staged.afterFlush(() => {
      throw new Error('listener failed')
    })
    staged.afterFlush(() => seen.push('third'))
    expect(seen).toEqual([])
    await staged.flush()
    expect(seen).toEqual(['first, stored: true', 'third'])
    expect(errors).toHaveLength(1)
    // Usable again: a second flush writes only what came after the first.
    staged.write([{ type: 'put', key: ['v1', 'n'], value: bytes(2) }])
    await staged.flush()
    expect(storage.batches.map((b) => b.length)).toEqual([1, 1])
  })

  it('does not run the tasks when the batch fails, and the failure reaches the caller', async () => {
    const storage = recordingStorage()
    storage.batch = async () => {
      throw new Error('disk full')
    }
    const staged = new StagedWrites(storage, () => undefined)
    let ran = false
    staged.write([{ type: 'put', key: ['v1', 'm'], value: bytes(1) }])
    staged.afterFlush(() => (ran = true))
    await expect(staged.flush()).rejects.toThrow('disk full')
    expect(ran).toBe(false)
  })
})
