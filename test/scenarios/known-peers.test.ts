/**
 * Members remember where they last saw each other: after a restart a member
 * dials those addresses at once, so it reconnects (and catches up) without
 * waiting for presence — here with no link to anyone but through that dial.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { group, scenario, texts } from '../helpers/scenario.ts'
import type { Scenario } from '../helpers/scenario.ts'
import { keys } from '../../packages/core/src/records.ts'
import { waitFor } from '../helpers/wait.ts'

describe('known peers', () => {
  let s: Scenario | undefined

  afterEach(async () => {
    await s?.close()
  })

  it('a restarted member reconnects through the address it stored, and catches up', async () => {
    s = scenario(733)
    let alice = await s.user('Alice')
    const bob = await s.user('Bob')
    const cid = await group(alice, [bob])
    await bob.messenger.send(cid, 'before')
    await waitFor(async () => (await texts(alice, cid)).includes('before'), 'Alice has it')
    const bobDevice = bob.messenger.deviceId
    await waitFor(
      async () => (await alice.storage.get(keys.peer(cid, bobDevice))) !== undefined,
      'Alice stored where Bob is',
    )

    await s.stop(alice)
    await bob.messenger.send(cid, 'while Alice was away')
    // No link to anyone: only dialling the stored address can bring Bob back.
    alice = await s.user('Alice', { storage: alice.storage, connect: [] })
    await waitFor(
      async () => (await texts(alice, cid)).includes('while Alice was away'),
      'Alice caught up after dialling Bob',
    )
    expect(alice.network.peers().map((p) => p.peerId)).toContain(bob.network.peerId)
  })

  it('does not dial a device that is no longer a member', async () => {
    s = scenario(734)
    let alice = await s.user('Alice')
    const bob = await s.user('Bob')
    const cid = await group(alice, [bob])
    await waitFor(
      async () => (await alice.storage.get(keys.peer(cid, bob.messenger.deviceId))) !== undefined,
      'Alice stored where Bob is',
    )
    await alice.messenger.remove(cid, bob.messenger.userId)
    await s.stop(alice)
    alice = await s.user('Alice', { storage: alice.storage, connect: [] })
    await new Promise((r) => setTimeout(r, 500))
    expect(alice.network.peers().map((p) => p.peerId)).not.toContain(bob.network.peerId)
  })
})
