/**
 * A new member receives a history larger than one sync frame can hold
 * (more than MAX_ENVELOPES_PER_FRAME envelopes): sync splits it into frames.
 */

import { MAX_ENVELOPES_PER_FRAME } from '@murmur/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { group, scenario } from '../helpers/scenario.ts'
import type { Scenario } from '../helpers/scenario.ts'
import { waitFor } from '../helpers/wait.ts'

describe('a history larger than one sync frame', () => {
  let s: Scenario | undefined

  afterEach(async () => {
    await s?.close()
  })

  it('reaches a member who joins afterwards, in full', async () => {
    s = scenario(901)
    const alice = await s.user('Alice')
    const bob = await s.user('Bob')
    const cid = await group(alice, [bob])
    const count = MAX_ENVELOPES_PER_FRAME + 200
    for (let i = 0; i < count; i++) await alice.messenger.send(cid, `message ${i}`)
    const carol = await s.user('Carol')
    await carol.messenger.join(alice.messenger.invite(cid), { timeoutMs: 30_000 })
    await waitFor(
      async () =>
        (await carol.messenger.history(cid, { limit: 500 })).at(-1)?.text ===
        `message ${count - 1}`,
      'Carol has the newest message',
      90_000,
      250,
    )
    expect(
      carol.messenger.status().conversations.find((c) => c.conversationId === cid)?.missing,
    ).toBe(0)
  }, 180_000)
})
