/**
 * The life of a group among three users in one process: memory storage and
 * the in-memory network, so every step is fast and deterministic enough to
 * assert on exactly.
 */

import { createMessenger } from '@murmur/core'
import type { Messenger, MessengerEvents, NetworkAdapter } from '@murmur/core'
import { createMemoryNetworkHub } from '@murmur/core/testing'
import type { MemoryNetworkHub } from '@murmur/core/testing'
import { createMemoryStorage } from '@murmur/store-level'
import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/wait.ts'

interface User {
  readonly messenger: Messenger
  readonly network: NetworkAdapter
}

describe('a group of three on the memory network', () => {
  let hub: MemoryNetworkHub
  const users: User[] = []

  afterEach(async () => {
    for (const u of users.splice(0)) await u.messenger.close()
    await hub?.stop()
  })

  async function user(name: string): Promise<User> {
    const network = hub.createPeer()
    await network.start()
    for (const other of users) hub.connect(network, other.network)
    const messenger = await createMessenger({
      storage: createMemoryStorage(),
      network,
      name,
      syncIntervalMs: 500,
      presenceIntervalMs: 200,
    })
    const u = { messenger, network }
    users.push(u)
    return u
  }

  function events<K extends keyof MessengerEvents>(u: User, type: K): MessengerEvents[K][] {
    const seen: MessengerEvents[K][] = []
    u.messenger.on(type, (e) => seen.push(e))
    return seen
  }

  it('creates, invites, joins, and every message reaches everyone', async () => {
    hub = createMemoryNetworkHub({ seed: 1 })
    const alice = await user('Alice')
    const bob = await user('Bob')
    const carol = await user('Carol')
    const cid = await alice.messenger.createConversation({ name: 'Friends' })
    const link = alice.messenger.invite(cid)
    expect(link).toContain('#join=')
    const [bobCid, carolCid] = await Promise.all([
      bob.messenger.join(link, { timeoutMs: 10_000 }),
      carol.messenger.join(link, { timeoutMs: 10_000 }),
    ])
    expect(bobCid).toBe(cid)
    expect(carolCid).toBe(cid)
    await waitFor(
      () => [alice, bob, carol].every((u) => u.messenger.members(cid).length === 3),
      'all three see three members',
    )

    const bobMessages = events(bob, 'message')
    const carolMessages = events(carol, 'message')
    const aliceMessages = events(alice, 'message')
    await alice.messenger.send(cid, 'hello from Alice')
    await bob.messenger.send(cid, 'hello from Bob')
    await carol.messenger.send(cid, 'hello from Carol')
    await waitFor(
      () => bobMessages.length >= 2 && carolMessages.length >= 2 && aliceMessages.length >= 2,
      'messages everywhere',
    )
    for (const u of [alice, bob, carol]) {
      await waitFor(
        async () => (await u.messenger.history(cid)).length === 3,
        'three messages in history',
      )
      const texts = (await u.messenger.history(cid)).map((m) => m.text).sort()
      expect(texts).toEqual(['hello from Alice', 'hello from Bob', 'hello from Carol'])
    }
  })
})
