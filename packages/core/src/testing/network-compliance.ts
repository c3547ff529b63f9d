/**
 * The NetworkAdapter compliance suite: what core may rely on, whatever network
 * it was given. It runs against the in-memory hub and against real libp2p (a
 * relay and peers in one process), so the harness hides how peers meet and how
 * long that takes: a test asks for a connection or a mesh and waits for it.
 *
 * One harness serves every test of a run (libp2p peers take seconds to meet),
 * so each test uses its own topics, protocols and payloads.
 *
 * Errors are asserted by name where the implementations agree. Where they
 * do not:
 * - opening a stream to a peer there is no way to reach fails with
 *   PeerUnreachableError in memory and with libp2p's own error over libp2p
 *   (NoValidAddressesError for a peer with no known address); the test asserts
 *   only that it fails;
 * - a stream aborted at one end reaches the other as StreamResetError in
 *   memory, but over libp2p's WebRTC transport sometimes as a clean close (the
 *   RESET flag is lost when the data channel closes right behind it). A harness
 *   says so with `resetMayArriveAsClose`; the tests then accept a clean end,
 *   never a hang. Core must therefore end every exchange with a frame of its
 *   own and never take a clean end for success.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  ConnectionKind,
  FramedStream,
  NetworkAdapter,
  PeerConnection,
  PubsubMessage,
} from '../network.ts'
import { asProtocolId, asTopic, MAX_PUBSUB_MESSAGE, MAX_STREAM_FRAME } from '@murmur/protocol'
import type { PeerIdString, ProtocolId, Topic } from '@murmur/protocol'

export interface NetworkHarness {
  /** Three started peers; they need not be connected yet (tests call `connect`). */
  readonly peers: readonly [NetworkAdapter, NetworkAdapter, NetworkAdapter]
  /** Peer ids of the relays the peers use; `peers()` must never list them. */
  readonly relayIds: readonly PeerIdString[]
  /** Resolves once `a` and `b` hold a direct (not relayed) connection, making one if needed. */
  connect(a: NetworkAdapter, b: NetworkAdapter): Promise<void>
  /** Resolves once a message `from` publishes on `topic` will reach `to`, which has subscribed. */
  waitForMesh(from: NetworkAdapter, to: NetworkAdapter, topic: Topic): Promise<void>
  /** Resolves once whatever is in flight now has had time to land, to assert that something did not. */
  settle(): Promise<void>
  /** A new peer, not started, that `connect` can reach once it is; teardown stops it. */
  createPeer(): Promise<NetworkAdapter>
  /** Stops everything the harness started. */
  teardown(): Promise<void>
  /** The remote end of an aborted stream may see a clean close instead of StreamResetError. */
  readonly resetMayArriveAsClose?: boolean
}

/** How long a test waits for something that should happen. */
const WAIT_MS = 20_000
const DIRECT: readonly ConnectionKind[] = ['webrtc', 'direct']
const PEER_KINDS: readonly ConnectionKind[] = ['webrtc', 'direct', 'relayed']

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const str = (b: Uint8Array): string => new TextDecoder().decode(b)

/** Bytes that differ from any other `pattern` of another seed, and are quick to compare. */
function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7 + (i >>> 8)) & 0xff
  return out
}

/** A plain loop: deep equality over a million elements takes seconds. */
function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

async function until(check: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Runs `action`, which must throw or reject; checks the error's name when given one. */
async function fails(action: () => unknown, name?: string): Promise<Error> {
  let caught: unknown
  try {
    await action()
  } catch (err) {
    caught = err
  }
  expect(caught, `expected ${name ?? 'an error'}`).toBeInstanceOf(Error)
  if (name !== undefined) expect((caught as Error).name).toBe(name)
  return caught as Error
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

async function readAll(stream: FramedStream): Promise<Uint8Array[]> {
  const frames: Uint8Array[] = []
  for await (const frame of stream.frames()) frames.push(frame)
  return frames
}

/** How a read ended: the frames it got, or what it threw. */
type ReadOutcome = { readonly frames: string[] } | Error

async function readOutcome(read: Promise<Uint8Array[]>): Promise<ReadOutcome> {
  try {
    return { frames: (await read).map(str) }
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err))
  }
}

/** Everything a peer receives, from now until `off()`. */
function record(peer: NetworkAdapter): {
  readonly on: (topic: Topic) => string[]
  readonly count: (topic: Topic, n: number) => Promise<void>
  readonly off: () => void
} {
  const got: PubsubMessage[] = []
  const off = peer.on('message', (m) => got.push(m))
  const on = (topic: Topic): string[] =>
    got.filter((m) => m.topic === topic).map((m) => str(m.data))
  return {
    on,
    count: (topic, n) =>
      until(() => on(topic).length >= n, `${n} message(s) on ${topic} at ${peer.peerId}`),
    off,
  }
}

export function networkAdapterCompliance(name: string, setup: () => Promise<NetworkHarness>): void {
  describe(`${name} (NetworkAdapter compliance)`, () => {
    let h: NetworkHarness
    let a: NetworkAdapter
    let b: NetworkAdapter
    let c: NetworkAdapter
    let made = 0
    const topic = (): Topic => asTopic(`/murmur/compliance/topic/${++made}`)
    const protocol = (): ProtocolId => asProtocolId(`/murmur/compliance/proto/${++made}/1.0.0`)

    /** Connects every pair and waits until each subscriber is reachable from each publisher. */
    async function mesh(
      t: Topic,
      publishers: NetworkAdapter[],
      subscribers: NetworkAdapter[],
    ): Promise<void> {
      await h.connect(a, b)
      await h.connect(a, c)
      await h.connect(b, c)
      for (const s of subscribers) s.subscribe(t)
      for (const p of publishers) {
        for (const s of subscribers) if (p !== s) await h.waitForMesh(p, s, t)
      }
    }

    /** A reader whose remote reset the stream: StreamResetError, or a clean end where the harness allows it. */
    function expectReset(outcome: ReadOutcome, framesBefore: string[] = []): void {
      if (outcome instanceof Error) expect(outcome.name).toBe('StreamResetError')
      else if (h.resetMayArriveAsClose === true) expect(outcome.frames).toEqual(framesBefore)
      else
        expect.fail(
          `expected StreamResetError, the reader ended cleanly with ${outcome.frames.length} frame(s)`,
        )
    }

    async function echo(peer: NetworkAdapter, p: ProtocolId): Promise<void> {
      await peer.handle(p, async (stream) => {
        for await (const frame of stream.frames()) await stream.send(frame)
        await stream.close()
      })
    }

    beforeAll(async () => {
      h = await setup()
      ;[a, b, c] = h.peers
    })

    afterAll(async () => {
      await h?.teardown()
    })

    describe('lifecycle', () => {
      it('starts and stops idempotently, and stopping a peer that never started is harmless', async () => {
        const d = await h.createPeer()
        await d.stop()
        await d.start()
        await d.start()
        await d.stop()
        await d.stop()
      })

      it('refuses to subscribe, unsubscribe, publish or open a stream before start and after stop, with NotStartedError', async () => {
        const d = await h.createPeer()
        const t = topic()
        const refusesEverything = async (): Promise<void> => {
          await fails(() => d.subscribe(t), 'NotStartedError')
          await fails(() => d.unsubscribe(t), 'NotStartedError')
          await fails(() => d.publish(t, text('nobody hears this')), 'NotStartedError')
          await fails(() => d.openStream(a.peerId, protocol()), 'NotStartedError')
        }
        await refusesEverything()
        await d.start()
        d.subscribe(t)
        await d.stop()
        await refusesEverything()
      })
    })

    describe('peers', () => {
      it('announces a peer that connects with peer:connect, and one that stops with peer:disconnect', async () => {
        const d = await h.createPeer()
        const connected: PeerConnection[] = []
        const gone: PeerIdString[] = []
        const offs = [
          a.on('peer:connect', (e) => connected.push(e)),
          a.on('peer:disconnect', (e) => gone.push(e.peerId)),
        ]
        const seenByD: PeerIdString[] = []
        d.on('peer:connect', (e) => seenByD.push(e.peerId))
        try {
          await d.start()
          await h.connect(a, d)
          const first = connected.find((e) => e.peerId === d.peerId)
          expect(first, 'peer:connect for the new peer').toBeDefined()
          expect(PEER_KINDS).toContain(first?.kind)
          expect(first?.remoteAddr).toMatch(/./)
          expect(seenByD).toContain(a.peerId)
          expect(DIRECT).toContain(a.peers().find((p) => p.peerId === d.peerId)?.kind)

          await d.stop()
          await until(() => gone.includes(d.peerId), 'peer:disconnect for the stopped peer')
          expect(a.peers().map((p) => p.peerId)).not.toContain(d.peerId)
        } finally {
          for (const off of offs) off()
        }
      })

      it('dials a started peer at the addresses it advertises, and refuses to dial while stopped', async () => {
        const d = await h.createPeer()
        await fails(() => d.dial(a.peerId, a.addresses()), 'NotStartedError')
        const connected: PeerIdString[] = []
        const off = a.on('peer:connect', (e) => connected.push(e.peerId))
        try {
          await d.start()
          await until(
            () => d.addresses().length > 0 && d.relays().every((r) => r.state === 'reserved'),
            'the new peer to advertise where it can be reached',
          )
          await a.dial(d.peerId, d.addresses())
          await until(() => connected.includes(d.peerId), 'peer:connect for the dialed peer')
          expect(a.peers().map((p) => p.peerId)).toContain(d.peerId)
        } finally {
          off()
          await d.stop()
        }
      })

      it('lists the peers it is connected to, never itself or a relay', async () => {
        await h.connect(a, b)
        await h.connect(a, c)
        await h.connect(b, c)
        for (const peer of [a, b, c]) {
          const listed = peer.peers()
          const ids = listed.map((p) => p.peerId)
          expect(new Set(ids).size).toBe(ids.length)
          expect(ids).not.toContain(peer.peerId)
          for (const other of [a, b, c]) {
            if (other === peer) continue
            expect(DIRECT).toContain(listed.find((p) => p.peerId === other.peerId)?.kind)
          }
          for (const relay of [...h.relayIds, ...peer.relays().map((r) => r.peerId)]) {
            expect(ids).not.toContain(relay)
          }
          for (const p of listed) expect(PEER_KINDS).toContain(p.kind)
        }
      })
    })

    describe('pubsub', () => {
      it('delivers a message to every other subscribed peer exactly once, and never back to the publisher', async () => {
        const t = topic()
        await mesh(t, [a, b, c], [a, b, c])
        const inboxes = [a, b, c].map(record)
        try {
          await a.publish(t, text(`hello on ${t}`))
          await inboxes[1]?.count(t, 1)
          await inboxes[2]?.count(t, 1)
          await h.settle()
          expect(inboxes.map((r) => r.on(t))).toEqual([[], [`hello on ${t}`], [`hello on ${t}`]])
        } finally {
          for (const r of inboxes) r.off()
        }
      })

      it('does not deliver to a peer that has not subscribed to the topic', async () => {
        const t = topic()
        const other = topic()
        c.subscribe(other)
        await mesh(t, [a], [a, b])
        const atB = record(b)
        const atC = record(c)
        try {
          await a.publish(t, text('only for subscribers'))
          await atB.count(t, 1)
          await h.settle()
          expect(atC.on(t)).toEqual([])
          expect(atC.on(other)).toEqual([])
        } finally {
          atB.off()
          atC.off()
        }
      })

      it('stops delivering to a peer as soon as it unsubscribes', async () => {
        const t = topic()
        await mesh(t, [a], [a, b, c])
        const atB = record(b)
        const atC = record(c)
        try {
          b.unsubscribe(t)
          await a.publish(t, text('after b left'))
          await atC.count(t, 1)
          await h.settle()
          expect(atB.on(t)).toEqual([])
        } finally {
          atB.off()
          atC.off()
        }
      })

      it('delivers the same bytes once, however often and by whomever they are published', async () => {
        const t = topic()
        await mesh(t, [a, c], [a, b, c])
        const inboxes = [a, b, c].map(record)
        const same = `the same bytes on ${t}`
        try {
          await a.publish(t, text(same))
          await a.publish(t, text(same))
          await c.publish(t, text(same))
          await inboxes[1]?.count(t, 1)
          await h.settle()
          expect(inboxes[0]?.on(t)).toEqual([])
          expect(inboxes[1]?.on(t)).toEqual([same])
          expect(inboxes[2]?.on(t).length).toBeLessThanOrEqual(1)
        } finally {
          for (const r of inboxes) r.off()
        }
      })

      it('delivers a message of exactly MAX_PUBSUB_MESSAGE bytes', async () => {
        const t = topic()
        await mesh(t, [a], [b])
        const big = pattern(MAX_PUBSUB_MESSAGE, made)
        const got = deferred<Uint8Array>()
        const off = b.on('message', (m) => {
          if (m.topic === t) got.resolve(m.data)
        })
        try {
          await a.publish(t, big)
          expect(sameBytes(await got.promise, big)).toBe(true)
        } finally {
          off()
        }
      })

      it('refuses a message over MAX_PUBSUB_MESSAGE with TooLargeError, and sends nothing', async () => {
        const t = topic()
        await mesh(t, [a], [b])
        const atB = record(b)
        try {
          const err = await fails(
            () => a.publish(t, new Uint8Array(MAX_PUBSUB_MESSAGE + 1)),
            'TooLargeError',
          )
          expect(err.message).toContain(String(MAX_PUBSUB_MESSAGE))
          await a.publish(t, text('small enough'))
          await atB.count(t, 1)
          await h.settle()
          expect(atB.on(t)).toEqual(['small enough'])
        } finally {
          atB.off()
        }
      })

      it('keeps delivering to the other listeners, and later messages, when a listener throws', async () => {
        const t = topic()
        await mesh(t, [a], [b])
        const offThrowing = b.on('message', () => {
          throw new Error('this listener fails on purpose')
        })
        const atB = record(b)
        try {
          await a.publish(t, text('first'))
          await a.publish(t, text('second'))
          await atB.count(t, 2)
          expect(atB.on(t).sort()).toEqual(['first', 'second'])
        } finally {
          offThrowing()
          atB.off()
        }
      })
    })

    describe('streams', () => {
      it('carries frames both ways in order, an empty frame and one of exactly MAX_STREAM_FRAME included', async () => {
        const p = protocol()
        await h.connect(a, b)
        const opener = deferred<PeerIdString>()
        await b.handle(p, async (stream) => {
          opener.resolve(stream.remotePeer)
          await stream.send(text('hello from b'))
          for await (const frame of stream.frames()) await stream.send(frame)
          await stream.close()
        })
        const big = pattern(MAX_STREAM_FRAME, made)
        const sent = [text('first'), new Uint8Array(0), big, text('last')]
        const stream = await a.openStream(b.peerId, p)
        expect(stream.remotePeer).toBe(b.peerId)
        for (const frame of sent) await stream.send(frame)
        await stream.close()
        const got = await readAll(stream)
        expect(await opener.promise).toBe(a.peerId)
        expect(got).toHaveLength(5)
        expect(str(got[0] ?? new Uint8Array(0))).toBe('hello from b')
        sent.forEach((frame, i) => expect(sameBytes(got[i + 1], frame), `frame ${i}`).toBe(true))
        await b.unhandle(p)
      })

      it("ends the reader's frames() once the remote closes, after every frame it sent", async () => {
        const p = protocol()
        await h.connect(a, b)
        const closed = deferred<void>()
        await b.handle(p, async (stream) => {
          await stream.send(text('one'))
          await stream.send(text('two'))
          await stream.close()
          closed.resolve()
        })
        const stream = await a.openStream(b.peerId, p)
        await closed.promise
        await h.settle()
        expect((await readAll(stream)).map(str)).toEqual(['one', 'two'])
        await stream.close()
        await b.unhandle(p)
      })

      it('refuses a frame over MAX_STREAM_FRAME with TooLargeError, and sends nothing', async () => {
        const p = protocol()
        await h.connect(a, b)
        const received = deferred<string[]>()
        await b.handle(p, async (stream) => {
          received.resolve((await readAll(stream)).map(str))
          await stream.close()
        })
        const stream = await a.openStream(b.peerId, p)
        await fails(() => stream.send(new Uint8Array(MAX_STREAM_FRAME + 1)), 'TooLargeError')
        await stream.send(text('small enough'))
        await stream.close()
        expect(await received.promise).toEqual(['small enough'])
        await b.unhandle(p)
      })

      it('refuses to send on a stream after closing it, with StreamStateError', async () => {
        const p = protocol()
        await h.connect(a, b)
        await echo(b, p)
        const stream = await a.openStream(b.peerId, p)
        await stream.send(text('before close'))
        await stream.close()
        await fails(() => stream.send(text('after close')), 'StreamStateError')
        expect((await readAll(stream)).map(str)).toEqual(['before close'])
        await b.unhandle(p)
      })

      it('resets the remote end when a stream is aborted', async () => {
        const p = protocol()
        await h.connect(a, b)
        const arrived = deferred<void>()
        const outcome = deferred<ReadOutcome>()
        await b.handle(p, async (stream) => {
          const got: Uint8Array[] = []
          const reading = (async (): Promise<Uint8Array[]> => {
            for await (const frame of stream.frames()) {
              got.push(frame)
              arrived.resolve()
            }
            return got
          })()
          outcome.resolve(await readOutcome(reading))
        })
        const stream = await a.openStream(b.peerId, p)
        await stream.send(text('before the abort'))
        await arrived.promise
        stream.abort(new Error('aborted on purpose'))
        expectReset(await outcome.promise, ['before the abort'])
        await fails(() => stream.send(text('after the abort')), 'StreamStateError')
        await b.unhandle(p)
      })

      it('reports a reset to a reader that begins after it arrived, without waiting', async () => {
        const p = protocol()
        await h.connect(a, b)
        const aborted = deferred<void>()
        await b.handle(p, async (stream) => {
          for await (const _frame of stream.frames()) {
            stream.abort(new Error('refused on purpose'))
            aborted.resolve()
          }
        })
        const stream = await a.openStream(b.peerId, p)
        await stream.send(text('please refuse'))
        await aborted.promise
        await h.settle()
        expectReset(await readOutcome(readAll(stream)))
        await b.unhandle(p)
      })

      it('resets the stream of a handler that throws, and the peer goes on serving', async () => {
        const failing = protocol()
        const throwsAtOnce = protocol()
        const fine = protocol()
        await h.connect(a, b)
        await b.handle(failing, async (stream) => {
          for await (const _frame of stream.frames())
            throw new Error('this handler fails on purpose')
        })
        await b.handle(throwsAtOnce, () => {
          throw new Error('this handler fails at once, on purpose')
        })
        await echo(b, fine)

        const stream = await a.openStream(b.peerId, failing)
        const reading = readOutcome(readAll(stream))
        await stream.send(text('make it fail'))
        expectReset(await reading)
        // A handler that throws synchronously is contained as well. Depending on
        // timing the opener hears of it while negotiating or right after.
        const outcome = await readOutcome(
          a.openStream(b.peerId, throwsAtOnce).then((s) => readAll(s)),
        )
        if (!(outcome instanceof Error)) expectReset(outcome)

        const after = await a.openStream(b.peerId, fine)
        await after.send(text('still serving'))
        await after.close()
        expect((await readAll(after)).map(str)).toEqual(['still serving'])
        for (const q of [failing, throwsAtOnce, fine]) await b.unhandle(q)
      })

      it('refuses a protocol the remote does not handle, or no longer handles, with UnsupportedProtocolError', async () => {
        const p = protocol()
        await h.connect(a, b)
        await fails(() => a.openStream(b.peerId, p), 'UnsupportedProtocolError')
        await echo(b, p)
        const stream = await a.openStream(b.peerId, p)
        await stream.close()
        expect(await readAll(stream)).toEqual([])
        await b.unhandle(p)
        await fails(() => a.openStream(b.peerId, p), 'UnsupportedProtocolError')
      })

      it('refuses a second handler for the same protocol with DuplicateProtocolHandlerError', async () => {
        const p = protocol()
        await echo(b, p)
        await fails(() => echo(b, p), 'DuplicateProtocolHandlerError')
        await b.unhandle(p)
        await echo(b, p)
        await b.unhandle(p)
      })

      it('fails to open a stream to a peer it has no way to reach', async () => {
        const d = await h.createPeer()
        await fails(() => a.openStream(d.peerId, protocol()))
      })

      it('keeps concurrent streams apart, whoever opened them', async () => {
        const p = protocol()
        await h.connect(a, b)
        await h.connect(c, b)
        await h.connect(a, c)
        await echo(b, p)
        await echo(a, p)
        const pairs: Array<[NetworkAdapter, NetworkAdapter]> = [
          [a, b],
          [a, b],
          [c, b],
          [b, a],
          [c, a],
        ]
        const streams = await Promise.all(pairs.map(([from, to]) => from.openStream(to.peerId, p)))
        const readers = streams.map(readAll)
        for (let round = 0; round < 3; round++) {
          for (const [i, s] of streams.entries()) await s.send(text(`stream ${i} frame ${round}`))
        }
        for (const s of streams) await s.close()
        const got = await Promise.all(readers)
        got.forEach((frames, i) =>
          expect(frames.map(str)).toEqual([0, 1, 2].map((r) => `stream ${i} frame ${r}`)),
        )
        await a.unhandle(p)
        await b.unhandle(p)
      })
    })
  })
}
