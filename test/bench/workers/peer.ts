/**
 * A benchmark peer process: one or more Murmur peers (a libp2p network from
 * createLibp2pNetwork, optionally with a messenger on LevelDB or memory
 * storage), driven by the parent over IPC (lib/proc.ts). Every timing is
 * taken here, inside the process that sees the event, with performance.now()
 * (durations) or lib/serve.ts wallNow() (instants compared across processes).
 *
 * Besides the messenger, each peer serves two raw protocols for baselines on
 * the very same libp2p connections: an echo (`/murmur-bench/echo/1.0.0`,
 * bytes back as they come) and a sink (`/murmur-bench/sink/1.0.0`, counts
 * bytes and answers one byte once it has the number announced first).
 * A probe wraps gossipsub's RPC decoder to count what arrives on the wire
 * (RPCs, bytes, messages per topic), which is how duplicates and bytes per
 * receiver are measured without libp2p metrics.
 */

import { defaultLogger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection, Stream } from '@libp2p/interface'
import { createMessenger } from '@murmur/core'
import type { Messenger, StorageAdapter } from '@murmur/core'
import { createLibp2pNetwork } from '@murmur/net-libp2p'
import type { Libp2pNetwork } from '@murmur/net-libp2p'
import { asTopic, LOBBY_TOPIC } from '@murmur/protocol'
import type { Topic } from '@murmur/protocol'
import { createLevelStorage, createMemoryStorage } from '@murmur/store-level'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { serve, wallNow } from '../lib/serve.ts'

const ECHO = '/murmur-bench/echo/1.0.0'
const SINK = '/murmur-bench/sink/1.0.0'

interface Probe {
  rpcs: number
  rpcBytes: number
  /** topic → messages and their data bytes, as received (duplicates included). */
  topics: Map<
    string,
    { msgs: number; bytes: number; distinct: number; from: Record<string, number> }
  >
  seen: Set<string>
}

interface Peer {
  readonly network: Libp2pNetwork
  messenger: Messenger | undefined
  readonly storage: StorageAdapter | undefined
  readonly probe: Probe
  readonly t0: number
  readonly timeline: Record<string, number>
  /** conversation id → message key → arrival (wall ms). */
  readonly arrivals: Map<string, Map<string, number>>
  readonly rawArrivals: Map<string, Map<number, number>>
  readonly waiters: Set<(text: string) => void>
  messageCount: number
  readonly echo: Set<string>
}

const peers: Peer[] = []

function peerOf(args: Record<string, unknown>): Peer {
  const peer = peers[Number(args.peer ?? 0)]
  if (peer === undefined) throw new Error(`no peer ${String(args.peer ?? 0)}; init one first`)
  return peer
}

function messengerOf(peer: Peer): Messenger {
  if (peer.messenger === undefined) throw new Error('this peer has no messenger')
  return peer.messenger
}

function webrtcConnection(peer: Peer, remote: string): Connection {
  const conn = peer.network.libp2p
    .getConnections(peerIdFromString(remote))
    .find(
      (c) =>
        c.status === 'open' &&
        c.limits === undefined &&
        c.remoteAddr.toString().includes('/webrtc'),
    )
  if (conn === undefined) throw new Error(`no direct WebRTC connection to ${remote}`)
  return conn
}

function hasDirect(peer: Peer, remote: string): boolean {
  return peer.network.peers().some((p) => p.peerId === remote && p.kind === 'webrtc')
}

const bytesOf = (data: Uint8Array | { subarray(): Uint8Array }): Uint8Array =>
  data instanceof Uint8Array ? data : data.subarray()

function installProbe(network: Libp2pNetwork, probe: Probe): void {
  type Rpc = { messages?: Array<{ topic?: string; data?: Uint8Array }> }
  const pubsub = network.libp2p.services.pubsub as unknown as {
    decodeRpc(bytes: Uint8Array): Rpc
    handleReceivedRpc(from: { toString(): string }, rpc: Rpc): Promise<void>
  }
  const decode = pubsub.decodeRpc.bind(pubsub)
  pubsub.decodeRpc = (bytes) => {
    probe.rpcs++
    probe.rpcBytes += bytes.length
    return decode(bytes)
  }
  const handle = pubsub.handleReceivedRpc.bind(pubsub)
  pubsub.handleReceivedRpc = (from, rpc) => {
    for (const m of rpc.messages ?? []) {
      const t = probe.topics.get(m.topic ?? '') ?? { msgs: 0, bytes: 0, distinct: 0, from: {} }
      t.msgs++
      t.bytes += m.data?.length ?? 0
      const sender = from.toString().slice(-8)
      t.from[sender] = (t.from[sender] ?? 0) + 1
      // Envelopes differ in their first 64 bytes (header: tags, seq); raw payloads in their index.
      const id = `${m.topic}:${Buffer.from(m.data?.subarray(0, 64) ?? []).toString('base64')}`
      if (!probe.seen.has(id)) {
        probe.seen.add(id)
        t.distinct++
      }
      probe.topics.set(m.topic ?? '', t)
    }
    return handle(from, rpc)
  }
}

async function serveRaw(network: Libp2pNetwork): Promise<void> {
  const node = network.libp2p
  await node.handle(
    ECHO,
    (stream: Stream) => {
      stream.addEventListener('message', (evt) => {
        stream.send(bytesOf(evt.data))
      })
      stream.addEventListener('remoteCloseWrite', () => void stream.close().catch(() => undefined))
    },
    { runOnLimitedConnection: true },
  )
  await node.handle(SINK, (stream: Stream) => {
    let expected = -1
    let got = 0
    let head = new Uint8Array(0)
    stream.addEventListener('message', (evt) => {
      let chunk = bytesOf(evt.data)
      if (expected < 0) {
        const joined = new Uint8Array(head.length + chunk.length)
        joined.set(head)
        joined.set(chunk, head.length)
        if (joined.length < 8) {
          head = joined
          return
        }
        expected = Number(new DataView(joined.buffer, joined.byteOffset).getBigUint64(0))
        chunk = joined.subarray(8)
      }
      got += chunk.length
      if (got >= expected) {
        stream.send(new Uint8Array([1]))
        void stream.close().catch(() => undefined)
      }
    })
  })
}

async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!check()) {
    if (performance.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

function padded(prefix: string, size: number): string {
  return prefix + 'x'.repeat(Math.max(0, size - prefix.length))
}

const served = serve(
  {
    async init(args) {
      const relays = (args.relays as string[] | undefined) ?? []
      const storage =
        args.dataDir !== undefined
          ? await createLevelStorage({ path: String(args.dataDir) })
          : args.messenger === false
            ? undefined
            : createMemoryStorage()
      const network = await createLibp2pNetwork({
        relays,
        // As `murmur client` does: no lobby; members meet through presence on
        // the conversation topics their relays host. `discovery: true` adds the lobby.
        ...(args.discovery === true ? { discoveryTopic: LOBBY_TOPIC } : {}),
      })
      const probe: Probe = { rpcs: 0, rpcBytes: 0, topics: new Map(), seen: new Set() }
      installProbe(network, probe)
      const timeline: Record<string, number> = {}
      const t0 = performance.now()
      const mark = (name: string): void => {
        timeline[name] ??= performance.now() - t0
      }
      network.on('relay:change', (s) => mark(`relay:${s.state}`))
      network.on('peer:connect', (p) => mark(`${p.kind}:${p.peerId}`))
      network.on('peer:update', (p) => mark(`${p.kind}:${p.peerId}`))
      await network.start()
      const startedMs = performance.now() - t0
      await serveRaw(network)
      const peer: Peer = {
        network,
        messenger: undefined,
        storage,
        probe,
        t0,
        timeline,
        arrivals: new Map(),
        rawArrivals: new Map(),
        waiters: new Set(),
        messageCount: 0,
        echo: new Set(),
      }
      if (storage !== undefined) {
        const messenger = await createMessenger({
          storage,
          network,
          name: String(args.name ?? 'bench'),
          relays,
          // As `murmur client` does: the messenger logs under DEBUG=murmur*.
          logger: defaultLogger().forComponent('murmur:messenger'),
          syncIntervalMs: Number(args.syncIntervalMs ?? 30_000),
          presenceIntervalMs: Number(args.presenceIntervalMs ?? 15_000),
        })
        messenger.on('sync', (e) => {
          if (e.done && e.peerId !== undefined) mark(`sync:${e.peerId}`)
        })
        messenger.on('message', (e) => {
          if (e.mine) return
          const at = wallNow()
          peer.messageCount++
          const track = peer.arrivals.get(e.conversationId)
          if (track !== undefined) {
            const key = e.text.slice(0, e.text.indexOf('|', 2) + 1)
            if (!track.has(key)) track.set(key, at)
          }
          if (peer.echo.has(e.conversationId) && e.text.startsWith('p|')) {
            void messenger.send(e.conversationId, `e${e.text.slice(1)}`)
          }
          for (const w of peer.waiters) w(e.text)
        })
        peer.messenger = messenger
      }
      network.on('message', ({ topic, data }) => {
        const track = peer.rawArrivals.get(topic)
        if (track === undefined || data.length < 4) return
        const i = new DataView(data.buffer, data.byteOffset).getUint32(0)
        if (!track.has(i)) track.set(i, wallNow())
      })
      const index = peers.push(peer) - 1
      return {
        peer: index,
        peerId: network.peerId,
        userId: peer.messenger?.userId,
        startedMs,
        addrs: network.addresses(),
      }
    },

    addresses(args) {
      return { addrs: peerOf(args).network.addresses() }
    },

    timeline(args) {
      return { timeline: peerOf(args).timeline }
    },

    async waitTimeline(args) {
      const peer = peerOf(args)
      const key = String(args.key)
      await until(() => peer.timeline[key] !== undefined, key, Number(args.timeoutMs ?? 60_000))
      return { timeline: peer.timeline }
    },

    async createGroup(args) {
      const m = messengerOf(peerOf(args))
      return { conversationId: await m.createConversation({ name: String(args.name ?? 'Bench') }) }
    },

    conversations(args) {
      return { conversations: messengerOf(peerOf(args)).conversations() }
    },

    invite(args) {
      return { link: messengerOf(peerOf(args)).invite(String(args.conversationId)) }
    },

    /**
     * Joins by invite and, with `expect`, waits for that many new messages.
     * Reports when join() resolved, when the 'joined' event came, and when
     * the last expected message arrived, all from the join() call.
     */
    async join(args) {
      const peer = peerOf(args)
      const m = messengerOf(peer)
      const expect = Number(args.expect ?? 0)
      const before = peer.messageCount
      const t0 = performance.now()
      let joinedEventMs: number | undefined
      const off = m.on('joined', () => (joinedEventMs ??= performance.now() - t0))
      let historyMs: number | undefined
      let firstMessageMs: number | undefined
      const watch = (): void => {
        firstMessageMs ??= performance.now() - t0
        if (historyMs === undefined && peer.messageCount - before >= expect)
          historyMs = performance.now() - t0
      }
      peer.waiters.add(watch)
      try {
        const joining = m.join(String(args.link), { timeoutMs: Number(args.timeoutMs ?? 60_000) })
        const conversationId = await joining
        const joinMs = performance.now() - t0
        if (expect > 0) {
          // Bounded by a stall (no new message for stallMs), not by the total.
          const stallMs = Number(args.stallMs ?? 60_000)
          let seen = peer.messageCount
          let lastProgress = performance.now()
          await until(
            () => {
              if (peer.messageCount !== seen) {
                seen = peer.messageCount
                lastProgress = performance.now()
              }
              if (performance.now() - lastProgress > stallMs)
                throw new Error(`history stalled at ${peer.messageCount - before} of ${expect}`)
              return historyMs !== undefined
            },
            'history',
            3_600_000,
          )
        }
        return {
          conversationId,
          joinMs,
          joinedEventMs,
          historyMs: historyMs ?? joinMs,
          firstMessageMs,
          doneMs: Math.max(joinMs, historyMs ?? 0),
          received: peer.messageCount - before,
        }
      } finally {
        off()
        peer.waiters.delete(watch)
      }
    },

    async waitMembers(args) {
      const m = messengerOf(peerOf(args))
      const n = Number(args.count)
      await until(
        () => m.members(String(args.conversationId)).length >= n,
        `${n} members`,
        Number(args.timeoutMs ?? 60_000),
      )
      return {}
    },

    async waitDirect(args) {
      const peer = peerOf(args)
      const ids = (args.peerIds as string[] | undefined) ?? [String(args.peerId)]
      const t0 = performance.now()
      await until(
        () =>
          ids.every((id) =>
            peer.network.peers().some((p) => p.peerId === id && p.kind === 'webrtc'),
          ),
        `WebRTC to ${ids.length} peer(s)`,
        Number(args.timeoutMs ?? 60_000),
      )
      return { ms: performance.now() - t0 }
    },

    /** Waits until gossipsub here knows every given peer subscribed to the topic. */
    async waitSubscribers(args) {
      const peer = peerOf(args)
      const ids = args.peerIds as string[]
      let topic = args.topic as string | undefined
      if (topic === undefined) topic = conversationTopic(peer, String(args.conversationId))
      const t = topic
      const pubsub = peer.network.libp2p.services.pubsub
      await until(
        () => {
          const subs = new Set(pubsub.getSubscribers(t).map(String))
          return ids.every((id) => subs.has(id))
        },
        `${ids.length} subscribers on ${t}`,
        Number(args.timeoutMs ?? 60_000),
      )
      return { topic: t }
    },

    /** A conversation's topic, and how many peers gossipsub here knows to be subscribed to it. */
    subscribers(args) {
      const peer = peerOf(args)
      const topic = conversationTopic(peer, String(args.conversationId))
      return { topic, count: peer.network.libp2p.services.pubsub.getSubscribers(topic).length }
    },

    /** Sends one text message. */
    async send(args) {
      await messengerOf(peerOf(args)).send(String(args.conversationId), String(args.text))
      return {}
    },

    echo(args) {
      peerOf(args).echo.add(String(args.conversationId))
      return {}
    },

    /** Round trips through the messenger: send "p|i|…", the other side echoes "e|i|…". */
    async latency(args) {
      const peer = peerOf(args)
      const m = messengerOf(peer)
      const cid = String(args.conversationId)
      const size = Number(args.size)
      const count = Number(args.count)
      const warmup = Number(args.warmup ?? 10)
      const gapMs = Number(args.gapMs ?? 5)
      const oneWay: number[] = []
      const sendMs: number[] = []
      for (let i = 0; i < warmup + count; i++) {
        const tag = `e|${i}-${size}|`
        const got = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => {
            peer.waiters.delete(w)
            reject(new Error(`no echo of message ${i} within 10 s`))
          }, 10_000)
          const w = (text: string): void => {
            if (!text.startsWith(tag)) return
            clearTimeout(timer)
            peer.waiters.delete(w)
            resolve()
          }
          peer.waiters.add(w)
        })
        const t0 = performance.now()
        await m.send(cid, padded(`p|${i}-${size}|`, size))
        const t1 = performance.now()
        await got
        const rtt = performance.now() - t0
        if (i >= warmup) {
          oneWay.push(rtt / 2)
          sendMs.push(t1 - t0)
        }
        await new Promise((r) => setTimeout(r, gapMs))
      }
      return { oneWay, sendMs }
    },

    /** The same round trips as `latency`, as raw bytes on a libp2p stream over the same connection. */
    async rawLatency(args) {
      const peer = peerOf(args)
      const size = Number(args.size)
      const count = Number(args.count)
      const warmup = Number(args.warmup ?? 10)
      const gapMs = Number(args.gapMs ?? 5)
      const conn = webrtcConnection(peer, String(args.peerId))
      const stream = await conn.newStream(ECHO)
      let received = 0
      let wake: (() => void) | undefined
      stream.addEventListener('message', (evt) => {
        received += bytesOf(evt.data).length
        wake?.()
      })
      const oneWay: number[] = []
      const payload = new Uint8Array(size).fill(7)
      for (let i = 0; i < warmup + count; i++) {
        const target = received + size
        const t0 = performance.now()
        if (!stream.send(payload)) await stream.onDrain()
        while (received < target) await new Promise<void>((r) => (wake = r))
        const rtt = performance.now() - t0
        if (i >= warmup) oneWay.push(rtt / 2)
        await new Promise((r) => setTimeout(r, gapMs))
      }
      await stream.close().catch(() => undefined)
      return { oneWay }
    },

    /** Sends `count` bytes in `chunk`-sized writes to the peer's sink; ms until it acknowledges all. */
    async rawTransfer(args) {
      const peer = peerOf(args)
      const total = Number(args.bytes)
      const chunk = Number(args.chunk ?? 64 * 1024)
      const remote = String(args.peerId)
      if (args.addrs !== undefined && !hasDirect(peer, remote)) {
        await peer.network.dial(remote as never, args.addrs as string[])
        await until(() => hasDirect(peer, remote), 'a direct connection', 30_000)
      }
      const conn = webrtcConnection(peer, remote)
      const t0 = performance.now()
      const stream = await conn.newStream(SINK)
      const done = new Promise<void>((resolve) =>
        stream.addEventListener('message', () => resolve()),
      )
      const head = new Uint8Array(8)
      new DataView(head.buffer).setBigUint64(0, BigInt(total))
      if (!stream.send(head)) await stream.onDrain()
      const block = new Uint8Array(chunk).fill(3)
      for (let sent = 0; sent < total; sent += chunk) {
        const piece = sent + chunk <= total ? block : block.subarray(0, total - sent)
        if (!stream.send(piece)) await stream.onDrain()
      }
      await done
      const ms = performance.now() - t0
      await stream.close().catch(() => undefined)
      return { ms }
    },

    /** XChaCha20-Poly1305 opening of `count` boxes of `size` bytes (each with its own nonce). */
    rawDecrypt(args) {
      const count = Number(args.count)
      const size = Number(args.size)
      const key = new Uint8Array(32).fill(9)
      const aad = new Uint8Array(54).fill(1)
      const boxes: Array<{ nonce: Uint8Array; ct: Uint8Array }> = []
      const distinct = Math.min(count, 1000)
      for (let i = 0; i < distinct; i++) {
        const nonce = new Uint8Array(24)
        new DataView(nonce.buffer).setUint32(0, i)
        boxes.push({ nonce, ct: xchacha20poly1305(key, nonce, aad).encrypt(new Uint8Array(size)) })
      }
      const t0 = performance.now()
      for (let i = 0; i < count; i++) {
        const b = boxes[i % distinct] as { nonce: Uint8Array; ct: Uint8Array }
        xchacha20poly1305(key, b.nonce, aad).decrypt(b.ct)
      }
      return { ms: performance.now() - t0 }
    },

    track(args) {
      const peer = peerOf(args)
      peer.arrivals.set(String(args.conversationId), new Map())
      return {}
    },

    arrivals(args) {
      const peer = peerOf(args)
      const track = peer.arrivals.get(String(args.conversationId)) ?? new Map()
      return { arrivals: Object.fromEntries(track), probe: probeOf(peer) }
    },

    probe(args) {
      return probeOf(peerOf(args))
    },

    /** Sends `count` messages "f|i|…" of `size` bytes, at most `window` in flight. */
    async burst(args) {
      const peer = peerOf(args)
      const m = messengerOf(peer)
      const cid = String(args.conversationId)
      const count = Number(args.count)
      const size = Number(args.size)
      const window = Number(args.window ?? 1)
      const gapMs = Number(args.gapMs ?? 0)
      const sendWall: number[] = []
      const t0 = performance.now()
      const inFlight = new Set<Promise<unknown>>()
      for (let i = 0; i < count; i++) {
        sendWall.push(wallNow())
        const p = m.send(cid, padded(`f|${i}|`, size)).finally(() => inFlight.delete(p))
        inFlight.add(p)
        if (inFlight.size >= window) await Promise.race(inFlight)
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs))
      }
      await Promise.all(inFlight)
      return { sendWall, ms: performance.now() - t0 }
    },

    rawSubscribe(args) {
      const peer = peerOf(args)
      const topic = asTopic(String(args.topic))
      peer.network.subscribe(topic)
      peer.rawArrivals.set(topic, new Map())
      return {}
    },

    rawArrivals(args) {
      const peer = peerOf(args)
      return { arrivals: Object.fromEntries(peer.rawArrivals.get(String(args.topic)) ?? new Map()) }
    },

    /** Publishes `count` raw payloads of `size` bytes (index in the first 4) on a topic. */
    async rawBurst(args) {
      const peer = peerOf(args)
      const topic = asTopic(String(args.topic)) as Topic
      const count = Number(args.count)
      const size = Number(args.size)
      const window = Number(args.window ?? 1)
      const sendWall: number[] = []
      const t0 = performance.now()
      const inFlight = new Set<Promise<unknown>>()
      for (let i = 0; i < count; i++) {
        const data = new Uint8Array(size)
        crypto.getRandomValues(data.subarray(4, Math.min(size, 36)))
        new DataView(data.buffer).setUint32(0, i)
        sendWall.push(wallNow())
        const p = peer.network.publish(topic, data).finally(() => inFlight.delete(p))
        inFlight.add(p)
        if (inFlight.size >= window) await Promise.race(inFlight)
      }
      await Promise.all(inFlight)
      return { sendWall, ms: performance.now() - t0 }
    },

    /** Raw dial + ping through the relay (circuit) or to a WebRTC address, timed from before start. */
    async rawDial(args) {
      const peer = peerOf(args)
      const { multiaddr } = await import('@multiformats/multiaddr')
      const t0 = performance.now()
      const conn = await peer.network.libp2p.dial(
        (args.addrs as string[]).map((a) => multiaddr(a)),
        { signal: AbortSignal.timeout(30_000) },
      )
      const dialMs = performance.now() - t0
      const ping = peer.network.libp2p.services.ping as {
        ping(target: unknown, options?: unknown): Promise<number>
      }
      await ping.ping(conn.remotePeer, { signal: AbortSignal.timeout(30_000) })
      return {
        dialMs,
        pingMs: performance.now() - t0 - dialMs,
        totalMs: performance.now() - peer.t0,
        kind: conn.limits === undefined ? 'direct' : 'limited',
        remoteAddr: conn.remoteAddr.toString(),
      }
    },

    async history(args) {
      const m = messengerOf(peerOf(args))
      const t0 = performance.now()
      const messages = await m.history(String(args.conversationId), {
        limit: Number(args.limit ?? 50),
      })
      return { count: messages.length, ms: performance.now() - t0 }
    },

    status(args) {
      const peer = peerOf(args)
      return {
        status: peer.messenger?.status(),
        peers: peer.network.peers(),
        connections: peer.network.libp2p.getConnections().length,
        messageCount: peer.messageCount,
        members: peer.messenger
          ?.conversations()
          .map((c) => peer.messenger?.members(c.conversationId).length),
      }
    },

    memory() {
      return { ...process.memoryUsage() }
    },

    gc() {
      ;(globalThis as { gc?: () => void }).gc?.()
      return { ...process.memoryUsage() }
    },

    async syncNow(args) {
      await messengerOf(peerOf(args)).syncNow()
      return {}
    },

    /** Dials a peer at the given addresses and waits for a direct WebRTC connection. */
    async dialPeer(args) {
      const peer = peerOf(args)
      const remote = String(args.peerId)
      const t0 = performance.now()
      await peer.network.dial(remote as never, args.addrs as string[])
      await until(() => hasDirect(peer, remote), 'a direct connection', 30_000)
      return { ms: performance.now() - t0 }
    },

    /** Closes one peer (messenger, network, storage), keeping the process. */
    async close(args) {
      const peer = peerOf(args)
      await closePeer(peer)
      return {}
    },
  },
  {
    async cleanup() {
      await Promise.all(peers.map((p) => closePeer(p)))
    },
  },
)
void served

const closed = new WeakSet<Peer>()
async function closePeer(peer: Peer): Promise<void> {
  if (closed.has(peer)) return
  closed.add(peer)
  await peer.messenger?.close()
  await peer.network.stop()
  await peer.storage?.close()
}

function probeOf(peer: Peer): Record<string, unknown> {
  return {
    rpcs: peer.probe.rpcs,
    rpcBytes: peer.probe.rpcBytes,
    topics: Object.fromEntries(peer.probe.topics),
  }
}

/** The conversation's pubsub topic: each benchmark peer is in one conversation, so the one `/murmur/c/` topic. */
function conversationTopic(peer: Peer, conversationId: string): string {
  const topics = peer.network.libp2p.services.pubsub
    .getTopics()
    .filter((t) => t.startsWith('/murmur/c/'))
  if (topics.length === 1) return topics[0] as string
  throw new Error(`cannot tell the topic of ${conversationId} among ${topics.join(', ')}`)
}
