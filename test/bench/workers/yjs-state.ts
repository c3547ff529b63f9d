/**
 * B8 worker (run with --expose-gc): Yjs state through SharedState against a
 * raw Y.Doc doing the same map writes. Reactions reuse
 * packages/core/src/shared-state/bench.ts; edits follow the same method
 * here: 50 users each editing their own messages, every update applied to a
 * fresh replica (checked, for SharedState), then snapshotted. Heap growth of
 * the applying replica is measured after a forced GC.
 */

import * as Y from 'yjs'
import { benchReactions } from '../../../packages/core/src/shared-state/bench.ts'
import { createSharedState } from '../../../packages/core/src/shared-state/index.ts'
import type { StateAuthor } from '../../../packages/core/src/shared-state/index.ts'
import { serve } from '../lib/serve.ts'

interface Result {
  readonly label: string
  readonly writeMs: number
  readonly applyMs: number
  readonly updateBytes: number
  readonly snapshotBytes: number
  readonly heapBytes: number
}

const heapUsed = (): number => {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage().heapUsed
}

const USERS = 50

function benchEdits(count: number): Result[] {
  const authors: StateAuthor[] = Array.from({ length: USERS }, (_, i) => ({
    user: `user-${i}`,
    device: new Uint8Array(32).fill(i + 1),
  }))
  // Edit k: user k % 50 edits its message number ⌊k / 50⌋ % 200, so messages are edited repeatedly.
  const each = (f: (author: StateAuthor, messageId: string, text: string) => void): void => {
    for (let k = 0; k < count; k++) {
      const author = authors[k % USERS] as StateAuthor
      f(author, `msg-${author.user}-${Math.floor(k / USERS) % 200}`, `edited text number ${k}`)
    }
  }
  const time = (f: () => void): number => {
    const t0 = performance.now()
    f()
    return performance.now() - t0
  }

  const writer = createSharedState()
  const sent: Array<{ update: Uint8Array; author: StateAuthor }> = []
  const writeMs = time(() =>
    each((a, m, t) => sent.push({ update: writer.edit(a, m, t), author: a })),
  )
  const h0 = heapUsed()
  const reader = createSharedState()
  const applyMs = time(() => {
    for (const { update, author } of sent) reader.apply(update, author, [author.device])
  })
  const h1 = heapUsed()
  const shared: Result = {
    label: 'SharedState',
    writeMs,
    applyMs,
    updateBytes: sent.reduce((n, s) => n + s.update.length, 0),
    snapshotBytes: reader.snapshot().reduce((n, s) => n + s.update.length, 0),
    heapBytes: h1 - h0,
  }
  sent.length = 0

  const rawWriter = new Y.Doc()
  const rawSent: Uint8Array[] = []
  rawWriter.on('update', (u: Uint8Array) => rawSent.push(u))
  const edits = rawWriter.getMap<{ text: string; ts: number }>('edits')
  const rawWriteMs = time(() =>
    each((a, m, t) => {
      rawWriter.clientID = (a.device[0] as number) * 1000
      edits.set(m, { text: t, ts: Date.now() })
    }),
  )
  const r0 = heapUsed()
  const rawReader = new Y.Doc()
  const rawApplyMs = time(() => {
    for (const u of rawSent) Y.applyUpdate(rawReader, u)
  })
  const r1 = heapUsed()
  const raw: Result = {
    label: 'raw Y.Doc',
    writeMs: rawWriteMs,
    applyMs: rawApplyMs,
    updateBytes: rawSent.reduce((n, u) => n + u.length, 0),
    snapshotBytes: Y.encodeStateAsUpdate(rawReader).length,
    heapBytes: r1 - r0,
  }
  if (reader.editOf('msg-user-0-0', 'user-0') === undefined || rawReader.getMap('edits').size === 0)
    throw new Error('edits did not apply')
  return [shared, raw]
}

serve({
  reactions(args) {
    return { results: benchReactions(Number(args.count), { heapUsed }) }
  },
  edits(args) {
    return { results: benchEdits(Number(args.count)) }
  },
})
