/**
 * A removed member keeps receiving the conversation's traffic (its peer is
 * still on the topic, and members still answer its syncs) but can read none
 * of what is written after the removal: the epoch rotated, and the new secret
 * was sealed only to the members who stayed.
 */

import { DecryptError, open as openSealed, receiverChain, toHex } from '@murmur/crypto'
import { decodeKeyPayload, decodeTopicMessage, splitEnvelope } from '@murmur/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { isBaseEpoch, routingKeys } from '../../packages/core/src/derive.ts'
import { openWithKey } from '../../packages/core/src/envelope.ts'
import { loadOrCreateIdentity } from '../../packages/core/src/identity.ts'
import {
  conversationRecord,
  converged,
  epochsOf,
  events,
  group,
  scenario,
  texts,
  ADMISSION_DELAY_MS,
} from '../helpers/scenario.ts'
import type { Scenario } from '../helpers/scenario.ts'
import { waitFor } from '../helpers/wait.ts'

describe('a removed member', () => {
  let s: Scenario

  afterEach(async () => {
    await s?.close()
  })

  it('cannot decrypt anything sent after its removal, with any epoch secret it holds', async () => {
    s = scenario(201)
    const alice = await s.user('Alice')
    const bob = await s.user('Bob')
    const carol = await s.user('Carol')
    const cid = await group(alice, [bob, carol])
    const before = await alice.messenger.send(cid, 'before the removal')
    await converged([alice, bob, carol], cid, 'everyone has the first message')
    const record = await conversationRecord(carol.storage, cid)
    const { topic, baseKey, convTag } = routingKeys(record.routing)

    // Everything that reaches Carol's peer on the conversation topic from now on.
    const reaching: Uint8Array[] = []
    carol.network.on('message', (m) => {
      if (m.topic !== topic) return
      const message = decodeTopicMessage(m.data)
      if (message.type === 'envelope') reaching.push(message.envelope)
    })
    const removed = events(carol, 'removed')
    await alice.messenger.remove(cid, carol.messenger.userId)
    await waitFor(() => removed.length === 1, 'Carol is told she was removed')
    await waitFor(() => bob.messenger.members(cid).length === 2, 'Bob sees two members')

    const secret = await alice.messenger.send(cid, 'secret from Alice')
    await bob.messenger.send(cid, 'secret from Bob')
    await bob.messenger.react(cid, before, '🤫')
    await alice.messenger.edit(cid, secret, 'secret from Alice, edited')
    await converged([alice, bob], cid, 'Alice and Bob converge')
    await s.hub.settle()

    // The traffic did reach Carol: two messages, a reaction and an edit under an epoch…
    const epochEnvelopes = reaching.filter((e) => !isBaseEpoch(splitEnvelope(e).header.epochId))
    expect(epochEnvelopes.length).toBeGreaterThanOrEqual(4)
    // …and no epoch secret Carol ever held opens any of them.
    const self = await loadOrCreateIdentity(carol.storage, undefined)
    const held = await epochsOf(carol.storage, cid)
    expect(held.length).toBeGreaterThan(0)
    for (const envelope of epochEnvelopes) {
      const { header, headerBytes, ciphertext } = splitEnvelope(envelope)
      expect(held.map((e) => e.epochId)).not.toContain(toHex(header.epochId))
      for (const epoch of held) {
        const chain = receiverChain(epoch.secret, header.senderTag)
        expect(() => chain.decrypt(header.chainIndex, ciphertext, headerBytes)).toThrow(
          DecryptError,
        )
      }
    }
    // The new epoch's key envelope travels under the base key she still has, but is sealed
    // to Alice's and Bob's devices only, and her prekey opens none of its seals.
    const keyPayloads = reaching
      .filter((e) => isBaseEpoch(splitEnvelope(e).header.epochId))
      .map((e) => openWithKey(record.routing, e, baseKey).body)
      .filter((body) => body.kind === 'key')
      .map((body) => decodeKeyPayload(body.payload))
    expect(keyPayloads.length).toBeGreaterThanOrEqual(1)
    for (const payload of keyPayloads) {
      expect(payload.seals.map((x) => toHex(x.device))).not.toContain(carol.messenger.deviceId)
      const aad = new Uint8Array([...convTag, ...payload.epochId])
      for (const seal of payload.seals) {
        expect(() => openSealed(self.prekey.privateKey, seal.sealed, aad)).toThrow(DecryptError)
      }
    }

    // Her history never shows them, even after she asks the members for everything.
    await carol.messenger.syncNow()
    await s.hub.settle()
    const hers = await texts(carol, cid)
    expect(hers).toEqual(['before the removal'])
    const hidden = await carol.messenger.history(cid)
    expect(hidden.flatMap((m) => Object.keys(m.reactions))).not.toContain('🤫')
    await expect(carol.messenger.send(cid, 'let me in')).rejects.toMatchObject({
      name: 'NotMemberError',
    })
  })

  it('cannot come back by replaying the invite it was admitted with', async () => {
    s = scenario(202)
    const alice = await s.user('Alice')
    const bob = await s.user('Bob')
    const carol = await s.user('Carol')
    const cid = await alice.messenger.createConversation({ name: 'Invite once' })
    const link = alice.messenger.invite(cid)
    await bob.messenger.join(link, { timeoutMs: 10_000 })
    await carol.messenger.join(link, { timeoutMs: 10_000 })
    await waitFor(() => alice.messenger.members(cid).length === 3, 'three members')
    await new Promise((r) => setTimeout(r, ADMISSION_DELAY_MS))
    const removed = events(carol, 'removed')
    await alice.messenger.remove(cid, carol.messenger.userId)
    await waitFor(() => removed.length === 1, 'Carol is told she was removed')
    await waitFor(() => bob.messenger.members(cid).length === 2, 'Bob sees two members')

    // The link is still within its week; nobody invited Carol again.
    await carol.messenger.join(link, { timeoutMs: 1_500 }).catch(() => undefined)
    await s.hub.settle()
    await alice.messenger.send(cid, 'after Carol was removed')
    await waitFor(
      async () => (await texts(bob, cid)).includes('after Carol was removed'),
      'Bob reads on',
    )
    await s.hub.settle()
    await carol.messenger.syncNow()
    for (const u of [alice, bob]) {
      expect(
        u.messenger
          .members(cid)
          .map((m) => m.name)
          .sort(),
      ).toEqual(['Alice', 'Bob'])
    }
    expect(await texts(carol, cid)).not.toContain('after Carol was removed')
  })
})
