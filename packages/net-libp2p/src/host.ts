/**
 * Topic hosting, relay side: a libp2p service that answers `/murmur/host/1.0.0`
 * (format in @murmur/protocol's host.ts) and keeps the relay a gossipsub member
 * of every topic its connected peers ask it to host. Peers connected only
 * through the relay then still exchange messages on topics the relay could not
 * otherwise know (conversation topics are derived from group secrets).
 *
 * - A topic is subscribed while at least one connected peer hosts it. When its
 *   last host unhosts it or disconnects, the subscription stays for a grace
 *   period (`hostGraceMs`, default 10 min) so a reloading page or a flapping
 *   connection does not churn gossipsub, then it is dropped.
 * - Quotas: `maxTopicsPerPeer` (default 512) topics per peer, and
 *   `maxHostedTopics` (default 20,000) topics for all peers together, grace
 *   periods included. A request over either is refused whole (`refused`), and
 *   nothing of it is applied. When the relay is full, topics in their grace
 *   period give way, oldest first, before a request is refused.
 * - Permanent topics (the lobby, the demo chat) are subscribed at start and
 *   never dropped; hosting one counts against the peer's quota only.
 * - The relay tells each peer about its permanent topics and about the topics
 *   that peer hosts, and about no others (gossip.ts, `filterAnnouncements`):
 *   gossipsub would otherwise send every peer the whole list, in one RPC that
 *   past 512 topics no Murmur peer accepts, and show everyone which topics the
 *   relay carries.
 * - A malformed or oversized frame aborts the stream; the relay carries on.
 */

import type {
  ComponentLogger,
  Connection,
  Libp2pEvents,
  Logger,
  PeerId,
  Startable,
  Stream,
  StreamHandler,
  StreamHandlerOptions,
  TypedEventTarget,
} from '@libp2p/interface'
import {
  asPeerId,
  decodeHostRequest,
  encodeHostReply,
  HOST_PROTOCOL,
  MAX_HOST_FRAME_BYTES,
} from '@murmur/protocol'
import type { HostReply, HostRequest, PeerIdString, Topic } from '@murmur/protocol'
import { framedStream } from './framed.ts'
import { announceSubscriptions, filterAnnouncements } from './gossip.ts'
import type { GossipSub } from './gossip.ts'

export interface TopicHostInit {
  /** Topics subscribed at start and never dropped. */
  readonly permanent: readonly Topic[]
  readonly maxTopicsPerPeer: number
  readonly maxHostedTopics: number
  /** How long a topic nobody hosts any more stays subscribed. */
  readonly graceMs: number
}

export interface TopicHostComponents {
  readonly registrar: {
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
    unhandle(protocol: string): Promise<void>
  }
  readonly events: TypedEventTarget<Libp2pEvents>
  readonly logger: ComponentLogger
  readonly pubsub: GossipSub
}

/** What a relay's topic host tells about itself, for diagnostics and tests. */
export interface TopicHost {
  /** Topics subscribed for peers, those in their grace period included; permanent ones excluded. */
  hostedTopics(): Topic[]
  /** How many connected peers host `topic`. */
  hostsOf(topic: Topic): number
}

/** Host streams one connection may have open at once; a peer sends one at a time. */
const MAX_INBOUND_STREAMS = 2

export function topicHost(init: TopicHostInit): (components: TopicHostComponents) => TopicHost {
  return (components) => new TopicHostService(init, components)
}

class TopicHostService implements TopicHost, Startable {
  readonly #init: TopicHostInit
  readonly #components: TopicHostComponents
  readonly #log: Logger
  readonly #permanent: ReadonlySet<Topic>
  /** Hosted topics → the connected peers hosting them (empty while in grace). */
  readonly #hosts = new Map<Topic, Set<PeerIdString>>()
  /** Topics in their grace period, in the order they entered it. */
  readonly #grace = new Map<Topic, ReturnType<typeof setTimeout>>()
  /** Peers → the topics they host, permanent ones included. */
  readonly #byPeer = new Map<PeerIdString, Set<Topic>>()
  readonly #onDisconnect = (evt: CustomEvent<PeerId>): void => {
    this.#dropPeer(asPeerId(evt.detail.toString()))
  }

  constructor(init: TopicHostInit, components: TopicHostComponents) {
    this.#init = init
    this.#components = components
    this.#log = components.logger.forComponent('murmur:relay')
    this.#permanent = new Set(init.permanent)
    filterAnnouncements(components.pubsub, (peer, topics) => {
      const mine = this.#byPeer.get(asPeerId(peer))
      return topics.filter((t) => this.#permanent.has(t as Topic) || mine?.has(t as Topic) === true)
    })
  }

  readonly [Symbol.toStringTag] = 'murmur/topic-host'

  async start(): Promise<void> {
    this.#components.events.addEventListener('peer:disconnect', this.#onDisconnect)
    await this.#components.registrar.handle(
      HOST_PROTOCOL,
      (stream, connection) => this.#serve(stream, connection),
      { maxInboundStreams: MAX_INBOUND_STREAMS },
    )
  }

  /** Gossipsub accepts subscriptions only once it has started. */
  afterStart(): void {
    for (const topic of this.#permanent) this.#components.pubsub.subscribe(topic)
  }

  async stop(): Promise<void> {
    this.#components.events.removeEventListener('peer:disconnect', this.#onDisconnect)
    await this.#components.registrar.unhandle(HOST_PROTOCOL)
    for (const timer of this.#grace.values()) clearTimeout(timer)
    this.#grace.clear()
    this.#hosts.clear()
    this.#byPeer.clear()
  }

  hostedTopics(): Topic[] {
    return [...this.#hosts.keys()]
  }

  hostsOf(topic: Topic): number {
    if (this.#permanent.has(topic)) {
      let n = 0
      for (const topics of this.#byPeer.values()) if (topics.has(topic)) n++
      return n
    }
    return this.#hosts.get(topic)?.size ?? 0
  }

  async #serve(stream: Stream, connection: Connection): Promise<void> {
    const peer = asPeerId(connection.remotePeer.toString())
    const framed = framedStream(stream, peer, MAX_HOST_FRAME_BYTES)
    try {
      for await (const frame of framed.frames()) {
        const request = decodeHostRequest(frame)
        // A frame still buffered when the peer went away must not host for nobody.
        const reply: HostReply =
          connection.status === 'open'
            ? this.#apply(peer, request)
            : { type: 'refused', reason: 'the connection is closing' }
        await framed.send(encodeHostReply(reply))
      }
      await framed.close()
    } catch (err) {
      this.#log('host stream from %s aborted - %e', peer, err)
      framed.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  #apply(peer: PeerIdString, request: HostRequest): HostReply {
    if (request.type === 'unhost') {
      const mine = this.#byPeer.get(peer)
      for (const topic of request.topics) {
        if (mine?.delete(topic) === true) this.#release(topic, peer)
      }
      if (mine?.size === 0) this.#byPeer.delete(peer)
      return { type: 'ok', hosted: mine?.size ?? 0 }
    }

    const mine = this.#byPeer.get(peer) ?? new Set<Topic>()
    const fresh = [...new Set(request.topics)].filter((t) => !mine.has(t))
    const { maxTopicsPerPeer, maxHostedTopics } = this.#init
    if (mine.size + fresh.length > maxTopicsPerPeer) {
      this.#log('refused %s: %d topics over its quota', peer, mine.size + fresh.length)
      return {
        type: 'refused',
        reason: `this relay hosts at most ${maxTopicsPerPeer} topics per peer; this request would make ${mine.size + fresh.length}`,
      }
    }
    const added = fresh.filter((t) => !this.#permanent.has(t) && !this.#hosts.has(t)).length
    const live = this.#hosts.size - this.#grace.size
    if (live + added > maxHostedTopics) {
      this.#log('refused %s: the relay hosts %d topics, %d more asked', peer, live, added)
      return {
        type: 'refused',
        reason: `this relay is full: it hosts ${live} of at most ${maxHostedTopics} topics`,
      }
    }
    // Make room by letting the oldest topics in their grace period go (not those asked for).
    const asked = new Set(fresh)
    for (const topic of [...this.#grace.keys()]) {
      if (this.#hosts.size + added <= maxHostedTopics) break
      if (!asked.has(topic)) this.#drop(topic)
    }

    if (fresh.length > 0) this.#byPeer.set(peer, mine)
    // Topics we were already in: gossipsub will not announce them again, so tell this peer.
    const known: Topic[] = []
    for (const topic of fresh) {
      mine.add(topic) // before subscribe(), whose announcement the filter lets through to `peer`
      if (this.#permanent.has(topic)) {
        known.push(topic)
        continue
      }
      const hosts = this.#hosts.get(topic)
      if (hosts === undefined) {
        this.#hosts.set(topic, new Set([peer]))
        this.#components.pubsub.subscribe(topic)
      } else {
        hosts.add(peer)
        known.push(topic)
        const timer = this.#grace.get(topic)
        if (timer !== undefined) {
          clearTimeout(timer)
          this.#grace.delete(topic)
        }
      }
    }
    if (known.length > 0) announceSubscriptions(this.#components.pubsub, peer, known)
    this.#log.trace('%s hosts %d topics (%d new)', peer, mine.size, fresh.length)
    return { type: 'ok', hosted: mine.size }
  }

  #dropPeer(peer: PeerIdString): void {
    const mine = this.#byPeer.get(peer)
    if (mine === undefined) return
    this.#byPeer.delete(peer)
    for (const topic of mine) this.#release(topic, peer)
  }

  /** `peer` no longer hosts `topic`; the last host leaving starts the grace period. */
  #release(topic: Topic, peer: PeerIdString): void {
    const hosts = this.#hosts.get(topic)
    if (hosts === undefined || !hosts.delete(peer) || hosts.size > 0) return
    this.#grace.set(
      topic,
      setTimeout(() => this.#drop(topic), this.#init.graceMs),
    )
  }

  #drop(topic: Topic): void {
    clearTimeout(this.#grace.get(topic))
    this.#grace.delete(topic)
    this.#hosts.delete(topic)
    try {
      this.#components.pubsub.unsubscribe(topic)
    } catch (err) {
      // Gossipsub stops alongside this service and forgets every subscription anyway.
      this.#log('could not leave %s - %e', topic, err)
      return
    }
    this.#log.trace('no longer hosts %s', topic)
  }
}
