/**
 * A NetworkAdapter that reaches no one: publishes go nowhere (optionally
 * recorded), there are no peers and no streams. For benchmarks of the
 * engine's own work — storage, sealing, history — without any network cost.
 */

import type { FramedStream, NetworkAdapter, NetworkEvents } from '@murmur/core'
import { asPeerId } from '@murmur/protocol'
import type { PeerIdString, Topic } from '@murmur/protocol'

export interface NoopNetwork extends NetworkAdapter {
  /** Every publish, when created with `record: true`. */
  readonly published: Array<{ topic: Topic; data: Uint8Array }>
}

export function noopNetwork(options: { record?: boolean } = {}): NoopNetwork {
  const published: Array<{ topic: Topic; data: Uint8Array }> = []
  return {
    peerId: asPeerId('12D3KooWBenchNoopNetworkPeer0000000000000000000000000'),
    published,
    async start() {},
    async stop() {},
    subscribe() {},
    unsubscribe() {},
    async publish(topic: Topic, data: Uint8Array) {
      if (options.record === true) published.push({ topic, data })
    },
    async handle() {},
    async unhandle() {},
    async openStream(peer: PeerIdString): Promise<FramedStream> {
      throw new Error(`the no-op network cannot reach ${peer}`)
    },
    async dial() {},
    peers: () => [],
    relays: () => [],
    addresses: () => [],
    on<K extends keyof NetworkEvents>(_type: K, _listener: (event: NetworkEvents[K]) => void) {
      return () => undefined
    },
  }
}
