import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as Y from 'yjs'
import { createSharedState, yjsClientId } from './index.ts'
import type { SharedState } from './index.ts'
import { adminsAre, person } from './fixtures.ts'

const alice = person('alice', 2)
const mallory = person('mallory', 2)
const everyone = adminsAre('alice', 'mallory')

function errorName(f: () => void): string | undefined {
  try {
    f()
    return undefined
  } catch (err) {
    return err instanceof Error ? err.name : String(err)
  }
}

/** Everything a reader can see about messages m1 and m2. */
function view(s: SharedState): unknown {
  return {
    reactions: ['m1', 'm2'].map((m) => [...s.reactionsOf(m)]),
    edits: ['alice', 'mallory'].map((u) => s.editOf('m1', u)),
    deletion: s.deletionOf('m1', 'alice', everyone),
    name: s.metaOf('name', everyone),
    pins: s.pinned(everyone),
    read: [...s.readMarkers()],
  }
}

/** A hand-driven Yjs document for one user, writing as `device`. */
function rawDoc(device: Uint8Array): Y.Doc {
  const doc = new Y.Doc()
  doc.clientID = yjsClientId(device)
  return doc
}

function lastUpdate(doc: Y.Doc, write: () => void): Uint8Array {
  let update: Uint8Array = new Uint8Array()
  const capture = (u: Uint8Array): void => {
    update = u
  }
  doc.on('update', capture)
  doc.transact(write)
  doc.off('update', capture)
  return update
}

describe('checking state updates against their author', () => {
  it("an update inserting as another device's client is refused and nothing is applied", () => {
    const s = createSharedState()
    s.react(alice.device(), 'm1', '👍', true)
    const before = view(s)
    // Mallory signs an update whose items claim to come from Alice's device.
    const doc = rawDoc(alice.devices[0]!)
    const update = lastUpdate(doc, () => doc.getMap('reactions').set('m2\u0000💩', true))
    expect(errorName(() => s.apply(update, mallory.device(), mallory.devices))).toBe(
      'ForeignStateError',
    )
    expect(view(s)).toEqual(before)
    expect(s.stateVector('mallory')).toBeUndefined()
  })

  it("an update inserting as the author user's other device is refused too", () => {
    const s = createSharedState()
    const doc = rawDoc(alice.devices[1]!)
    const update = lastUpdate(doc, () => doc.getMap('edits').set('m1', { text: 'x', ts: 1 }))
    expect(errorName(() => s.apply(update, alice.device(0), alice.devices))).toBe(
      'ForeignStateError',
    )
    s.apply(update, alice.device(1), alice.devices)
    expect(s.editOf('m1', 'alice')?.text).toBe('x')
  })

  it("an update deleting another user's entries is refused", () => {
    const s = createSharedState()
    const aliceWrite = s.react(alice.device(), 'm1', '👍', true)
    // Mallory replays Alice's item into a document of his own and deletes it there.
    const doc = rawDoc(mallory.devices[0]!)
    Y.applyUpdate(doc, aliceWrite)
    const update = lastUpdate(doc, () => {
      doc.getMap('reactions').delete('m1\u0000👍')
      doc.getMap('reactions').set('m1\u0000👎', true)
    })
    const decoded = Y.decodeUpdate(update)
    expect([...decoded.ds.clients.keys()]).toEqual([yjsClientId(alice.devices[0]!)])
    const before = view(s)
    expect(errorName(() => s.apply(update, mallory.device(), mallory.devices))).toBe(
      'ForeignStateError',
    )
    expect(view(s)).toEqual(before)
  })

  it('bytes that are not a Yjs update are a DecodeError', () => {
    const s = createSharedState()
    for (const bytes of [[], [0xff, 0xff, 0xff], [1, 1, 5], [0, 1, 200, 200, 200]]) {
      expect(errorName(() => s.apply(new Uint8Array(bytes), alice.device(), alice.devices))).toBe(
        'DecodeError',
      )
    }
  })

  it('random and mutated bytes are refused with a typed error or applied harmlessly', () => {
    const seed = createSharedState()
    const valid = [
      seed.react(alice.device(), 'm1', '👍', true),
      seed.edit(alice.device(), 'm1', 'hello'),
      seed.setMeta(alice.device(), 'name', 'n'),
      seed.react(alice.device(), 'm1', '👍', false),
      seed.markRead(alice.device(), 'm1', 3),
    ]
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc
        .tuple(
          fc.constantFrom(...valid),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        )
        .map(([update, flips]) => {
          const copy = update.slice()
          for (const [at, value] of flips) copy[at % copy.length] = value
          return copy
        }),
    )
    fc.assert(
      fc.property(bytes, (update) => {
        const s = createSharedState()
        const name = errorName(() => s.apply(update, alice.device(), alice.devices))
        expect([undefined, 'DecodeError', 'ForeignStateError']).toContain(name)
        expect(() => view(s)).not.toThrow()
        expect(() => s.snapshot()).not.toThrow()
      }),
      { numRuns: 500 },
    )
  })
})
