/**
 * Malformed, truncated and oversized input, wherever bytes arrive from the
 * network: the conversation topic, door topics and sync streams. Each is
 * refused with a typed error, nothing crashes, the member keeps working (a
 * later legitimate message still arrives) and nothing it had is lost.
 */

import { encrypt, randomBytes } from '@murmur/crypto'
import type { NetworkAdapter } from '@murmur/core'
import {
  encodeTopicMessage,
  MAX_PUBSUB_MESSAGE,
  MAX_STREAM_FRAME,
  MAX_TEXT_BYTES,
  MAX_VECTOR_ENTRIES,
  PADDING_BUCKETS,
  parseInviteLink,
  Writer,
} from '@murmur/protocol'
import type { DoorMessage, SyncFrame, Topic } from '@murmur/protocol'
import { createMemoryStorage } from '@murmur/store-level'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { doorKeys, routingKeys } from '../../packages/core/src/derive.ts'
import type { RoutingKeys } from '../../packages/core/src/derive.ts'
import { makeJoinRequest, sealDoorMessage } from '../../packages/core/src/door.ts'
import { loadOrCreateIdentity, memberRecord } from '../../packages/core/src/identity.ts'
import { keys } from '../../packages/core/src/records.ts'
import {
  conversationRecord,
  converged,
  entries,
  envelopes,
  fromHex,
  group,
  scenario,
  senderTagOf,
  texts,
  view,
} from '../helpers/scenario.ts'
import type { ConversationView, Scenario, User } from '../helpers/scenario.ts'
import { waitFor } from '../helpers/wait.ts'
import { hello, junkEnvelope, noise, syncFeed } from './forge.ts'

type JoinRequest = Extract<DoorMessage, { type: 'join' }>

/** Errors a refusal may carry: every one has a stable name. */
const TYPED = new Set([
  'DecodeError',
  'TooLargeError',
  'DecryptError',
  'VerificationError',
  'StreamResetError',
  'StreamStateError',
  'InvalidArgumentError',
])

interface Setup {
  readonly alice: User
  readonly bob: User
  readonly cid: string
  readonly routing: RoutingKeys
  readonly door: Uint8Array
  readonly attacker: NetworkAdapter
  readonly legit: readonly Uint8Array[]
  readonly before: ConversationView
  readonly missing: number
}

describe('malformed, truncated and oversized input', () => {
  let s: Scenario

  afterEach(async () => {
    await s?.close()
  })

  async function setup(seed: number): Promise<Setup> {
    s = scenario(seed)
    const alice = await s.user('Alice')
    const bob = await s.user('Bob')
    const cid = await group(alice, [bob])
    const hello1 = await bob.messenger.send(cid, 'hello from Bob')
    await converged([alice, bob], cid, 'Alice has the message')
    await alice.messenger.react(cid, hello1, '👋')
    await alice.messenger.send(cid, 'hi Bob')
    await converged([alice, bob], cid, 'both converge')
    const record = await conversationRecord(alice.storage, cid)
    const attacker = await s.peer([alice, bob])
    await s.hub.settle()
    return {
      alice,
      bob,
      cid,
      routing: routingKeys(record.routing),
      door: record.door,
      attacker,
      legit: await envelopes(alice.storage, cid),
      before: await view(alice.messenger, cid),
      missing: missingOf(alice, cid),
    }
  }

  function missingOf(u: User, cid: string): number {
    return u.messenger.status().conversations.find((c) => c.conversationId === cid)?.missing ?? -1
  }

  /** A later legitimate message still arrives, and nothing else changed for Alice. */
  async function expectAliceWorks(t: Setup, canary: string): Promise<void> {
    await t.bob.messenger.send(t.cid, canary)
    await waitFor(async () => (await texts(t.alice, t.cid)).includes(canary), 'the canary arrives')
    const now = await view(t.alice.messenger, t.cid)
    expect({ ...now, history: now.history.filter((m) => m.text !== canary) }).toEqual(t.before)
    for (const failure of s.hub.failures) {
      expect(TYPED, `${failure.message}: ${String(failure.error)}`).toContain(
        (failure.error as Error).name,
      )
    }
  }

  it('on the conversation topic: random bytes, truncated and corrupted envelopes, oversized payloads', async () => {
    const t = await setup(401)
    const { topic } = t.routing
    const aliceTag = fromHex(senderTagOf(t.alice, await conversationRecord(t.alice.storage, t.cid)))
    const junk = fc.oneof(
      fc.uint8Array({ maxLength: 2048 }),
      fc
        .uint8Array({ maxLength: 2048 })
        .map((e) => encodeTopicMessage({ type: 'envelope', envelope: e })),
      fc
        .uint8Array({ minLength: 1, maxLength: 2048 })
        .map((e) => encodeTopicMessage({ type: 'presence', sealed: e })),
      // A stored envelope cut short.
      fc
        .tuple(fc.nat(t.legit.length - 1), fc.double({ min: 0, max: 1, noNaN: true }))
        .map(([i, f]) => {
          const e = t.legit[i] as Uint8Array
          return encodeTopicMessage({
            type: 'envelope',
            envelope: e.slice(0, Math.floor(e.length * f)),
          })
        }),
      // A stored envelope with one byte changed: a new seq in the header, or a flipped body byte.
      fc
        .tuple(fc.nat(t.legit.length - 1), fc.nat(), fc.integer({ min: 1, max: 255 }))
        .map(([i, at, x]) => {
          const e = (t.legit[i] as Uint8Array).slice()
          const pos = at % 2 === 0 ? 48 : 54 + (at % (e.length - 54))
          e[pos] = (e[pos] ?? 0) ^ x
          return encodeTopicMessage({ type: 'envelope', envelope: e })
        }),
      // A well-formed header in Alice's log, far ahead or just ahead, over random bytes.
      fc.integer({ min: 1, max: 2 ** 40 }).map((seq) =>
        encodeTopicMessage({
          type: 'envelope',
          envelope: junkEnvelope(t.routing.convTag, aliceTag, seq),
        }),
      ),
    )
    await fc.assert(
      fc.asyncProperty(junk, async (data) => {
        await t.attacker.publish(topic, data)
        await s.hub.settle()
      }),
      { numRuns: 30, seed: 41 },
    )
    // The largest bucket, random inside: as big as a topic message gets.
    const huge = encodeTopicMessage({
      type: 'envelope',
      envelope: junkEnvelope(t.routing.convTag, aliceTag, 1_000_000, {
        bucket: PADDING_BUCKETS.length - 1,
      }),
    })
    expect(huge.length).toBeLessThanOrEqual(MAX_PUBSUB_MESSAGE)
    await t.attacker.publish(topic, huge)
    // Over the pubsub limit: refused before it leaves.
    await expect(
      t.attacker.publish(topic, new Uint8Array(MAX_PUBSUB_MESSAGE + 1)),
    ).rejects.toMatchObject({
      name: 'TooLargeError',
    })
    // Nor will the API write a message over the text limit.
    await expect(t.alice.messenger.send(t.cid, 'x'.repeat(MAX_TEXT_BYTES + 1))).rejects.toSatisfy(
      (err: Error) => TYPED.has(err.name),
    )
    await s.hub.settle()
    await expectAliceWorks(t, 'still here')
    // Refused envelopes leave no trace: no gap is reported for seqs nobody wrote.
    expect(missingOf(t.alice, t.cid), 'missing after refused envelopes').toBe(t.missing)
  })

  it('on door topics: random bytes, garbage under the door key, forged join requests and welcomes', async () => {
    const t = await setup(402)
    const doorTopic = doorKeys(t.door).topic
    const personal = await t.alice.storage.get(keys.door())
    expect(personal).toBeDefined()
    const personalTopic = doorKeys(personal as Uint8Array).topic
    const link = t.alice.messenger.invite(t.cid)
    const invite = parseInviteLink(link)
    const stranger = await loadOrCreateIdentity(createMemoryStorage(), 'Stranger')
    const request = makeJoinRequest(invite, memberRecord(stranger), Date.now()) as JoinRequest
    const forged = [
      // The proof is not the invite key's signature.
      sealDoorMessage(t.door, { ...request, proof: randomBytes(64) }),
      // The grant does not cover this expiry.
      sealDoorMessage(t.door, { ...request, expiresAt: request.expiresAt + 1 }),
      // A welcome nobody can open.
      sealDoorMessage(t.door, {
        type: 'welcome',
        device: randomBytes(32),
        sealed: randomBytes(200),
      }),
      // Garbage under the right key, and far too much of it.
      encrypt(doorKeys(t.door).key, randomBytes(300), new TextEncoder().encode(doorTopic)),
      encrypt(doorKeys(t.door).key, noise(100_000), new TextEncoder().encode(doorTopic)),
    ]
    const publishJunk = async (topic: Topic): Promise<void> => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (data) => {
          await t.attacker.publish(topic, data)
        }),
        { numRuns: 15, seed: 42 },
      )
    }
    // A new member's join is under way while the junk flies.
    const dan = await s.user('Dan')
    await s.hub.settle()
    const joining = dan.messenger.join(link, { timeoutMs: 10_000 })
    await publishJunk(doorTopic)
    await publishJunk(personalTopic)
    for (const data of forged) await t.attacker.publish(doorTopic, data)
    await s.hub.settle()
    expect(await joining).toBe(t.cid)
    await waitFor(() => t.alice.messenger.members(t.cid).length === 3, 'Dan is a member')
    expect(
      t.alice.messenger
        .members(t.cid)
        .map((m) => m.name)
        .sort(),
    ).toEqual(['Alice', 'Bob', 'Dan'])
    const now = await view(t.alice.messenger, t.cid)
    expect(now.history).toEqual(t.before.history)
    await t.bob.messenger.send(t.cid, 'welcome Dan')
    await waitFor(async () => (await texts(dan, t.cid)).includes('welcome Dan'), 'Dan reads on')
  })

  it('on sync streams: garbage frames, a huge hello, oversized frames, streams cut short', async () => {
    const t = await setup(403)
    const { convTag } = t.routing
    const record = await conversationRecord(t.alice.storage, t.cid)
    const aliceTag = senderTagOf(t.alice, record)
    const to = t.alice.network

    // While Bob is away, Alice writes something only her outbox still holds for republishing.
    s.partition(t.alice, [t.bob])
    await t.alice.messenger.send(t.cid, 'while Bob is away')
    const outboxKeys = async (): Promise<string[]> =>
      (await entries(t.alice.storage, keys.outPrefix(t.cid))).map(([k]) => k.join('/'))
    const outbox = await outboxKeys()
    expect(outbox.length).toBeGreaterThan(0)

    // A hello with as many entries as allowed, claiming more of Alice's log than she ever wrote.
    const vector = new Map<string, number>([[aliceTag, 2 ** 40]])
    while (vector.size < MAX_VECTOR_ENTRIES) {
      vector.set(
        [...randomBytes(16)].map((b) => b.toString(16).padStart(2, '0')).join(''),
        Number.MAX_SAFE_INTEGER,
      )
    }
    const big = await syncFeed(t.attacker, to, [hello(convTag, vector), { type: 'done' }])
    expect(big.error).toBeUndefined()
    expect(big.received.at(-1)?.type).toBe('done')
    await s.hub.settle()
    // Only a member confirming receipt may drop an envelope from the outbox.
    expect.soft(await outboxKeys(), 'outbox after a hostile hello').toEqual(outbox)
    s.hub.connect(t.alice.network, t.bob.network)
    await waitFor(
      async () => (await texts(t.bob, t.cid)).includes('while Bob is away'),
      'Bob catches up',
    )
    const before = await view(t.alice.messenger, t.cid)

    const attempts: { what: string; frames: (SyncFrame | Uint8Array)[]; refused: boolean }[] = [
      { what: 'random bytes', frames: [randomBytes(100)], refused: true },
      { what: 'an empty frame', frames: [new Uint8Array(0)], refused: true },
      {
        what: 'a hello for a conversation Alice does not hold',
        frames: [hello(randomBytes(16)), { type: 'done' }],
        refused: false,
      },
      {
        what: 'a hello with one entry too many',
        frames: [tooManyEntries(convTag)],
        refused: true,
      },
      {
        what: 'garbage envelopes after a good hello',
        frames: [
          hello(convTag),
          {
            type: 'envelopes',
            envelopes: [
              randomBytes(10),
              randomBytes(3000),
              junkEnvelope(convTag, fromHex(aliceTag), 99),
              new Uint8Array(0),
            ],
          },
          { type: 'done' },
        ],
        refused: false,
      },
      {
        what: 'a second hello instead of envelopes',
        frames: [hello(convTag), hello(convTag)],
        refused: true,
      },
      {
        what: 'more envelopes than a frame may hold',
        frames: [hello(convTag), tooManyEnvelopes()],
        refused: true,
      },
      { what: 'a stream that ends before done', frames: [hello(convTag)], refused: true },
    ]
    // A rejection nobody handles ends a Node process: record them to say which attempt caused one.
    const unhandled: string[] = []
    let current = ''
    const onUnhandled = (err: unknown): void => {
      unhandled.push(`${current}: ${String(err)}`)
    }
    process.on('unhandledRejection', onUnhandled)
    for (const attempt of attempts) {
      current = attempt.what
      const failures = s.hub.failures.length
      const result = await syncFeed(t.attacker, to, attempt.frames)
      await s.hub.settle()
      if (attempt.refused) {
        // Alice's side fails with a typed error and resets the stream; the attacker sees the reset.
        const failure = s.hub.failures.at(-1)
        expect(s.hub.failures.length, attempt.what).toBe(failures + 1)
        expect(TYPED, attempt.what).toContain((failure?.error as Error).name)
        if (attempt.what !== 'a stream that ends before done') {
          expect(result.error?.name, attempt.what).toBe('StreamResetError')
        }
      } else {
        expect(result.error, attempt.what).toBeUndefined()
        expect(result.received.at(-1)?.type, attempt.what).toBe('done')
      }
    }
    await new Promise((r) => setTimeout(r, 50))
    process.off('unhandledRejection', onUnhandled)
    expect.soft(unhandled, 'rejections nobody handled').toEqual([])
    // A frame over the stream limit never leaves the sender.
    const oversized = await syncFeed(t.attacker, to, [
      hello(convTag),
      new Uint8Array(MAX_STREAM_FRAME + 1),
    ])
    expect(oversized.error?.name).toBe('TooLargeError')

    await s.hub.settle()
    await t.alice.messenger.syncNow()
    await expectAliceWorks({ ...t, before }, 'after the sync garbage')
    expect(missingOf(t.alice, t.cid), 'missing after refused envelopes').toBe(t.missing)
  })
})

function tooManyEntries(convTag: Uint8Array): Uint8Array {
  const w = new Writer()
    .byte(1)
    .raw(convTag)
    .varint(MAX_VECTOR_ENTRIES + 1)
  for (let i = 0; i <= MAX_VECTOR_ENTRIES; i++) {
    const tag = new Uint8Array(16)
    new DataView(tag.buffer).setUint32(12, i)
    w.raw(tag).varint(1)
  }
  return w.finish()
}

function tooManyEnvelopes(): Uint8Array {
  const w = new Writer().byte(2).varint(5000)
  for (let i = 0; i < 5000; i++) w.varint(1).byte(0)
  return w.finish()
}
