/**
 * B6 worker: write rates of the storage path. `shape` captures the batch one
 * messenger.send() writes (keys and value sizes); `adapter` and `raw` write
 * that shape for many messages in batches of 1, 100 or 1000 messages, through
 * createLevelStorage and through classic-level directly (the same encoded
 * keys, random values of the same sizes); `send` times messenger.send() end
 * to end on LevelDB with a no-op network.
 */

import { createMessenger } from '@murmur/core'
import type { BatchOp, Key, StorageAdapter } from '@murmur/core'
import { createLevelStorage, createMemoryStorage, encodeKey } from '@murmur/store-level'
import { randomBytes } from 'node:crypto'
import { Level } from 'level'
import { noopNetwork } from '../lib/noop-network.ts'
import { serve } from '../lib/serve.ts'
import { benchText } from '../lib/text.ts'

interface Shape {
  readonly keys: Key[]
  readonly sizes: number[]
}

let shape: Shape | undefined

/** The ops of one send(), captured from a memory storage wrapped to record batches. */
async function captureShape(): Promise<Shape> {
  const inner = createMemoryStorage()
  let last: readonly BatchOp[] = []
  const recording: StorageAdapter = {
    ...inner,
    get: (k) => inner.get(k),
    put: (k, v) => inner.put(k, v),
    del: (k) => inner.del(k),
    range: (p, o) => inner.range(p, o),
    close: () => inner.close(),
    batch: async (ops) => {
      last = ops
      await inner.batch(ops)
    },
  }
  const messenger = await createMessenger({
    storage: recording,
    network: noopNetwork(),
    name: 'Ada',
  })
  const cid = await messenger.createConversation({ name: 'Shape' })
  await messenger.send(cid, benchText(0, 100))
  await messenger.send(cid, benchText(1, 100))
  await messenger.close()
  const puts = last.filter((op): op is Extract<BatchOp, { type: 'put' }> => op.type === 'put')
  return { keys: puts.map((op) => op.key), sizes: puts.map((op) => op.value.length) }
}

/** Message i's ops: the captured keys with a unique, same-length last component. */
function opsFor(s: Shape, i: number): BatchOp[] {
  return s.keys.map((key, k) => {
    const lastPart = key.at(-1) ?? ''
    const tag = String(i).padStart(Math.min(lastPart.length, 10), '0')
    const unique = lastPart.slice(0, Math.max(0, lastPart.length - tag.length)) + tag
    return {
      type: 'put' as const,
      key: [...key.slice(0, -1), unique],
      value: new Uint8Array(randomBytes(s.sizes[k] ?? 0)),
    }
  })
}

function batches(s: Shape, total: number, per: number): BatchOp[][] {
  const out: BatchOp[][] = []
  for (let i = 0; i < total; i += per) {
    const ops: BatchOp[] = []
    for (let j = i; j < Math.min(total, i + per); j++) ops.push(...opsFor(s, j))
    out.push(ops)
  }
  return out
}

serve({
  async shape() {
    shape = await captureShape()
    return {
      ops: shape.keys.length,
      keys: shape.keys.map((k) => k.slice(0, 2).join('/')),
      sizes: shape.sizes,
    }
  },

  async adapter(args) {
    shape ??= await captureShape()
    const work = batches(shape, Number(args.total), Number(args.per))
    const storage = await createLevelStorage({ path: String(args.dir) })
    const t0 = performance.now()
    for (const ops of work) await storage.batch(ops)
    const ms = performance.now() - t0
    await storage.close()
    return { ms, perSecond: (Number(args.total) * 1000) / ms }
  },

  async raw(args) {
    shape ??= await captureShape()
    const work = batches(shape, Number(args.total), Number(args.per)).map((ops) =>
      ops.map((op) => ({
        type: 'put' as const,
        key: encodeKey(op.key),
        value: op.type === 'put' ? op.value : new Uint8Array(0),
      })),
    )
    const db = new Level<Uint8Array, Uint8Array>(String(args.dir), {
      keyEncoding: 'view',
      valueEncoding: 'view',
    })
    await db.open()
    const t0 = performance.now()
    for (const ops of work) await db.batch(ops)
    const ms = performance.now() - t0
    await db.close()
    return { ms, perSecond: (Number(args.total) * 1000) / ms }
  },

  async send(args) {
    const storage = await createLevelStorage({ path: String(args.dir) })
    const messenger = await createMessenger({ storage, network: noopNetwork(), name: 'Ada' })
    const cid = await messenger.createConversation({ name: 'Writes' })
    const total = Number(args.total)
    const texts = Array.from({ length: total }, (_, i) => benchText(i, 100))
    const t0 = performance.now()
    for (const text of texts) await messenger.send(cid, text)
    const ms = performance.now() - t0
    await messenger.close()
    await storage.close()
    return { ms, perSecond: (total * 1000) / ms }
  },
})
