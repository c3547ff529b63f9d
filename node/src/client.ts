/**
 * `murmur client`: a headless Murmur client for bots, scripts and end-to-end
 * tests, speaking JSON lines on stdin/stdout (the protocol is in
 * client/session.ts, the commands in client/commands.ts). This module is the
 * Node composition root: it wires the data directory, the libp2p key, LevelDB
 * storage and the libp2p network into a Messenger, and shuts them down in
 * reverse order on `quit`, end of input or a signal.
 *
 * Data directory layout: `peer-key` (the libp2p key, so the PeerId survives
 * restarts) and `db/` (LevelDB: identity, conversations, messages).
 */

import { defaultLogger } from '@libp2p/logger'
import { createMessenger } from '@murmur/core'
import type { Logger, Messenger } from '@murmur/core'
import { createLibp2pNetwork } from '@murmur/net-libp2p'
import { createLevelStorage } from '@murmur/store-level'
import { join } from 'node:path'
import type { Writable } from 'node:stream'
import { startSession } from './client/session.ts'
import { loadOrCreateKey, PEER_KEY_FILE } from './keys.ts'
import { ensureWritableDir } from './relay.ts'

export interface ClientOptions {
  readonly dataDir: string
  /** Relay multiaddrs, each ending in `/p2p/<relay peer id>`. */
  readonly relays: readonly string[]
  /** Display name; the stored one is kept when undefined. */
  readonly name: string | undefined
  /** Settles when the process is asked to stop (SIGINT/SIGTERM). */
  readonly stop: Promise<unknown>
  readonly input: AsyncIterable<Uint8Array>
  readonly output: Writable
}

/** How long requests still running at shutdown (a join, typically) get to finish. */
const DRAIN_GRACE_MS = 3_000

/** Runs the client until quit, end of input or `stop`; resolves with the exit code. */
export async function runClient(options: ClientOptions): Promise<number> {
  const log = defaultLogger().forComponent('murmur:client')
  await ensureWritableDir(options.dataDir)
  const privateKey = await loadOrCreateKey(options.dataDir, PEER_KEY_FILE)
  // Closers run newest first: messenger, then network, then storage.
  const closers: Array<() => Promise<void>> = []
  let messenger: Messenger
  try {
    const storage = await createLevelStorage({ path: join(options.dataDir, 'db') })
    closers.unshift(() => storage.close())
    const network = await createLibp2pNetwork({
      relays: options.relays,
      privateKey,
      // No lobby: relays host our conversation topics, and members find each
      // other through encrypted presence there, then connect directly.
    })
    closers.unshift(() => network.stop())
    await network.start()
    const created = await createMessenger({
      storage,
      network,
      name: options.name,
      relays: options.relays,
      linkBase: 'murmur:',
      logger: log,
    })
    closers.unshift(() => created.close())
    messenger = created
  } catch (err) {
    await closeAll(closers, log)
    throw err
  }

  const session = startSession({ messenger, input: options.input, output: options.output, log })
  const reason = await Promise.race([
    session.ended,
    options.stop.then(() => ({ kind: 'signal' }) as const),
  ])
  await session.drain(DRAIN_GRACE_MS)
  const failure = await closeAll(closers, log)
  if (reason.kind === 'quit') {
    if (failure === undefined) session.reply(reason.id, {})
    else session.replyError(reason.id, failure)
  }
  await session.flush()
  return failure === undefined ? 0 : 1
}

/** Runs every closer even if one fails; returns the first failure. */
async function closeAll(
  closers: ReadonlyArray<() => Promise<void>>,
  log: Logger,
): Promise<unknown> {
  let failure: unknown
  for (const close of closers) {
    try {
      await close()
    } catch (err) {
      log.error('shutdown step failed - %e', err)
      process.stderr.write(`murmur client: shutdown failed: ${String(err)}\n`)
      failure ??= err
    }
  }
  return failure
}
