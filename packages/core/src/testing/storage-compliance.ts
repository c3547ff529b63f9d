/**
 * The StorageAdapter compliance suite: every implementation runs these tests
 * so core can rely on one behaviour whatever it was given.
 *
 * The order it pins down: keys compare component by component, a key before
 * its extensions (['a'] < ['a', 'b'] < ['ab']); components compare by Unicode
 * code point (as their UTF-8 bytes would; a lone surrogate counts as its own
 * code point). That is not JS `<`, which puts '\uffff' after '😀'.
 */

import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { BatchOp, Key, RangeOptions, StorageAdapter } from '../storage.ts'

export interface StorageHarness {
  readonly storage: StorageAdapter
  /** Opens the same data again; only called after `storage` has been closed. */
  readonly reopen?: () => Promise<StorageAdapter>
  /** Closes whatever is still open and deletes the data. */
  readonly cleanup: () => Promise<void>
}

/** Components chosen to break naive encodings: separators, escapes, order edges. */
export const TRICKY_COMPONENTS: readonly string[] = [
  '',
  '\u0000',
  '\u0000\u0000',
  '\u0001',
  'a',
  'a\u0000',
  'a\u0000b',
  'a\u0001',
  'ab',
  'b',
  '\u007f',
  'é',
  '\u0800',
  '\ud7ff',
  '\ue000',
  '\uffff',
  '😀',
  '\ud800',
  '\udc00',
  '\udbff\udfff',
]

/** The reference order, written independently of any byte encoding. */
export function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareComponents(a[i] as string, b[i] as string)
    if (c !== 0) return c
  }
  return a.length - b.length
}

function compareComponents(a: string, b: string): number {
  const x = Array.from(a, (ch) => ch.codePointAt(0) as number)
  const y = Array.from(b, (ch) => ch.codePointAt(0) as number)
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] as number) - (y[i] as number)
    if (d !== 0) return d
  }
  return x.length - y.length
}

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

async function collect(
  iterable: AsyncIterable<readonly [Key, Uint8Array]>,
): Promise<Array<[Key, Uint8Array]>> {
  const out: Array<[Key, Uint8Array]> = []
  for await (const [key, value] of iterable) out.push([key, value])
  return out
}

async function keysOf(
  storage: StorageAdapter,
  prefix: Key,
  options?: RangeOptions,
): Promise<Key[]> {
  return (await collect(storage.range(prefix, options))).map(([key]) => key)
}

async function rejectsWith(action: () => Promise<unknown>, name: string): Promise<Error> {
  let caught: unknown
  try {
    await action()
  } catch (err) {
    caught = err
  }
  expect(caught, `expected a ${name}`).toBeInstanceOf(Error)
  expect((caught as Error).name).toBe(name)
  return caught as Error
}

/** What a range over `entries` must yield, computed from the reference order. */
function expectedRange(entries: Iterable<Key>, prefix: Key, options: RangeOptions = {}): Key[] {
  const startsWith = (key: Key): boolean => prefix.every((c, i) => key[i] === c)
  let keys = [...entries]
    .filter(startsWith)
    .filter((k) => options.after === undefined || compareKeys(k, options.after) > 0)
    .filter((k) => options.before === undefined || compareKeys(k, options.before) < 0)
    .sort(compareKeys)
  if (options.reverse === true) keys.reverse()
  if (options.limit !== undefined) keys = keys.slice(0, options.limit)
  return keys
}

export interface ComplianceOptions {
  /** Whether the adapter keeps data across close and reopen; the harness must then provide `reopen`. */
  readonly persistent: boolean
}

export function storageAdapterCompliance(
  name: string,
  open: () => Promise<StorageHarness>,
  options: ComplianceOptions,
): void {
  describe(`${name} (StorageAdapter compliance)`, () => {
    let harness: StorageHarness
    let storage: StorageAdapter

    beforeEach(async () => {
      harness = await open()
      storage = harness.storage
    })

    afterEach(async () => {
      await harness.cleanup()
    })

    describe('single keys', () => {
      it('reads back the value put under a key', async () => {
        await storage.put(['v1', 'k'], bytes(1, 2, 3))
        expect(await storage.get(['v1', 'k'])).toEqual(bytes(1, 2, 3))
      })

      it('reads a key that was never written as undefined', async () => {
        expect(await storage.get(['v1', 'missing'])).toBeUndefined()
      })

      it('replaces the value when a key is put again', async () => {
        await storage.put(['v1', 'k'], bytes(1))
        await storage.put(['v1', 'k'], bytes(2, 2))
        expect(await storage.get(['v1', 'k'])).toEqual(bytes(2, 2))
      })

      it('forgets a deleted key, and deleting a missing key is not an error', async () => {
        await storage.put(['v1', 'k'], bytes(1))
        await storage.del(['v1', 'k'])
        await storage.del(['v1', 'never-written'])
        expect(await storage.get(['v1', 'k'])).toBeUndefined()
        expect(await keysOf(storage, ['v1'])).toEqual([])
      })

      it('stores an empty value as empty, not as missing', async () => {
        await storage.put(['v1', 'empty'], new Uint8Array(0))
        expect(await storage.get(['v1', 'empty'])).toEqual(new Uint8Array(0))
      })

      it('keeps keys apart that differ only in where components split or in escaped characters', async () => {
        const keys: Key[] = [
          ['a'],
          ['a', ''],
          ['a', '', ''],
          ['', 'a'],
          ['ab'],
          ['a', 'b'],
          ['a\u0000b'],
          ['a\u0000', 'b'],
          ['a', '\u0000b'],
          ['a\u0000\u0000'],
          ['a', '\u0000', ''],
          ['\ud83d', '\ude00'],
          ['😀'],
          ...TRICKY_COMPONENTS.map((c) => ['v1', c]),
        ]
        for (const [i, key] of keys.entries()) await storage.put(key, bytes(i))
        for (const [i, key] of keys.entries())
          expect(await storage.get(key), JSON.stringify(key)).toEqual(bytes(i))
        const all = await collect(storage.range([]))
        expect(all).toHaveLength(keys.length)
        for (const [key, value] of all) expect(keys[value[0] as number]).toEqual(key)
      })

      it('round-trips a 1 MiB value through put, get and range', async () => {
        const big = new Uint8Array(1024 * 1024)
        for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff
        // A plain loop: deep equality over a million elements takes seconds.
        const sameAsBig = (value: Uint8Array | undefined): boolean =>
          value instanceof Uint8Array &&
          value.length === big.length &&
          value.every((b, i) => b === big[i])
        await storage.put(['v1', 'big'], big)
        expect(sameAsBig(await storage.get(['v1', 'big']))).toBe(true)
        const ranged = await collect(storage.range(['v1']))
        expect(ranged).toHaveLength(1)
        expect(sameAsBig(ranged[0]?.[1])).toBe(true)
      })

      it('rejects an empty key, a non-string component or a non-byte value with InvalidArgumentError', async () => {
        await rejectsWith(() => storage.get([]), 'InvalidArgumentError')
        await rejectsWith(() => storage.put([], bytes(1)), 'InvalidArgumentError')
        await rejectsWith(() => storage.del([]), 'InvalidArgumentError')
        await rejectsWith(
          () => storage.put(['v1', 7 as unknown as string], bytes(1)),
          'InvalidArgumentError',
        )
        await rejectsWith(
          () => storage.put(['v1', 'k'], 'text' as unknown as Uint8Array),
          'InvalidArgumentError',
        )
        await rejectsWith(
          () => storage.put(['v1', 'k'], [1, 2] as unknown as Uint8Array),
          'InvalidArgumentError',
        )
        expect(await keysOf(storage, [])).toEqual([])
      })
    })

    describe('copying', () => {
      it('is not changed by mutating a value after put, even before put resolves', async () => {
        const value = bytes(1, 2, 3)
        const pending = storage.put(['v1', 'k'], value)
        value.fill(9)
        await pending
        value.fill(8)
        expect(await storage.get(['v1', 'k'])).toEqual(bytes(1, 2, 3))
      })

      it('is not changed by mutating values in a batch after it was submitted', async () => {
        const value = bytes(1, 2, 3)
        const pending = storage.batch([{ type: 'put', key: ['v1', 'k'], value }])
        value.fill(9)
        await pending
        expect(await storage.get(['v1', 'k'])).toEqual(bytes(1, 2, 3))
      })

      it('is not changed by mutating a value or key returned by get or range', async () => {
        await storage.put(['v1', 'k'], bytes(1, 2, 3))
        const got = await storage.get(['v1', 'k'])
        got?.fill(0)
        for await (const [key, value] of storage.range(['v1'])) {
          value.fill(0)
          ;(key as string[])[1] = 'changed'
        }
        expect(await storage.get(['v1', 'k'])).toEqual(bytes(1, 2, 3))
        expect(await collect(storage.range(['v1']))).toEqual([[['v1', 'k'], bytes(1, 2, 3)]])
      })

      it('is not changed by mutating the key array after put', async () => {
        const key = ['v1', 'k']
        await storage.put(key, bytes(1))
        key[1] = 'other'
        expect(await keysOf(storage, ['v1'])).toEqual([['v1', 'k']])
      })
    })

    describe('batches', () => {
      it('applies puts and deletes together', async () => {
        await storage.put(['v1', 'old'], bytes(0))
        await storage.batch([
          { type: 'put', key: ['v1', 'a'], value: bytes(1) },
          { type: 'del', key: ['v1', 'old'] },
          { type: 'put', key: ['v1', 'b'], value: bytes(2) },
        ])
        expect(await collect(storage.range(['v1']))).toEqual([
          [['v1', 'a'], bytes(1)],
          [['v1', 'b'], bytes(2)],
        ])
      })

      it('lets a later op on the same key win over an earlier one', async () => {
        await storage.batch([
          { type: 'put', key: ['v1', 'x'], value: bytes(1) },
          { type: 'del', key: ['v1', 'x'] },
          { type: 'del', key: ['v1', 'y'] },
          { type: 'put', key: ['v1', 'y'], value: bytes(2) },
          { type: 'put', key: ['v1', 'y'], value: bytes(3) },
        ])
        expect(await storage.get(['v1', 'x'])).toBeUndefined()
        expect(await storage.get(['v1', 'y'])).toEqual(bytes(3))
      })

      it('treats an empty batch as a no-op', async () => {
        await storage.batch([])
        expect(await keysOf(storage, [])).toEqual([])
      })

      it('applies nothing from a batch that holds an invalid op, and rejects with InvalidArgumentError', async () => {
        await storage.put(['v1', 'kept'], bytes(1))
        const invalid: BatchOp[] = [
          { type: 'put', key: [], value: bytes(2) },
          { type: 'del', key: [] },
          { type: 'put', key: ['v1', 'x'], value: 'text' as unknown as Uint8Array },
          { type: 'put', key: ['v1', null as unknown as string], value: bytes(2) },
          { type: 'nope', key: ['v1', 'x'] } as unknown as BatchOp,
        ]
        for (const bad of invalid) {
          const err = await rejectsWith(
            () =>
              storage.batch([
                { type: 'put', key: ['v1', 'a'], value: bytes(2) },
                { type: 'del', key: ['v1', 'kept'] },
                bad,
                { type: 'put', key: ['v1', 'z'], value: bytes(3) },
              ]),
            'InvalidArgumentError',
          )
          expect(err.message.length).toBeGreaterThan(0)
        }
        expect(await collect(storage.range([]))).toEqual([[['v1', 'kept'], bytes(1)]])
      })
    })

    describe('ranges', () => {
      it('yields keys component by component, a key before its extensions', async () => {
        const keys: Key[] = [
          ['ab'],
          ['a', 'b'],
          ['a'],
          ['a', 'b', 'c'],
          ['a', ''],
          ['a\u0000'],
          ['b'],
          ['a', 'a'],
        ]
        for (const key of keys) await storage.put(key, bytes(1))
        expect(await keysOf(storage, [])).toEqual([
          ['a'],
          ['a', ''],
          ['a', 'a'],
          ['a', 'b'],
          ['a', 'b', 'c'],
          ['a\u0000'],
          ['ab'],
          ['b'],
        ])
      })

      it('orders components by Unicode code point, whatever characters they hold', async () => {
        for (const c of TRICKY_COMPONENTS) await storage.put(['v1', c], bytes(1))
        const expected = [...TRICKY_COMPONENTS].sort(compareComponents).map((c) => ['v1', c])
        expect(await keysOf(storage, ['v1'])).toEqual(expected)
        expect(expected.findIndex(([, c]) => c === '\uffff')).toBeLessThan(
          expected.findIndex(([, c]) => c === '😀'),
        )
        expect(await keysOf(storage, ['v1'], { reverse: true })).toEqual([...expected].reverse())
      })

      it('never leaks keys of a longer sibling component into a prefix range', async () => {
        const inside: Key[] = [
          ['v1', 'conv', 'x'],
          ['v1', 'conv', 'x', ''],
          ['v1', 'conv', 'x', '\u0000'],
          ['v1', 'conv', 'x', 'm1'],
        ]
        const outside: Key[] = [
          ['v1', 'conv', 'xy'],
          ['v1', 'conv', 'x\u0000'],
          ['v1', 'conv', 'x\u0000', 'm1'],
          ['v1', 'conv', 'x\uffff'],
          ['v1', 'conv', 'x😀'],
          ['v1', 'conv', 'w'],
          ['v1', 'conv'],
          ['v1', 'convx', 'x'],
          ['v1', 'conv\u0000', 'x'],
        ]
        for (const key of [...outside, ...inside]) await storage.put(key, bytes(1))
        expect(await keysOf(storage, ['v1', 'conv', 'x'])).toEqual(inside)
        expect(await keysOf(storage, ['v1', 'conv', 'x'], { reverse: true })).toEqual(
          [...inside].reverse(),
        )
      })

      it('isolates prefixes made of tricky components from each other', async () => {
        const all: Key[] = []
        for (const a of TRICKY_COMPONENTS)
          for (const b of ['', '\u0000', 'z']) all.push(['p', a, b])
        for (const key of all) await storage.put(key, bytes(1))
        for (const a of TRICKY_COMPONENTS) {
          expect(await keysOf(storage, ['p', a]), JSON.stringify(a)).toEqual(
            expectedRange(all, ['p', a]),
          )
        }
      })

      it('includes the key equal to the prefix itself', async () => {
        await storage.put(['v1', 'conv'], bytes(1))
        await storage.put(['v1', 'conv', 'a'], bytes(2))
        expect(await keysOf(storage, ['v1', 'conv'])).toEqual([
          ['v1', 'conv'],
          ['v1', 'conv', 'a'],
        ])
      })

      it('ranges over every key when the prefix is empty', async () => {
        await storage.put(['v2', 'b'], bytes(1))
        await storage.put(['v1', 'a'], bytes(2))
        await storage.put([''], bytes(3))
        expect(await keysOf(storage, [])).toEqual([[''], ['v1', 'a'], ['v2', 'b']])
      })

      it('yields nothing for a prefix no key starts with', async () => {
        await storage.put(['v1', 'a'], bytes(1))
        expect(await keysOf(storage, ['v1', 'b'])).toEqual([])
        expect(await keysOf(storage, ['v0'])).toEqual([])
      })

      it('treats after and before as exclusive bounds that need not exist as keys', async () => {
        for (const id of ['1', '2', '3', '4', '5'])
          await storage.put(['v1', 'c', id], bytes(Number(id)))
        const c = (id: string): Key => ['v1', 'c', id]
        expect(await keysOf(storage, ['v1', 'c'], { after: c('2') })).toEqual([
          c('3'),
          c('4'),
          c('5'),
        ])
        expect(await keysOf(storage, ['v1', 'c'], { before: c('3') })).toEqual([c('1'), c('2')])
        expect(await keysOf(storage, ['v1', 'c'], { after: c('1'), before: c('4') })).toEqual([
          c('2'),
          c('3'),
        ])
        expect(await keysOf(storage, ['v1', 'c'], { after: c('2x'), before: c('45') })).toEqual([
          c('3'),
          c('4'),
        ])
        expect(await keysOf(storage, ['v1', 'c'], { after: c('3'), before: c('3') })).toEqual([])
        expect(await keysOf(storage, ['v1', 'c'], { after: c('4'), before: c('2') })).toEqual([])
      })

      it('accepts the prefix itself as after, skipping only the prefix key', async () => {
        await storage.put(['v1', 'c'], bytes(0))
        await storage.put(['v1', 'c', '1'], bytes(1))
        expect(await keysOf(storage, ['v1', 'c'], { after: ['v1', 'c'] })).toEqual([
          ['v1', 'c', '1'],
        ])
        expect(await keysOf(storage, ['v1', 'c'], { before: ['v1', 'c', ''] })).toEqual([
          ['v1', 'c'],
        ])
      })

      it('keeps after and before from reaching past the prefix', async () => {
        for (const key of [
          ['v1', 'b'],
          ['v1', 'c', '1'],
          ['v1', 'c', '2'],
          ['v1', 'c\u0000'],
          ['v1', 'd'],
        ]) {
          await storage.put(key, bytes(1))
        }
        expect(await keysOf(storage, ['v1', 'c'], { after: ['v1', 'c'], reverse: true })).toEqual([
          ['v1', 'c', '2'],
          ['v1', 'c', '1'],
        ])
        expect(await keysOf(storage, ['v1', 'c'], { before: ['v1', 'c', '3'] })).toEqual([
          ['v1', 'c', '1'],
          ['v1', 'c', '2'],
        ])
      })

      it('combines after, before, reverse and limit: the limit counts from the first key yielded', async () => {
        const all: Key[] = []
        for (let i = 0; i < 12; i++) all.push(['v1', 'm', String(i).padStart(2, '0')])
        all.push(['v1', 'm'], ['v1', 'm0'], ['v1', 'l'])
        for (const key of all) await storage.put(key, bytes(1))
        const m = (i: number): Key => ['v1', 'm', String(i).padStart(2, '0')]
        for (const after of [undefined, m(2), ['v1', 'm']])
          for (const before of [undefined, m(9), ['v1', 'm', '05x']])
            for (const reverse of [false, true])
              for (const limit of [undefined, 0, 1, 3, 100]) {
                const options: RangeOptions = { after, before, reverse, limit }
                expect(
                  await keysOf(storage, ['v1', 'm'], options),
                  JSON.stringify(options),
                ).toEqual(expectedRange(all, ['v1', 'm'], options))
              }
      })

      it('pages through a prefix with after and limit, forwards and backwards', async () => {
        const all: Key[] = []
        for (let i = 0; i < 25; i++) all.push(['v1', 'msg', String(i).padStart(3, '0')])
        for (const key of all) await storage.put(key, bytes(1))
        for (const reverse of [false, true]) {
          const seen: Key[] = []
          let cursor: Key | undefined
          while (true) {
            const page = await keysOf(
              storage,
              ['v1', 'msg'],
              reverse ? { before: cursor, reverse, limit: 10 } : { after: cursor, limit: 10 },
            )
            if (page.length === 0) break
            seen.push(...page)
            cursor = page[page.length - 1]
          }
          expect(seen).toEqual(reverse ? [...all].reverse() : all)
        }
      })

      it('rejects after or before outside the prefix, and a bad limit, with InvalidArgumentError', async () => {
        const bad: RangeOptions[] = [
          { after: ['v1', 'd'] },
          { before: ['v1'] },
          { after: [] },
          { before: ['v1', 'cc'] },
          { limit: -1 },
          { limit: 1.5 },
          { limit: Number.NaN },
        ]
        for (const options of bad) {
          await rejectsWith(
            () => collect(storage.range(['v1', 'c'], options)),
            'InvalidArgumentError',
          )
        }
        await rejectsWith(
          () => collect(storage.range(['v1', 3 as unknown as string])),
          'InvalidArgumentError',
        )
      })
    })

    describe('lifecycle', () => {
      it('rejects every operation after close with NotStartedError', async () => {
        await storage.put(['v1', 'k'], bytes(1))
        await storage.close()
        await rejectsWith(() => storage.get(['v1', 'k']), 'NotStartedError')
        await rejectsWith(() => storage.put(['v1', 'k'], bytes(2)), 'NotStartedError')
        await rejectsWith(() => storage.del(['v1', 'k']), 'NotStartedError')
        await rejectsWith(
          () => storage.batch([{ type: 'del', key: ['v1', 'k'] }]),
          'NotStartedError',
        )
        await rejectsWith(() => storage.batch([]), 'NotStartedError')
        await rejectsWith(() => collect(storage.range(['v1'])), 'NotStartedError')
      })

      it('can be closed twice', async () => {
        await storage.close()
        await storage.close()
      })

      it('stops a range that is being read when the storage closes, with NotStartedError', async () => {
        for (const id of ['1', '2', '3']) await storage.put(['v1', id], bytes(1))
        const iterator = storage.range(['v1'])[Symbol.asyncIterator]()
        const first = await iterator.next()
        expect(first.done).toBe(false)
        await storage.close()
        await rejectsWith(() => iterator.next(), 'NotStartedError')
      })

      // Registered only for persistent adapters, so no run reports a skip.
      if (options.persistent) {
        it('keeps what was written, and nothing that was deleted, across close and reopen', async () => {
          const reopen = harness.reopen
          if (reopen === undefined)
            throw new Error("a persistent adapter's harness must provide reopen()")
          await storage.put(['v1', 'kept'], bytes(1, 2))
          await storage.put(['v1', 'gone'], bytes(3))
          await storage.batch([
            { type: 'del', key: ['v1', 'gone'] },
            { type: 'put', key: ['v1', 'batched', '\u0000😀'], value: bytes(4) },
          ])
          await storage.close()
          const reopened = await reopen()
          expect(await collect(reopened.range([]))).toEqual([
            [['v1', 'batched', '\u0000😀'], bytes(4)],
            [['v1', 'kept'], bytes(1, 2)],
          ])
          await reopened.close()
        })
      }
    })

    describe('against a Map model', () => {
      it('ends every random sequence of puts, deletes and batches equal to the model, with every range agreeing', async () => {
        const component = fc.oneof(
          fc.constantFrom(...TRICKY_COMPONENTS),
          fc.string({
            unit: fc.constantFrom('a', 'b', '\u0000', '\uffff', '\ud800', '\udc00', '😀'),
            maxLength: 3,
          }),
          fc.string({ unit: 'binary', maxLength: 3 }),
        )
        const suffix = fc.array(component, { minLength: 1, maxLength: 3 })
        const value = fc.uint8Array({ maxLength: 6 })
        const write = fc.oneof(
          fc.record({ type: fc.constant('put' as const), key: suffix, value }),
          fc.record({ type: fc.constant('del' as const), key: suffix }),
        )
        const step = fc.oneof(
          { weight: 4, arbitrary: write.map((op) => ({ kind: 'single' as const, op })) },
          {
            weight: 2,
            arbitrary: fc
              .array(write, { maxLength: 5 })
              .map((ops) => ({ kind: 'batch' as const, ops })),
          },
          {
            weight: 1,
            arbitrary: fc
              .tuple(fc.array(write, { maxLength: 4 }), fc.nat())
              .map(([ops, at]) => ({ kind: 'invalid-batch' as const, ops, at })),
          },
          {
            weight: 2,
            arbitrary: fc
              .record({
                prefix: fc.array(component, { maxLength: 2 }),
                after: fc.option(fc.array(component, { maxLength: 2 }), { nil: undefined }),
                before: fc.option(fc.array(component, { maxLength: 2 }), { nil: undefined }),
                reverse: fc.boolean(),
                limit: fc.option(fc.nat(6), { nil: undefined }),
              })
              .map((r) => ({ kind: 'range' as const, ...r })),
          },
        )

        let run = 0
        await fc.assert(
          fc.asyncProperty(fc.array(step, { maxLength: 25 }), async (steps) => {
            const ns = `run${run++}`
            const at = (suffix: Key): Key => [ns, ...suffix]
            const model = new Map<string, { key: Key; value: Uint8Array }>()
            const applyToModel = (
              op: { type: 'put'; key: Key; value: Uint8Array } | { type: 'del'; key: Key },
            ): void => {
              if (op.type === 'put')
                model.set(JSON.stringify(at(op.key)), { key: at(op.key), value: op.value })
              else model.delete(JSON.stringify(at(op.key)))
            }
            const toBatch = (ops: ReadonlyArray<Parameters<typeof applyToModel>[0]>): BatchOp[] =>
              ops.map((op) => ({ ...op, key: at(op.key) }))

            for (const s of steps) {
              if (s.kind === 'single') {
                if (s.op.type === 'put') await storage.put(at(s.op.key), s.op.value)
                else await storage.del(at(s.op.key))
                applyToModel(s.op)
              } else if (s.kind === 'batch') {
                await storage.batch(toBatch(s.ops))
                s.ops.forEach(applyToModel)
              } else if (s.kind === 'invalid-batch') {
                const ops = toBatch(s.ops)
                ops.splice(s.at % (ops.length + 1), 0, { type: 'del', key: [] })
                await rejectsWith(() => storage.batch(ops), 'InvalidArgumentError')
              } else {
                const prefix = at(s.prefix)
                const options: RangeOptions = {
                  after: s.after && [...prefix, ...s.after],
                  before: s.before && [...prefix, ...s.before],
                  reverse: s.reverse,
                  limit: s.limit,
                }
                const got = await collect(storage.range(prefix, options))
                const want = expectedRange(
                  [...model.values()].map((e) => e.key),
                  prefix,
                  options,
                )
                expect(got.map(([k]) => k)).toEqual(want)
                for (const [k, v] of got) expect(v).toEqual(model.get(JSON.stringify(k))?.value)
              }
            }

            const everything = await collect(storage.range([ns]))
            const want = [...model.values()].sort((a, b) => compareKeys(a.key, b.key))
            expect(everything).toEqual(want.map((e) => [e.key, e.value]))
            for (const { key, value } of want) expect(await storage.get(key)).toEqual(value)
          }),
          { numRuns: 150 },
        )
      }, 120_000)
    })
  })
}
