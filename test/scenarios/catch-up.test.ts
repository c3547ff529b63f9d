/**
 * Offline catch-up: a member who was away gets everything it missed from
 * another member by sync when it comes back. Periodic sync and outbox
 * republishing are switched off (a one-minute interval), so nothing reaches
 * it any other way.
 */

import { splitEnvelope } from '@murmur/protocol'
import { toHex } from '@murmur/crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { routingKeys } from '../../packages/core/src/derive.ts'
import {
  conversationRecord,
  converged,
  envelopes,
  events,
  group,
  scenario,
  senderTagOf,
  texts,
  view,
} from '../helpers/scenario.ts'
import type { Scenario, User } from '../helpers/scenario.ts'
import { waitFor } from '../helpers/wait.ts'
import { publishEnvelopes } from './forge.ts'

describe('a member that was offline', () => {
  let s: Scenario

  afterEach(async () => {
    await s?.close()
  })

  const missingOf = (u: User, cid: string): number =>
    u.messenger.status().conversations.find((c) => c.conversationId === cid)?.missing ?? -1

  it('catches up from another member by sync, and its gap closes', async () => {
    s = scenario(601)
    const quiet = { syncIntervalMs: 60_000 }
    const alice = await s.user('Alice', quiet)
    const bob = await s.user('Bob', quiet)
    const carol = await s.user('Carol', quiet)
    const cid = await group(alice, [bob, carol])
    const first = await alice.messenger.send(cid, 'before Carol left')
    await converged([alice, bob, carol], cid, 'everyone has the first message')

    s.partition(carol, [alice, bob])
    const missed: string[] = []
    for (let i = 0; i < 4; i++) {
      missed.push(`Alice ${i}`, `Bob ${i}`)
      await alice.messenger.send(cid, `Alice ${i}`)
      await bob.messenger.send(cid, `Bob ${i}`)
    }
    await bob.messenger.react(cid, first, '👍')
    await alice.messenger.edit(cid, first, 'before Carol left (edited)')
    await alice.messenger.send(cid, 'the last word')
    missed.push('the last word')
    await converged([alice, bob], cid, 'Alice and Bob converge')
    await s.hub.settle()
    expect(await texts(carol, cid)).toEqual(['before Carol left'])

    // A stranger hands Carol only Alice's newest envelope: she sees how much she lacks.
    const record = await conversationRecord(alice.storage, cid)
    const aliceTag = senderTagOf(alice, record)
    const newest = (await envelopes(alice.storage, cid))
      .filter((e) => toHex(splitEnvelope(e).header.senderTag) === aliceTag)
      .at(-1) as Uint8Array
    const courier = await s.peer([carol])
    await s.hub.settle()
    await publishEnvelopes(courier, routingKeys(record.routing).topic, [newest])
    // It is keyed with an epoch Bob started while she was away, so it waits
    // (counted as missing) until sync brings that epoch's key envelope.
    await waitFor(() => missingOf(carol, cid) > 0, 'Carol sees a gap')

    // Back online: sync with the members fills the gap.
    const syncs = events(carol, 'sync')
    s.link([alice, bob, carol])
    await waitFor(
      async () =>
        missed.every((m) => texts(carol, cid).then((t) => t.includes(m))) &&
        missingOf(carol, cid) === 0,
      'Carol has every missed message and no gap',
    )
    await converged([alice, bob, carol], cid, 'Carol converges with the others')
    expect(await view(carol.messenger, cid)).toEqual(await view(alice.messenger, cid))
    expect(missingOf(carol, cid)).toBe(0)
    expect(syncs.some((e) => e.done && e.received > 0)).toBe(true)
  })
})
