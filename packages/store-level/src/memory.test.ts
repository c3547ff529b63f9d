import { storageAdapterCompliance } from '@murmur/core/testing'
import { describe, expect, it } from 'vitest'
import { createMemoryStorage } from './memory.ts'

storageAdapterCompliance(
  'memory storage',
  async () => {
    const storage = createMemoryStorage()
    return { storage, cleanup: () => storage.close() }
  },
  { persistent: false },
)

describe('memory storage', () => {
  it('starts empty every time it is created', async () => {
    const first = createMemoryStorage()
    await first.put(['v1', 'k'], Uint8Array.of(1))
    const second = createMemoryStorage()
    expect(await second.get(['v1', 'k'])).toBeUndefined()
    await first.close()
    await second.close()
  })
})
