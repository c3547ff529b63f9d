/**
 * The NetworkAdapter compliance suite over real libp2p, in one process: a relay
 * on loopback WebSockets and three peers that find each other through lobby
 * beacons and upgrade to direct WebRTC. One relay and one set of peers serve
 * the whole suite; they take a few seconds to meet.
 */

import { generateKeyPair } from '@libp2p/crypto/keys'
import type { NetworkAdapter } from '@murmur/core'
import { networkAdapterCompliance } from '@murmur/core/testing'
import type { NetworkHarness } from '@murmur/core/testing'
import { asPeerId, LOBBY_TOPIC } from '@murmur/protocol'
import type { Topic } from '@murmur/protocol'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2pNetwork } from './peer.ts'
import type { Libp2pNetwork } from './peer.ts'
import { createRelayNode } from './relay.ts'

const WAIT_MS = 20_000
/** Long enough for a gossipsub duplicate or a stray frame to cross loopback WebRTC. */
const SETTLE_MS = 500

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

async function libp2pHarness(): Promise<NetworkHarness> {
  const relay = await createRelayNode({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0/ws'],
    topics: [LOBBY_TOPIC],
  })
  await relay.start()
  const relayAddr = relay.getMultiaddrs()[0]?.toString()
  if (relayAddr === undefined) throw new Error('the relay has no address')

  const made = new Map<string, Libp2pNetwork>()
  const make = async (discover: boolean): Promise<Libp2pNetwork> => {
    const peer = await createLibp2pNetwork({
      relays: [relayAddr],
      ...(discover ? { discoveryTopic: LOBBY_TOPIC } : {}),
    })
    made.set(peer.peerId, peer)
    return peer
  }
  const own = (adapter: NetworkAdapter): Libp2pNetwork => {
    const peer = made.get(adapter.peerId)
    if (peer === undefined) throw new Error(`${adapter.peerId} was not made by this harness`)
    return peer
  }
  const direct = (from: NetworkAdapter, to: NetworkAdapter): boolean => {
    const kind = from.peers().find((p) => p.peerId === to.peerId)?.kind
    return kind === 'webrtc' || kind === 'direct'
  }

  const peers = [await make(true), await make(true), await make(true)] as const
  await Promise.all(peers.map((p) => p.start()))

  return {
    peers,
    relayIds: [asPeerId(relay.peerId.toString())],

    // The lobby beacons connect the three shared peers by themselves; a peer
    // made by createPeer() does not beacon, so dial its WebRTC address. A
    // WebRTC dial on loopback now and then stalls until libp2p's 6 s address
    // timeout; like the beacons, try again.
    async connect(x, y) {
      const target = own(y)
      const webrtc = (): string[] =>
        target.addresses().filter((a) => a.includes('/p2p-circuit/webrtc'))
      const deadline = Date.now() + WAIT_MS
      let lastError: unknown
      while (!(direct(x, y) && direct(y, x))) {
        if (Date.now() > deadline) {
          throw new Error(
            `timed out waiting for a direct connection ${x.peerId} <-> ${y.peerId}` +
              (lastError === undefined ? '' : ` (last dial: ${String(lastError)})`),
            { cause: lastError },
          )
        }
        if (!direct(x, y) && webrtc().length > 0) {
          try {
            await own(x).libp2p.dial(
              webrtc().map((a) => multiaddr(a)),
              { signal: AbortSignal.timeout(Math.max(deadline - Date.now(), 1)) },
            )
          } catch (err) {
            lastError = err
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    },

    // Gossipsub sends to peers whose subscription it has heard of; until then a
    // publish is lost.
    async waitForMesh(from, to, topic: Topic) {
      const pubsub = own(from).libp2p.services.pubsub
      await until(
        () => pubsub.getSubscribers(topic).some((id) => id.toString() === to.peerId),
        `${from.peerId} to see ${to.peerId} subscribed to ${topic}`,
      )
    },

    settle: () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS)),
    createPeer: () => make(false),
    // An abort sends a RESET flag and closes the data channel at once; the
    // remote sometimes sees only the close (see the suite's header).
    resetMayArriveAsClose: true,

    async teardown() {
      for (const peer of made.values()) await peer.stop()
      await relay.stop()
    },
  }
}

networkAdapterCompliance('libp2p over a relay and direct WebRTC', libp2pHarness)
