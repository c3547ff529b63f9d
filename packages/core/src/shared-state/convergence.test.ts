import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createSharedState } from './index.ts'
import type { MetaField, SharedState, StateAuthor } from './index.ts'
import { adminsAre, deliver, person } from './fixtures.ts'
import type { Sent } from './fixtures.ts'

const alice = person('alice', 2)
const bob = person('bob', 2)
const carol = person('carol')
const people = [alice, bob, carol]
const devices: StateAuthor[] = [
  alice.device(0),
  alice.device(1),
  bob.device(0),
  bob.device(1),
  carol.device(),
]
const messages = { m1: 'alice', m2: 'bob', m3: 'carol' } as const
const messageIds = Object.keys(messages) as Array<keyof typeof messages>
const isAdmin = adminsAre('alice', 'carol')

type Op =
  | { type: 'react'; emoji: string; on: boolean }
  | { type: 'edit'; text: string }
  | { type: 'delete' }
  | { type: 'meta'; field: MetaField; value: string }
  | { type: 'pin'; on: boolean }
  | { type: 'read'; ts: number }

/** One device writing on its own replica, or one replica catching up with everything sent. */
type Step =
  | { kind: 'write'; device: number; messageId: keyof typeof messages; op: Op }
  | { kind: 'sync'; device: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant('react'), emoji: fc.constantFrom('👍', '🎉'), on: fc.boolean() }),
  fc.record({ type: fc.constant('edit'), text: fc.constantFrom('a', 'b', 'c') }),
  fc.record({ type: fc.constant('delete') }),
  fc.record({
    type: fc.constant('meta'),
    field: fc.constantFrom<MetaField>('name', 'topic'),
    value: fc.constantFrom('x', 'y'),
  }),
  fc.record({ type: fc.constant('pin'), on: fc.boolean() }),
  fc.record({ type: fc.constant('read'), ts: fc.integer({ min: 0, max: 5 }) }),
) as fc.Arbitrary<Op>

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('write'),
      device: fc.nat(devices.length - 1),
      messageId: fc.constantFrom(...messageIds),
      op,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('sync'), device: fc.nat(devices.length - 1) }),
  },
) as fc.Arbitrary<Step>

function write(s: SharedState, author: StateAuthor, messageId: string, o: Op): Uint8Array {
  switch (o.type) {
    case 'react':
      return s.react(author, messageId, o.emoji, o.on)
    case 'edit':
      return s.edit(author, messageId, o.text)
    case 'delete':
      return s.deleteMessage(author, messageId)
    case 'meta':
      return s.setMeta(author, o.field, o.value)
    case 'pin':
      return s.pin(author, messageId, o.on)
    case 'read':
      return s.markRead(author, messageId, o.ts)
  }
}

/** Runs the steps on one replica per device, with clocks that collide often. */
function run(steps: readonly Step[]): Sent[] {
  let tick = 0
  const replicas = devices.map(() => createSharedState({ now: () => Math.floor(tick++ / 3) }))
  const seen = devices.map(() => 0)
  const sent: Sent[] = []
  for (const s of steps) {
    const replica = replicas[s.device] as SharedState
    if (s.kind === 'sync') {
      deliver(replica, sent.slice(seen[s.device]), people)
      seen[s.device] = sent.length
    } else {
      const author = devices[s.device] as StateAuthor
      sent.push({ update: write(replica, author, s.messageId, s.op), author })
    }
  }
  return sent
}

function view(s: SharedState): unknown {
  return {
    reactions: messageIds.map((m) => [...s.reactionsOf(m)]),
    edits: messageIds.map((m) => s.editOf(m, messages[m])),
    deletions: messageIds.map((m) => s.deletionOf(m, messages[m], isAdmin)),
    name: s.metaOf('name', isAdmin),
    topic: s.metaOf('topic', isAdmin),
    pins: s.pinned(isAdmin),
    read: [...s.readMarkers()],
  }
}

describe('convergence', () => {
  it('the same updates in any order, with duplicates, give the same view', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (steps, order, duplicates) => {
          const sent = run(steps)
          const inOrder = createSharedState()
          deliver(inOrder, sent, people)

          // Shuffle by random sort keys, then replay some updates a second time.
          const keyed = sent.map((x, i) => ({ x, key: order[i] ?? i }))
          const shuffled = keyed.sort((a, b) => a.key - b.key).map((k) => k.x)
          const again =
            sent.length === 0 ? [] : duplicates.map((d) => sent[d % sent.length] as Sent)
          const scrambled = createSharedState()
          deliver(scrambled, [...again, ...shuffled, ...again], people)

          const reloaded = createSharedState()
          for (const { user, update } of scrambled.snapshot()) reloaded.load(user, update)

          expect(view(scrambled)).toEqual(view(inOrder))
          expect(view(reloaded)).toEqual(view(inOrder))
        },
      ),
      { numRuns: 200 },
    )
  })
})
