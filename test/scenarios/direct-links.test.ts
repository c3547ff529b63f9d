/**
 * A member of a large group dials only a handful of the other members
 * (DIRECT_LINKS_PER_CONVERSATION); gossipsub's mesh and the relay carry the
 * rest. Here a hub user stands in for the relay: every member is linked to it
 * and to nobody else at first, so every other link is one a member dialed on
 * seeing presence.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { DIRECT_LINKS_PER_CONVERSATION } from '../../packages/core/src/peers.ts'
import type { PeerIdString } from '../../packages/protocol/src/index.ts'
import { group, scenario, texts } from '../helpers/scenario.ts'
import type { Scenario, User } from '../helpers/scenario.ts'
import { waitFor } from '../helpers/wait.ts'

/** Records the distinct peers `u` dials from now on. */
function dialsOf(u: User): Set<string> {
  const dialled = new Set<string>()
  const dial = u.network.dial.bind(u.network)
  u.network.dial = (peer: PeerIdString, addrs: readonly string[]) => {
    dialled.add(peer)
    return dial(peer, addrs)
  }
  return dialled
}

describe('direct links in a large group', () => {
  let s: Scenario | undefined

  afterEach(async () => {
    await s?.close()
  })

  it(`each member dials at most ${DIRECT_LINKS_PER_CONVERSATION} others, and every message still reaches everyone`, async () => {
    s = scenario(811)
    const hub = await s.user('Hub')
    const members: User[] = []
    for (let i = 0; i < 15; i++) members.push(await s.user(`M${i}`, { connect: [hub] }))
    const dials = members.map(dialsOf)
    const cid = await group(hub, members)
    // Several presence rounds (every 200 ms here): dials settle.
    await new Promise((r) => setTimeout(r, 2_000))

    for (const [i, dialled] of dials.entries()) {
      expect(dialled.size, `M${i} dialled ${dialled.size}`).toBeLessThanOrEqual(
        DIRECT_LINKS_PER_CONVERSATION,
      )
    }
    // Members did link up beyond the hub (a member with no link would sync only through it).
    expect(members.every((m) => m.network.peers().length >= 2)).toBe(true)
    const links = members.reduce((n, m) => n + m.network.peers().length - 1, 0) / 2
    expect(links).toBeLessThan((15 * 14) / 2)

    await members[3]!.messenger.send(cid, 'to all fifteen')
    await waitFor(
      async () =>
        (await Promise.all([hub, ...members].map((u) => texts(u, cid)))).every((t) =>
          t.includes('to all fifteen'),
        ),
      'the message at every member',
    )
  }, 60_000)
})
