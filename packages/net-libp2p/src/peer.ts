/**
 * A Murmur peer on libp2p: the NetworkAdapter that core uses, for browsers and
 * Node alike (only the transport list differs, see `#transports`).
 *
 * The peer connects to its relays over WebSockets (or TCP), holds a circuit
 * reservation on each so others can reach it, listens for WebRTC and dials
 * other peers directly: a relayed circuit carries only the WebRTC signalling,
 * and messages then flow peer to peer.
 *
 * Peers find each other through presence beacons on a discovery topic: each
 * beacon lists the `/p2p-circuit/webrtc` addresses its sender can be dialed
 * at. Of two peers, the one with the smaller PeerId dials; the other answers a
 * beacon with its own, so both learn of each other within one round trip.
 *
 * Until then, or when no direct path exists, messages go through the relay:
 * it forwards a topic only as a gossipsub member of it, so every topic we
 * subscribe to is also handed to each connected relay to host (host-client.ts).
 */

import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import type { ComponentLogger, Connection, Libp2p, Logger, PrivateKey } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { Emitter } from '@murmur/core'
import type {
  FramedStream,
  NetworkAdapter,
  NetworkEvents,
  PeerConnection,
  RelayStatus,
  StreamHandler,
} from '@murmur/core'
import {
  asPeerId,
  decodeBeacon,
  encodeBeacon,
  InvalidArgumentError,
  MAX_PUBSUB_MESSAGE,
  NotStartedError,
  TooLargeError,
} from '@murmur/protocol'
import type { PeerIdString, ProtocolId, Topic } from '@murmur/protocol'
import { multiaddr } from '@multiformats/multiaddr'
import { peerTransports } from '#transports'
import { createLibp2p } from 'libp2p'
import { bestConnection } from './classify.ts'
import { framedStream } from './framed.ts'
import { murmurGossipsub } from './gossip.ts'
import type { GossipSub } from './gossip.ts'
import { hostClient } from './host-client.ts'
import type { HostClient } from './host-client.ts'

export interface PeerInit {
  /** Relay multiaddrs, each ending in `/p2p/<relay peer id>`. */
  readonly relays: readonly string[]
  /** The libp2p key; a new one is made when absent. */
  readonly privateKey?: PrivateKey
  /** Topic for presence beacons; without one the peer does not look for others. */
  readonly discoveryTopic?: Topic
  /** How often to retry relays that are not connected. Default 5 s. */
  readonly relayRetryMs?: number
  readonly logger?: ComponentLogger
}

type Services = { pubsub: GossipSub; identify: unknown; ping: unknown }

/** Beacons go out fast after start or a change, then settle to this interval. */
const BEACON_MAX_INTERVAL = 15_000
const BEACON_FIRST_DELAY = 250
/** A peer's beacon is answered at most this often. */
const BEACON_ANSWER_INTERVAL = 2_000
const DIRECT_DIAL_TIMEOUT = 20_000

export interface Libp2pNetwork extends NetworkAdapter {
  /** The underlying node, for diagnostics and tests. */
  readonly libp2p: Libp2p<Services>
}

export async function createLibp2pNetwork(init: PeerInit): Promise<Libp2pNetwork> {
  const relayIds = new Map<string, PeerIdString>()
  for (const addr of init.relays) {
    const id = multiaddr(addr)
      .getComponents()
      .findLast((c) => c.name === 'p2p')?.value
    if (id === undefined) {
      throw new InvalidArgumentError(`relay address ${addr} must end with /p2p/<peer id>`)
    }
    relayIds.set(addr, asPeerId(id))
  }
  const logger = init.logger ?? defaultLogger()
  const libp2p = await createLibp2p<Services>({
    privateKey: init.privateKey ?? (await generateKeyPair('Ed25519')),
    logger,
    start: false,
    addresses: {
      listen: [...init.relays.map((addr) => `${addr}/p2p-circuit`), '/webrtc'],
    },
    transports: peerTransports(),
    // A listener that fails (an unreachable relay) must not stop the peer;
    // relays are retried in the background.
    transportManager: { faultTolerance: 1 },
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // Relays on loopback and private networks are legitimate here.
    connectionGater: { denyDialMultiaddr: () => false },
    services: { pubsub: murmurGossipsub(), identify: identify(), ping: ping() },
  })
  return new Peer(libp2p, init, relayIds, logger.forComponent('murmur:net'))
}

class Peer implements Libp2pNetwork {
  readonly libp2p: Libp2p<Services>
  readonly peerId: PeerIdString
  readonly #init: PeerInit
  readonly #log: Logger
  readonly #events: Emitter<NetworkEvents>
  readonly #relays = new Map<string, RelayStatus>()
  readonly #relayIds: Map<string, PeerIdString>
  readonly #peers = new Map<PeerIdString, PeerConnection>()
  readonly #dialing = new Set<PeerIdString>()
  readonly #answered = new Map<PeerIdString, number>()
  readonly #cleanup: Array<() => void> = []
  readonly #hosting: HostClient
  #beaconTimer: ReturnType<typeof setTimeout> | undefined
  #beaconDelay = BEACON_FIRST_DELAY
  #running = false

  constructor(
    libp2p: Libp2p<Services>,
    init: PeerInit,
    relayIds: Map<string, PeerIdString>,
    log: Logger,
  ) {
    this.libp2p = libp2p
    this.peerId = asPeerId(libp2p.peerId.toString())
    this.#init = init
    this.#log = log
    this.#relayIds = relayIds
    this.#hosting = hostClient(libp2p, log)
    this.#events = new Emitter((err) => log.error('event listener failed - %e', err))
    for (const addr of init.relays) {
      this.#relays.set(addr, { addr, peerId: relayIds.get(addr), state: 'connecting' })
    }
  }

  async start(): Promise<void> {
    if (this.#running) return
    this.#running = true
    const node = this.libp2p
    const onConnection = (evt: CustomEvent<Connection>): void => {
      const peerId = asPeerId(evt.detail.remotePeer.toString())
      if (
        evt.type === 'connection:open' &&
        evt.detail.limits === undefined &&
        this.#isRelay(peerId)
      ) {
        this.#hosting.relayConnected(peerId)
      }
      this.#refresh(peerId)
    }
    const onMessage = (evt: CustomEvent<{ topic: string; data: Uint8Array }>): void => {
      this.#onMessage(evt.detail.topic as Topic, evt.detail.data)
    }
    const onSelfUpdate = (): void => {
      this.#refreshReservations()
      this.#beaconSoon()
    }
    const onSubscriptionChange = (): void => this.#beaconSoon()
    node.addEventListener('connection:open', onConnection)
    node.addEventListener('connection:close', onConnection)
    node.addEventListener('self:peer:update', onSelfUpdate)
    node.services.pubsub.addEventListener('message', onMessage)
    node.services.pubsub.addEventListener('subscription-change', onSubscriptionChange)
    this.#cleanup.push(
      () => node.removeEventListener('connection:open', onConnection),
      () => node.removeEventListener('connection:close', onConnection),
      () => node.removeEventListener('self:peer:update', onSelfUpdate),
      () => node.services.pubsub.removeEventListener('message', onMessage),
      () => node.services.pubsub.removeEventListener('subscription-change', onSubscriptionChange),
    )
    this.#hosting.start()
    await node.start()
    await Promise.all([...this.#relays.keys()].map((addr) => this.#dialRelay(addr)))
    const retry = setInterval(() => {
      for (const [addr, status] of this.#relays) {
        if (status.state === 'unreachable') void this.#dialRelay(addr)
      }
    }, this.#init.relayRetryMs ?? 5_000)
    this.#cleanup.push(() => clearInterval(retry))
    if (this.#init.discoveryTopic !== undefined) {
      node.services.pubsub.subscribe(this.#init.discoveryTopic)
      this.#hosting.host(this.#init.discoveryTopic)
      this.#beaconSoon()
    }
  }

  async stop(): Promise<void> {
    if (!this.#running) return
    this.#running = false
    clearTimeout(this.#beaconTimer)
    this.#hosting.stop()
    for (const fn of this.#cleanup.splice(0)) fn()
    await this.libp2p.stop()
    this.#peers.clear()
    this.#events.clear()
  }

  subscribe(topic: Topic): void {
    this.#assertRunning()
    this.libp2p.services.pubsub.subscribe(topic)
    this.#hosting.host(topic)
  }

  unsubscribe(topic: Topic): void {
    this.#assertRunning()
    this.libp2p.services.pubsub.unsubscribe(topic)
    this.#hosting.unhost(topic)
  }

  async publish(topic: Topic, data: Uint8Array): Promise<void> {
    this.#assertRunning()
    if (data.length > MAX_PUBSUB_MESSAGE) {
      throw new TooLargeError('pubsub message', data.length, MAX_PUBSUB_MESSAGE)
    }
    await this.libp2p.services.pubsub.publish(topic, data)
  }

  async handle(protocol: ProtocolId, handler: StreamHandler): Promise<void> {
    await this.libp2p.handle(protocol, async (stream, connection) => {
      try {
        await handler(framedStream(stream, asPeerId(connection.remotePeer.toString())))
      } catch (err) {
        this.#log.error('handler for %s failed - %e', protocol, err)
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      }
    })
  }

  async unhandle(protocol: ProtocolId): Promise<void> {
    await this.libp2p.unhandle(protocol)
  }

  async openStream(peer: PeerIdString, protocol: ProtocolId): Promise<FramedStream> {
    this.#assertRunning()
    const stream = await this.libp2p.dialProtocol(peerIdFromString(peer), protocol)
    return framedStream(stream, peer)
  }

  async dial(peer: PeerIdString, addrs: readonly string[]): Promise<void> {
    this.#assertRunning()
    const known = this.#peers.get(peer)
    if (known !== undefined && known.kind !== 'relayed') return
    const targets = addrs.filter((a) => a.endsWith(`/p2p/${peer}`))
    if (targets.length === 0) {
      await this.libp2p.dial(peerIdFromString(peer), {
        signal: AbortSignal.timeout(DIRECT_DIAL_TIMEOUT),
      })
      return
    }
    await this.libp2p.dial(
      targets.map((a) => multiaddr(a)),
      { signal: AbortSignal.timeout(DIRECT_DIAL_TIMEOUT) },
    )
  }

  peers(): PeerConnection[] {
    return [...this.#peers.values()]
  }

  relays(): RelayStatus[] {
    return [...this.#relays.values()]
  }

  addresses(): string[] {
    return this.libp2p.getMultiaddrs().map((ma) => ma.toString())
  }

  on<K extends keyof NetworkEvents>(
    type: K,
    listener: (event: NetworkEvents[K]) => void,
  ): () => void {
    return this.#events.on(type, listener)
  }

  #assertRunning(): void {
    if (!this.#running) throw new NotStartedError('the network is stopped; start it first')
  }

  #isRelay(peerId: PeerIdString): boolean {
    for (const id of this.#relayIds.values()) if (id === peerId) return true
    return false
  }

  async #dialRelay(addr: string): Promise<void> {
    const current = this.#relays.get(addr)
    if (current === undefined) return
    if (current.state === 'unreachable')
      this.#setRelay({ addr, peerId: current.peerId, state: 'connecting' })
    try {
      await this.libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(10_000) })
      this.#refreshReservations()
    } catch (err) {
      if (!this.#running) return
      const message = err instanceof Error ? err.message : String(err)
      this.#log('relay %s unreachable - %s', addr, message)
      this.#setRelay({ addr, peerId: current.peerId, state: 'unreachable', error: message })
    }
  }

  #setRelay(status: RelayStatus): void {
    const before = this.#relays.get(status.addr)
    this.#relays.set(status.addr, status)
    if (before?.state !== status.state || before.error !== status.error) {
      this.#events.emit('relay:change', status)
    }
  }

  /** Recomputes each relay's state from our connections and our advertised addresses. */
  #refreshReservations(): void {
    const addrs = this.addresses()
    for (const [addr, status] of this.#relays) {
      const id = status.peerId
      if (id === undefined) continue
      const connected = this.libp2p
        .getConnections(peerIdFromString(id))
        .some((c) => c.status === 'open')
      const reserved = addrs.some((a) => a.includes(`/p2p/${id}/p2p-circuit`))
      if (reserved) this.#setRelay({ addr, peerId: id, state: 'reserved' })
      else if (connected) this.#setRelay({ addr, peerId: id, state: 'connected' })
      else if (status.state !== 'connecting') {
        this.#setRelay({ ...status, state: 'unreachable', error: status.error ?? 'disconnected' })
      }
    }
  }

  #refresh(peerId: PeerIdString): void {
    if (!this.#running) return
    if (this.#isRelay(peerId)) {
      this.#refreshReservations()
      const connected = this.libp2p
        .getConnections(peerIdFromString(peerId))
        .some((c) => c.status === 'open' && c.limits === undefined)
      if (!connected) this.#hosting.relayDisconnected(peerId)
      return
    }
    const best = bestConnection(this.libp2p.getConnections(peerIdFromString(peerId)), false)
    const known = this.#peers.get(peerId)
    if (best === undefined) {
      if (known !== undefined) {
        this.#peers.delete(peerId)
        this.#events.emit('peer:disconnect', { peerId })
      }
      return
    }
    const next: PeerConnection = {
      peerId,
      kind: best.kind,
      remoteAddr: best.conn.remoteAddr.toString(),
    }
    this.#peers.set(peerId, next)
    if (known === undefined) this.#events.emit('peer:connect', next)
    else if (known.kind !== next.kind || known.remoteAddr !== next.remoteAddr) {
      this.#events.emit('peer:update', next)
    }
  }

  #onMessage(topic: Topic, data: Uint8Array): void {
    if (topic !== this.#init.discoveryTopic) {
      this.#events.emit('message', { topic, data })
      return
    }
    let beacon
    try {
      beacon = decodeBeacon(data)
    } catch (err) {
      this.#log('dropped a malformed beacon - %e', err)
      return
    }
    if (beacon.peerId === this.peerId || this.#isRelay(beacon.peerId)) return
    if (this.#peers.get(beacon.peerId)?.kind === 'webrtc') return
    if (this.peerId < beacon.peerId) {
      void this.#dialDirect(beacon.peerId, beacon.addrs)
    } else {
      const last = this.#answered.get(beacon.peerId) ?? 0
      if (Date.now() - last >= BEACON_ANSWER_INTERVAL) {
        this.#answered.set(beacon.peerId, Date.now())
        void this.#publishBeacon()
      }
    }
  }

  async #dialDirect(peerId: PeerIdString, addrs: readonly string[]): Promise<void> {
    if (this.#dialing.has(peerId)) return
    const targets = addrs.filter((a) => a.includes('/webrtc') && a.endsWith(`/p2p/${peerId}`))
    if (targets.length === 0) return
    this.#dialing.add(peerId)
    try {
      await this.libp2p.dial(
        targets.map((a) => multiaddr(a)),
        { signal: AbortSignal.timeout(DIRECT_DIAL_TIMEOUT) },
      )
    } catch (err) {
      this.#log('direct dial to %s failed - %e', peerId, err)
    } finally {
      this.#dialing.delete(peerId)
    }
  }

  /** Publishes a beacon now and schedules the next one, backing off to BEACON_MAX_INTERVAL. */
  #beaconSoon(): void {
    if (!this.#running || this.#init.discoveryTopic === undefined) return
    this.#beaconDelay = BEACON_FIRST_DELAY
    this.#scheduleBeacon()
  }

  #scheduleBeacon(): void {
    clearTimeout(this.#beaconTimer)
    this.#beaconTimer = setTimeout(() => {
      void this.#publishBeacon()
      this.#beaconDelay = Math.min(this.#beaconDelay * 2, BEACON_MAX_INTERVAL)
      if (this.#running) this.#scheduleBeacon()
    }, this.#beaconDelay)
  }

  async #publishBeacon(): Promise<void> {
    const topic = this.#init.discoveryTopic
    if (!this.#running || topic === undefined) return
    const addrs = this.addresses().filter((a) => a.includes('/webrtc'))
    if (addrs.length === 0) return
    try {
      await this.libp2p.services.pubsub.publish(
        topic,
        encodeBeacon({ peerId: this.peerId, addrs, sentAt: Date.now() }),
      )
    } catch (err) {
      this.#log('beacon not published - %e', err)
    }
  }
}
