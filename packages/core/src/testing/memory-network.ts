/**
 * An in-memory NetworkAdapter: many peers in one process and no sockets, so
 * core can be tested with many peers, quickly. A hub makes the peers and the
 * links between them; tests connect, disconnect and partition peers
 * themselves. There is no discovery and there are no relays; `dial` reaches any
 * running peer of the hub by id (its addresses are only hints).
 *
 * Pubsub behaves like gossipsub wherever core could tell the difference:
 * - a peer learns a neighbour's subscriptions one hop after they change and
 *   sends a message only to neighbours it knows to be subscribed, so a publish
 *   right after connecting or subscribing can be lost, as it is for real;
 * - a subscribed peer delivers a message once and forwards it to its own
 *   subscribed neighbours; a peer that is not subscribed does neither;
 * - message ids are sha256(data), remembered for `seenTtlMs`: the same bytes
 *   reach a peer once however often and by whomever they are published, and
 *   never come back to their publisher;
 * - nothing is stored: a message published while a peer is unreachable is lost.
 *
 * Streams carry frames in order, with MAX_STREAM_FRAME and the close/abort
 * behaviour of net-libp2p's framed streams. Errors keep libp2p's names where
 * libp2p has one (UnsupportedProtocolError, StreamResetError, …).
 *
 * Faults (latency, drop, duplicate, reorder) come from a seeded generator, so a
 * seed repeats a run. Delays are timers on the link they travel over and are
 * cleared when it goes down; with zero latency no timer is used at all.
 */

import type {
  FramedStream,
  NetworkAdapter,
  NetworkEvents,
  PeerConnection,
  RelayStatus,
  StreamHandler,
} from '../network.ts'
import { Emitter } from '../events.ts'
import {
  asPeerId,
  InvalidArgumentError,
  MAX_PUBSUB_MESSAGE,
  MAX_STREAM_FRAME,
  MurmurError,
  NotStartedError,
  TooLargeError,
} from '@murmur/protocol'
import type { PeerIdString, ProtocolId, Topic } from '@murmur/protocol'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'

/** There is no connection to that peer: connect it through the hub first. */
export class PeerUnreachableError extends MurmurError {
  override name = 'PeerUnreachableError'
}
/** The remote peer has no handler for the protocol (libp2p's name too). */
export class UnsupportedProtocolError extends MurmurError {
  override name = 'UnsupportedProtocolError'
}
/** A handler is already registered for the protocol (libp2p's name too). */
export class DuplicateProtocolHandlerError extends MurmurError {
  override name = 'DuplicateProtocolHandlerError'
}
/** The remote aborted the stream, or the connection under it went down (libp2p's name too). */
export class StreamResetError extends MurmurError {
  override name = 'StreamResetError'
}
/** The stream is closed for writing (libp2p's name too). */
export class StreamStateError extends MurmurError {
  override name = 'StreamStateError'
}

export interface MemoryNetworkFaults {
  /** Delay of every hop (pubsub, subscription news, stream frames), in ms. Default 0. */
  readonly latencyMs?: number
  /** Chance, 0 to 1, that a pubsub message is lost on one hop. */
  readonly dropRate?: number
  /** Chance that a pubsub message reaches the receiver's listeners twice, as when it arrives again after the seen cache forgot it. */
  readonly duplicateRate?: number
  /** Chance that a pubsub message is held back `reorderDelayMs` on one hop, so later ones overtake it. */
  readonly reorderRate?: number
  /** Default 10 ms. */
  readonly reorderDelayMs?: number
}

export interface MemoryNetworkOptions {
  /** Seeds the faults: the same seed and the same calls give the same run. */
  readonly seed?: number
  readonly faults?: MemoryNetworkFaults
  /** How long a message id is remembered (gossipsub's seenTTL). Default 120 s. */
  readonly seenTtlMs?: number
  /** Clock for the seen cache. Default Date.now. */
  readonly now?: () => number
  /** Hears failures nobody awaits: a stream handler or event listener that threw. */
  readonly onError?: (message: string, err: unknown) => void
}

export interface MemoryNetworkHub {
  createPeer(options?: { readonly peerId?: string }): NetworkAdapter
  /** Links two started peers directly (lifting a partition); a no-op when they already are. */
  connect(a: NetworkAdapter, b: NetworkAdapter): void
  /** Cuts the link: its streams are reset and messages in flight on it are lost. */
  disconnect(a: NetworkAdapter, b: NetworkAdapter): void
  /** Cuts the link and keeps it cut: `dial` between the two fails until `connect` links them. */
  partition(a: NetworkAdapter, b: NetworkAdapter): void
  isConnected(a: NetworkAdapter, b: NetworkAdapter): boolean
  /** True when a message `from` publishes on `topic` now would reach `to`, as far as the peers know each other's subscriptions. */
  reaches(from: NetworkAdapter, to: NetworkAdapter, topic: Topic): boolean
  /** Replaces the faults; hops already in flight keep theirs. */
  setFaults(faults: MemoryNetworkFaults): void
  /** Resolves once nothing is in flight and the receivers have had a turn to answer. */
  settle(): Promise<void>
  /** Failures nobody awaited, oldest first (also passed to `onError`). */
  readonly failures: ReadonlyArray<{ readonly message: string; readonly error: unknown }>
  /** Stops every peer. */
  stop(): Promise<void>
}

export function createMemoryNetworkHub(options: MemoryNetworkOptions = {}): MemoryNetworkHub {
  return new Hub(options)
}

type Timer = ReturnType<typeof setTimeout>

interface Link {
  readonly key: string
  open: boolean
  /** Pending hops and what to do if the link goes down before they land. */
  readonly timers: Map<Timer, () => void>
  readonly streams: Set<MemoryStream>
}

const DEFAULT_FAULTS: Required<MemoryNetworkFaults> = {
  latencyMs: 0,
  dropRate: 0,
  duplicateRate: 0,
  reorderRate: 0,
  reorderDelayMs: 10,
}

const linkKey = (a: PeerIdString, b: PeerIdString): string => (a < b ? `${a} ${b}` : `${b} ${a}`)

class Hub implements MemoryNetworkHub {
  readonly failures: Array<{ message: string; error: unknown }> = []
  readonly seenTtlMs: number
  readonly now: () => number
  readonly #onError: ((message: string, err: unknown) => void) | undefined
  readonly #random: () => number
  readonly #peers = new Map<PeerIdString, MemoryPeer>()
  readonly #links = new Map<string, Link>()
  readonly #partitions = new Set<string>()
  readonly #idle: Array<() => void> = []
  #faults: Required<MemoryNetworkFaults>
  #inflight = 0
  #made = 0

  constructor(options: MemoryNetworkOptions) {
    this.seenTtlMs = options.seenTtlMs ?? 120_000
    this.now = options.now ?? Date.now
    this.#onError = options.onError
    this.#random = mulberry32(options.seed ?? Math.floor(Math.random() * 2 ** 32))
    this.#faults = { ...DEFAULT_FAULTS, ...options.faults }
  }

  createPeer(options: { readonly peerId?: string } = {}): NetworkAdapter {
    this.#made += 1
    const peerId = asPeerId(options.peerId ?? `memory-${String(this.#made).padStart(4, '0')}`)
    if (this.#peers.has(peerId))
      throw new InvalidArgumentError(`peer id ${peerId} is taken in this hub`)
    const peer = new MemoryPeer(this, peerId)
    this.#peers.set(peerId, peer)
    return peer
  }

  connect(x: NetworkAdapter, y: NetworkAdapter): void {
    const [a, b] = [this.#own(x), this.#own(y)]
    if (a === b) throw new InvalidArgumentError('a peer cannot connect to itself')
    if (!a.running || !b.running)
      throw new NotStartedError('start both peers before connecting them')
    const key = linkKey(a.peerId, b.peerId)
    this.#partitions.delete(key)
    if (this.#links.has(key)) return
    const link: Link = { key, open: true, timers: new Map(), streams: new Set() }
    this.#links.set(key, link)
    a.linkUp(b, link)
    b.linkUp(a, link)
  }

  disconnect(x: NetworkAdapter, y: NetworkAdapter): void {
    const [a, b] = [this.#own(x), this.#own(y)]
    const link = this.#links.get(linkKey(a.peerId, b.peerId))
    if (link === undefined) return
    this.#links.delete(link.key)
    link.open = false
    for (const [timer, dropped] of link.timers) {
      clearTimeout(timer)
      dropped()
    }
    link.timers.clear()
    for (const stream of link.streams) stream.linkDown()
    link.streams.clear()
    a.linkDown(b)
    b.linkDown(a)
  }

  partition(x: NetworkAdapter, y: NetworkAdapter): void {
    this.disconnect(x, y)
    this.#partitions.add(linkKey(x.peerId, y.peerId))
  }

  /** A peer's `dial`: addresses are only hints here, a running peer of the hub is reachable by id. */
  dial(from: MemoryPeer, to: PeerIdString): void {
    const target = this.#peers.get(to)
    if (target === undefined || !target.running) {
      throw new PeerUnreachableError(`cannot reach ${to}: no running peer of this hub has that id`)
    }
    if (this.#partitions.has(linkKey(from.peerId, to))) {
      throw new PeerUnreachableError(
        `cannot reach ${to}: the hub partitioned it from ${from.peerId}`,
      )
    }
    this.connect(from, target)
  }

  isConnected(x: NetworkAdapter, y: NetworkAdapter): boolean {
    return this.#links.has(linkKey(this.#own(x).peerId, this.#own(y).peerId))
  }

  reaches(x: NetworkAdapter, y: NetworkAdapter, topic: Topic): boolean {
    const [from, to] = [this.#own(x), this.#own(y)]
    const visited = new Set<MemoryPeer>([from])
    const queue = from.subscribedNeighbours(topic)
    for (let peer = queue.shift(); peer !== undefined; peer = queue.shift()) {
      if (visited.has(peer)) continue
      visited.add(peer)
      if (!peer.isSubscribed(topic)) continue
      if (peer === to) return true
      queue.push(...peer.subscribedNeighbours(topic))
    }
    return false
  }

  setFaults(faults: MemoryNetworkFaults): void {
    this.#faults = { ...DEFAULT_FAULTS, ...faults }
  }

  async settle(): Promise<void> {
    for (;;) {
      if (this.#inflight > 0) await new Promise<void>((resolve) => this.#idle.push(resolve))
      // Whoever the last hop woke may answer on its next turn.
      await new Promise<void>((resolve) => setTimeout(resolve, 0))
      if (this.#inflight === 0) return
    }
  }

  async stop(): Promise<void> {
    for (const peer of this.#peers.values()) await peer.stop()
  }

  dropLinks(peer: MemoryPeer): void {
    for (const other of this.#peers.values()) if (other !== peer) this.disconnect(peer, other)
  }

  report(message: string, error: unknown): void {
    this.failures.push({ message, error })
    this.#onError?.(message, error)
  }

  /** Runs `deliver` one hop later on `link`, or `dropped` if the link goes down first. */
  hop(link: Link, deliver: () => void, dropped?: () => void, extraMs = 0): void {
    const delay = this.#faults.latencyMs + extraMs
    this.#inflight += 1
    const done = (): void => {
      this.#inflight -= 1
      if (this.#inflight === 0) for (const wake of this.#idle.splice(0)) wake()
    }
    if (delay <= 0) {
      queueMicrotask(() => {
        try {
          if (link.open) deliver()
          else dropped?.()
        } finally {
          done()
        }
      })
      return
    }
    const timer = setTimeout(() => {
      link.timers.delete(timer)
      try {
        deliver()
      } finally {
        done()
      }
    }, delay)
    link.timers.set(timer, () => {
      dropped?.()
      done()
    })
  }

  /** One pubsub hop, subject to the faults. `deliver(true)` is a duplicate that bypasses the seen cache. */
  gossip(link: Link, deliver: (duplicate: boolean) => void): void {
    const f = this.#faults
    if (f.dropRate > 0 && this.#random() < f.dropRate) return
    const extra = f.reorderRate > 0 && this.#random() < f.reorderRate ? f.reorderDelayMs : 0
    this.hop(link, () => deliver(false), undefined, extra)
    if (f.duplicateRate > 0 && this.#random() < f.duplicateRate) {
      this.hop(link, () => deliver(true), undefined, extra)
    }
  }

  #own(adapter: NetworkAdapter): MemoryPeer {
    const peer = this.#peers.get(adapter.peerId)
    if (peer === undefined || peer !== adapter) {
      throw new InvalidArgumentError(`${adapter.peerId} is not a peer of this memory hub`)
    }
    return peer
  }
}

interface Neighbour {
  readonly peer: MemoryPeer
  readonly link: Link
  readonly connection: PeerConnection
  /** Its subscriptions as last announced to us, and that announcement's number. */
  topics: ReadonlySet<Topic>
  seq: number
}

class MemoryPeer implements NetworkAdapter {
  readonly peerId: PeerIdString
  readonly #hub: Hub
  readonly #events: Emitter<NetworkEvents>
  readonly #neighbours = new Map<PeerIdString, Neighbour>()
  readonly #handlers = new Map<ProtocolId, StreamHandler>()
  readonly #topics = new Set<Topic>()
  /** Message id → when it was first seen; insertion order is time order. */
  readonly #seen = new Map<string, number>()
  #announced = 0
  #running = false

  constructor(hub: Hub, peerId: PeerIdString) {
    this.#hub = hub
    this.peerId = peerId
    this.#events = new Emitter((err) => hub.report(`${peerId}: event listener failed`, err))
  }

  get running(): boolean {
    return this.#running
  }

  async start(): Promise<void> {
    this.#running = true
  }

  /** Like the libp2p peer: drops every link, forgets subscriptions and listeners. */
  async stop(): Promise<void> {
    if (!this.#running) return
    this.#running = false
    this.#hub.dropLinks(this)
    this.#topics.clear()
    this.#seen.clear()
    this.#events.clear()
  }

  subscribe(topic: Topic): void {
    this.#assertRunning()
    if (this.#topics.has(topic)) return
    this.#topics.add(topic)
    for (const n of this.#neighbours.values()) this.#announce(n)
  }

  unsubscribe(topic: Topic): void {
    this.#assertRunning()
    if (!this.#topics.delete(topic)) return
    for (const n of this.#neighbours.values()) this.#announce(n)
  }

  async publish(topic: Topic, data: Uint8Array): Promise<void> {
    this.#assertRunning()
    if (!(data instanceof Uint8Array))
      throw new InvalidArgumentError('a pubsub message must be a Uint8Array')
    if (data.length > MAX_PUBSUB_MESSAGE) {
      throw new TooLargeError('pubsub message', data.length, MAX_PUBSUB_MESSAGE)
    }
    // Publishing bytes already seen is a no-op, as with ignoreDuplicatePublishError.
    if (!this.#firstSighting(data)) return
    this.#forward(topic, data.slice(), undefined)
  }

  async handle(protocol: ProtocolId, handler: StreamHandler): Promise<void> {
    if (this.#handlers.has(protocol)) {
      throw new DuplicateProtocolHandlerError(`a handler for ${protocol} is already registered`)
    }
    this.#handlers.set(protocol, handler)
  }

  async unhandle(protocol: ProtocolId): Promise<void> {
    this.#handlers.delete(protocol)
  }

  openStream(peer: PeerIdString, protocol: ProtocolId): Promise<FramedStream> {
    return new Promise((resolve, reject) => {
      this.#assertRunning()
      const n = this.#neighbours.get(peer)
      if (n === undefined) {
        throw new PeerUnreachableError(
          `no connection to ${peer}; a memory peer reaches only peers the hub connected it to`,
        )
      }
      const lost = (): void =>
        reject(new PeerUnreachableError(`the connection to ${peer} closed while opening a stream`))
      // Negotiation is a round trip; the handler starts when the request lands.
      this.#hub.hop(
        n.link,
        () => {
          const handler = n.peer.#handlers.get(protocol)
          if (handler === undefined) {
            this.#hub.hop(
              n.link,
              () => reject(new UnsupportedProtocolError(`${peer} does not handle ${protocol}`)),
              lost,
            )
            return
          }
          const [local, remote] = MemoryStream.pair(this.#hub, n.link, this.peerId, peer)
          n.peer.#serve(protocol, handler, remote)
          this.#hub.hop(n.link, () => resolve(local), lost)
        },
        lost,
      )
    })
  }

  async dial(peer: PeerIdString, _addrs: readonly string[]): Promise<void> {
    this.#assertRunning()
    if (peer === this.peerId) throw new InvalidArgumentError('a peer cannot dial itself')
    this.#hub.dial(this, peer)
  }

  peers(): PeerConnection[] {
    return [...this.#neighbours.values()].map((n) => n.connection)
  }

  relays(): RelayStatus[] {
    return []
  }

  addresses(): string[] {
    return this.#running ? [`/memory/${this.peerId}`] : []
  }

  on<K extends keyof NetworkEvents>(
    type: K,
    listener: (event: NetworkEvents[K]) => void,
  ): () => void {
    return this.#events.on(type, listener)
  }

  // The rest is for the hub.

  isSubscribed(topic: Topic): boolean {
    return this.#topics.has(topic)
  }

  subscribedNeighbours(topic: Topic): MemoryPeer[] {
    return [...this.#neighbours.values()].filter((n) => n.topics.has(topic)).map((n) => n.peer)
  }

  linkUp(peer: MemoryPeer, link: Link): void {
    const connection: PeerConnection = {
      peerId: peer.peerId,
      kind: 'webrtc',
      remoteAddr: `/memory/${peer.peerId}`,
    }
    const n: Neighbour = { peer, link, connection, topics: new Set(), seq: 0 }
    this.#neighbours.set(peer.peerId, n)
    this.#events.emit('peer:connect', connection)
    this.#announce(n)
  }

  linkDown(peer: MemoryPeer): void {
    if (!this.#neighbours.delete(peer.peerId)) return
    if (this.#running) this.#events.emit('peer:disconnect', { peerId: peer.peerId })
  }

  #assertRunning(): void {
    if (!this.#running) throw new NotStartedError('the network is stopped; start it first')
  }

  /** Tells a neighbour our subscriptions; numbered so a late announcement never undoes a newer one. */
  #announce(n: Neighbour): void {
    this.#announced += 1
    const seq = this.#announced
    const topics = new Set(this.#topics)
    this.#hub.hop(n.link, () => {
      const view = n.peer.#neighbours.get(this.peerId)
      if (view === undefined || view.seq > seq) return
      view.topics = topics
      view.seq = seq
    })
  }

  #forward(topic: Topic, data: Uint8Array, except: PeerIdString | undefined): void {
    for (const n of this.#neighbours.values()) {
      if (n.peer.peerId === except || !n.topics.has(topic)) continue
      this.#hub.gossip(n.link, (duplicate) => n.peer.#receive(this.peerId, topic, data, duplicate))
    }
  }

  #receive(from: PeerIdString, topic: Topic, data: Uint8Array, duplicate: boolean): void {
    if (!this.#running) return
    if (!duplicate && !this.#firstSighting(data)) return
    if (!this.#topics.has(topic)) return
    this.#events.emit('message', { topic, data: data.slice() })
    if (!duplicate) this.#forward(topic, data, from)
  }

  /** Records the message id; false when it was already seen within the TTL. */
  #firstSighting(data: Uint8Array): boolean {
    const now = this.#hub.now()
    for (const [id, at] of this.#seen) {
      if (now - at < this.#hub.seenTtlMs) break
      this.#seen.delete(id)
    }
    const id = bytesToHex(sha256(data))
    if (this.#seen.has(id)) return false
    this.#seen.set(id, now)
    return true
  }

  #serve(protocol: ProtocolId, handler: StreamHandler, stream: MemoryStream): void {
    void (async () => {
      try {
        await handler(stream)
      } catch (err) {
        this.#hub.report(`${this.peerId}: handler for ${protocol} failed`, err)
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      }
    })()
  }
}

type Item = Uint8Array | 'end' | 'reset'

/** One end of a stream. Each direction is a FIFO, so frames keep their order whatever the timers do. */
class MemoryStream implements FramedStream {
  readonly remotePeer: PeerIdString
  readonly #hub: Hub
  readonly #link: Link
  readonly #outbox: Item[] = []
  readonly #inbox: Uint8Array[] = []
  #remote: MemoryStream | undefined
  #writeClosed = false
  #remoteEnded = false
  /** Set once the stream failed: our own abort error, or a reset. */
  #failure: Error | undefined
  #wake: (() => void) | undefined

  static pair(
    hub: Hub,
    link: Link,
    opener: PeerIdString,
    target: PeerIdString,
  ): [MemoryStream, MemoryStream] {
    const local = new MemoryStream(hub, link, target)
    const remote = new MemoryStream(hub, link, opener)
    local.#remote = remote
    remote.#remote = local
    link.streams.add(local).add(remote)
    return [local, remote]
  }

  constructor(hub: Hub, link: Link, remotePeer: PeerIdString) {
    this.#hub = hub
    this.#link = link
    this.remotePeer = remotePeer
  }

  async send(frame: Uint8Array): Promise<void> {
    if (frame.length > MAX_STREAM_FRAME)
      throw new TooLargeError('frame', frame.length, MAX_STREAM_FRAME)
    if (this.#writeClosed) throw new StreamStateError('cannot write to a stream that is closed')
    this.#transmit(frame.slice())
  }

  async *frames(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const frame = this.#inbox.shift()
      if (frame !== undefined) {
        yield frame
        continue
      }
      if (this.#failure !== undefined) throw this.#failure
      if (this.#remoteEnded) return
      await new Promise<void>((resolve) => {
        this.#wake = resolve
      })
    }
  }

  async close(): Promise<void> {
    if (this.#writeClosed) return
    this.#writeClosed = true
    this.#transmit('end')
    this.#notify()
  }

  abort(err: Error): void {
    if (this.#failure !== undefined || (this.#writeClosed && this.#remoteEnded)) return
    this.#failure = err
    this.#inbox.length = 0
    this.#writeClosed = true
    this.#transmit('reset')
    this.#notify()
  }

  linkDown(): void {
    if (this.#failure !== undefined || (this.#writeClosed && this.#remoteEnded)) return
    this.#failure = new StreamResetError('the connection under the stream closed')
    this.#writeClosed = true
    this.#notify()
  }

  #transmit(item: Item): void {
    this.#outbox.push(item)
    this.#hub.hop(this.#link, () => {
      const next = this.#outbox.shift()
      const remote = this.#remote
      if (next !== undefined && remote !== undefined) remote.#arrive(next)
    })
  }

  #arrive(item: Item): void {
    if (this.#failure !== undefined) return
    if (item === 'reset') {
      this.#failure = new StreamResetError('the remote reset the stream')
      this.#writeClosed = true
    } else if (item === 'end') {
      this.#remoteEnded = true
    } else {
      this.#inbox.push(item)
    }
    this.#notify()
  }

  #notify(): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
    if (this.#failure !== undefined || (this.#writeClosed && this.#remoteEnded))
      this.#link.streams.delete(this)
  }
}

/** A small seeded generator (mulberry32): enough for fault injection, not for secrets. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
