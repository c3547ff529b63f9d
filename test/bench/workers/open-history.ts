/**
 * B7 worker: a cold process opens a history database and gets the last 50
 * messages ready, then reports when that happened in its own clock
 * (performance.now() counts from process start) with a breakdown.
 *
 *   open-history.ts messenger <db dir>               createLevelStorage + createMessenger + history(limit 50)
 *   open-history.ts raw <db dir> <gte hex> <lt hex>  classic-level open + reverse read of 50 entries
 *
 * The result travels in the ready message (lib/serve.ts), and the process
 * then waits to be told to quit.
 */

import { enableCompileCache } from 'node:module'
import { serve } from '../lib/serve.ts'

// As node/bin/murmur.js does: compiled (type-stripped) modules are cached on
// disk, so only the first open after an install pays for compiling them.
enableCompileCache()

const [mode, dir, gteHex, ltHex] = process.argv.slice(2)
const importedMs = performance.now()
let result: Record<string, unknown>

if (mode === 'messenger') {
  const { createMessenger } = await import('@murmur/core')
  const { createLevelStorage } = await import('@murmur/store-level')
  const { noopNetwork } = await import('../lib/noop-network.ts')
  const modulesMs = performance.now()
  const storage = await createLevelStorage({ path: String(dir) })
  const openMs = performance.now()
  const messenger = await createMessenger({ storage, network: noopNetwork() })
  const messengerMs = performance.now()
  const cid = messenger.conversations()[0]?.conversationId
  if (cid === undefined) throw new Error(`no conversation in ${dir}`)
  const page = await messenger.history(cid, { limit: 50 })
  const readyMs = performance.now()
  await messenger.close()
  await storage.close()
  result = {
    readyMs,
    count: page.length,
    steps: {
      'node + bench harness': importedMs,
      'import engine modules': modulesMs - importedMs,
      'open LevelDB': openMs - modulesMs,
      createMessenger: messengerMs - openMs,
      'history(limit 50)': readyMs - messengerMs,
    },
  }
} else if (mode === 'raw') {
  const { Level } = await import('level')
  const modulesMs = performance.now()
  const db = new Level<Uint8Array, Uint8Array>(String(dir), {
    keyEncoding: 'view',
    valueEncoding: 'view',
  })
  await db.open()
  const openMs = performance.now()
  const entries = await db
    .iterator({
      gte: Buffer.from(String(gteHex), 'hex'),
      lt: Buffer.from(String(ltHex), 'hex'),
      reverse: true,
      limit: 50,
    })
    .all()
  const readyMs = performance.now()
  await db.close()
  result = {
    readyMs,
    count: entries.length,
    steps: {
      'node + bench harness': importedMs,
      'import level': modulesMs - importedMs,
      'open LevelDB': openMs - modulesMs,
      'read 50': readyMs - openMs,
    },
  }
} else {
  throw new Error(`unknown mode ${mode}`)
}

serve({}, { ready: result })
