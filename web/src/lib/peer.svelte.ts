/**
 * The browser peer as the UI sees it: relays, peers and how each is reached,
 * and the demo chat lines. Bridges the NetworkAdapter's events into runes so
 * components only render.
 */

import type { ConnectionKind, PeerConnection, RelayStatus } from '@murmur/core'
import { createLibp2pNetwork } from '@murmur/net-libp2p'
import type { Libp2pNetwork } from '@murmur/net-libp2p'
import {
  decodeDemoLine,
  DEMO_CHAT_TOPIC,
  encodeDemoLine,
  LOBBY_TOPIC,
  MAX_DEMO_LINE,
} from '@murmur/protocol'
import type { DemoLine, PeerIdString } from '@murmur/protocol'
import { browserRelayAddrs, loadConfig } from './config.ts'

export type PeerPhase = 'starting' | 'running' | 'failed'

export interface ChatLine extends DemoLine {
  readonly mine: boolean
}

/** Most lines kept on screen; the demo keeps no history. */
const MAX_LINES = 200

export class BrowserPeer {
  phase = $state<PeerPhase>('starting')
  error = $state<string | undefined>(undefined)
  peerId = $state<PeerIdString | undefined>(undefined)
  relays = $state<RelayStatus[]>([])
  peers = $state<PeerConnection[]>([])
  lines = $state<ChatLine[]>([])
  online = $state(globalThis.navigator?.onLine ?? true)
  #network: Libp2pNetwork | undefined

  async start(): Promise<void> {
    this.phase = 'starting'
    this.error = undefined
    try {
      const config = await loadConfig()
      const network = await createLibp2pNetwork({
        relays: browserRelayAddrs(config, window.location),
        discoveryTopic: LOBBY_TOPIC,
      })
      this.#network = network
      this.peerId = network.peerId
      const sync = (): void => {
        this.relays = network.relays()
        this.peers = network.peers()
      }
      network.on('relay:change', sync)
      network.on('peer:connect', sync)
      network.on('peer:update', sync)
      network.on('peer:disconnect', sync)
      network.on('message', ({ topic, data }) => {
        if (topic !== DEMO_CHAT_TOPIC) return
        try {
          this.#addLine({ ...decodeDemoLine(data), mine: false })
        } catch {
          // A malformed line from someone else is dropped; it cannot hurt us.
          return
        }
      })
      window.addEventListener('online', () => (this.online = true))
      window.addEventListener('offline', () => (this.online = false))
      window.addEventListener('pagehide', () => void this.stop())
      await network.start()
      network.subscribe(DEMO_CHAT_TOPIC)
      sync()
      this.phase = 'running'
    } catch (err) {
      this.phase = 'failed'
      this.error = err instanceof Error ? err.message : String(err)
    }
  }

  async stop(): Promise<void> {
    await this.#network?.stop()
  }

  /** Sends a line; returns false (and sends nothing) if it is empty or too long. */
  async send(text: string): Promise<boolean> {
    const network = this.#network
    const trimmed = text.trim()
    if (network === undefined || trimmed === '') return false
    if (new TextEncoder().encode(trimmed).length > MAX_DEMO_LINE) return false
    const line = { from: network.peerId, text: trimmed, sentAt: Date.now() }
    await network.publish(DEMO_CHAT_TOPIC, encodeDemoLine(line))
    this.#addLine({ ...line, mine: true })
    return true
  }

  #addLine(line: ChatLine): void {
    this.lines = [...this.lines.slice(-(MAX_LINES - 1)), line]
  }
}

export function kindLabel(
  kind: ConnectionKind,
  t: { direct: string; relayed: string; directOther: string },
): string {
  if (kind === 'webrtc') return t.direct
  if (kind === 'relayed') return t.relayed
  return t.directOther
}
