/**
 * Builds the history datasets through the real engine: one messenger on
 * LevelDB with a no-op network creates a group and sends `max` ~100-byte
 * messages; at every size in `sizes` the database is closed and copied to
 * `<out>/h<size>/db`. The outbox is emptied in the copies, as if another
 * member had confirmed every message (otherwise the periodic republish of
 * 100k unconfirmed envelopes would dominate any network benchmark).
 */

import { createMessenger } from '@murmur/core'
import { createLevelStorage } from '@murmur/store-level'
import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import { noopNetwork } from '../lib/noop-network.ts'
import { serve } from '../lib/serve.ts'
import { benchText } from '../lib/text.ts'

const served = serve({
  async build(args) {
    const out = String(args.out)
    const sizes = (args.sizes as number[]).slice().sort((a, b) => a - b)
    const work = join(out, 'work', 'db')
    const t0 = performance.now()
    let storage = await createLevelStorage({ path: work })
    let messenger = await createMessenger({ storage, network: noopNetwork(), name: 'Ada' })
    const conversationId = await messenger.createConversation({ name: 'History' })
    const userId = messenger.userId
    const stages: Array<{ size: number; ms: number }> = []
    let sent = 0
    for (const size of sizes) {
      while (sent < size) {
        await messenger.send(conversationId, benchText(sent, 100))
        sent++
        if (sent % 5000 === 0) served.emit('progress', { sent, ms: performance.now() - t0 })
      }
      await messenger.close()
      // Empty the outbox: every message counts as delivered.
      const dels = []
      for await (const [key] of storage.range(['v1', 'out']))
        dels.push({ type: 'del' as const, key })
      for (let i = 0; i < dels.length; i += 5000) await storage.batch(dels.slice(i, i + 5000))
      await storage.close()
      await cp(work, join(out, `h${size}`, 'db'), { recursive: true })
      stages.push({ size, ms: performance.now() - t0 })
      storage = await createLevelStorage({ path: work })
      messenger = await createMessenger({ storage, network: noopNetwork(), name: 'Ada' })
    }
    await messenger.close()
    await storage.close()
    return { conversationId, userId, stages, totalMs: performance.now() - t0 }
  },
})
