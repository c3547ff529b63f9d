/**
 * Finding the other members and keeping in sync with them: signed presence,
 * sealed under each conversation's base key, announced on its topic; where
 * each member device was last seen (dialled again at start); and when sync
 * runs — on a member's presence, on a new connection, on a gap and
 * periodically — with what a finished sync confirms about delivery.
 */

import { decrypt, encrypt, Labels, signWithLabel, toHex, verifyWithLabel } from '@murmur/crypto'
import { asProtocolId, decodePresence, encodePresence, encodeTopicMessage } from '@murmur/protocol'
import type { PeerIdString, Presence } from '@murmur/protocol'
import type { MessengerEvents } from './api.ts'
import type { Conversation } from './conversation.ts'
import type { MessengerParts } from './messenger.ts'
import { decodeKnownPeer, encodeKnownPeer, keys } from './records.ts'
import type { KnownPeer } from './records.ts'
import { SYNC_PROTOCOL, syncAsInitiator } from './sync.ts'

/** Delays of the presence announcements after subscribing to a conversation. */
const PRESENCE_BURST_MS = [250, 1_000, 2_500, 5_000]
/** Members' last-seen addresses dialled per conversation at start. */
const KNOWN_PEERS_DIALLED = 8
/**
 * Members of one conversation we dial ourselves while we hold fewer direct
 * links to its members than this (links they dialed count too). Gossipsub
 * meshes six peers per topic and the relay carries the rest, so a member of a
 * large group needs a handful of direct links, not one to every member: in a
 * group of 30 on one machine, everyone dialing everyone (435 WebRTC
 * associations, re-dialed on each presence while busy peers failed to
 * answer) kept joins from finishing. Small groups are fully connected as before.
 */
export const DIRECT_LINKS_PER_CONVERSATION = 8

export interface MemberPeersInit extends MessengerParts {
  /** Sync progress and results, as the messenger reports them. */
  readonly onSync: (event: MessengerEvents['sync']) => void
}

export class MemberPeers {
  readonly #init: MemberPeersInit
  /** peer id → conversation id → device hex, from verified presence. */
  readonly #memberPeers = new Map<string, Map<string, string>>()
  readonly #syncing = new Set<string>()
  /** Where each member device was last seen, written only when it moved: `cid/device` → `peer addrs`. */
  readonly #lastSeen = new Map<string, string>()
  /** Dials under way, per conversation id: they count towards DIRECT_LINKS_PER_CONVERSATION. */
  readonly #dialing = new Map<string, Set<PeerIdString>>()

  constructor(init: MemberPeersInit) {
    this.#init = init
  }

  /** Whether a member peer (known by its presence) is in conversation `cid`. */
  knowsMemberIn(cid: string): boolean {
    return [...this.#memberPeers.values()].some((m) => m.has(cid))
  }

  // ----------------------------------------------------------------- presence

  /**
   * Presence right after subscribing is often lost (the relay and the mesh
   * learn of the subscription a moment later), so announce a few times,
   * quickly, before settling into the regular interval.
   */
  announceSoon(conv: Conversation): void {
    for (const delay of PRESENCE_BURST_MS) {
      this.#init.background.after(delay, () => this.#init.background.run(this.announce(conv)))
    }
  }

  async announce(conv: Conversation): Promise<void> {
    if (this.#init.background.closed || conv.record.ended !== undefined) return
    const network = this.#init.network
    const unsigned: Presence = {
      device: this.#init.self.device.publicKey,
      peerId: network.peerId,
      addrs: network
        .addresses()
        .filter((a) => a.includes('/webrtc') || !a.includes('/p2p-circuit'))
        .slice(0, 8),
      ts: this.#init.now(),
      signature: new Uint8Array(64),
    }
    const signature = signWithLabel(
      this.#init.self.device.secretKey,
      Labels.presence,
      encodePresence(unsigned),
    )
    const sealed = encrypt(
      conv.keys.baseKey,
      encodePresence({ ...unsigned, signature }),
      conv.keys.convTag,
    )
    await network
      .publish(conv.keys.topic, encodeTopicMessage({ type: 'presence', sealed }))
      .catch((err: unknown) => this.#init.log('presence not published - %s', String(err)))
  }

  onPresence(conv: Conversation, sealed: Uint8Array): void {
    let presence: Presence
    try {
      presence = decodePresence(decrypt(conv.keys.baseKey, sealed, conv.keys.convTag))
    } catch (err) {
      this.#init.log('presence dropped - %s', String(err))
      return
    }
    const unsigned = encodePresence({ ...presence, signature: new Uint8Array(64) })
    if (!verifyWithLabel(presence.device, Labels.presence, unsigned, presence.signature)) return
    const device = toHex(presence.device)
    if (device === this.#init.self.deviceHex) return
    const isMemberDevice = [...conv.membership.members.values()].some((m) =>
      m.deviceKeys.includes(device),
    )
    // An unknown device may be a member whose admission we have not synced yet: keep the mapping anyway.
    let byConv = this.#memberPeers.get(presence.peerId)
    if (byConv === undefined) {
      byConv = new Map()
      this.#memberPeers.set(presence.peerId, byConv)
    }
    const fresh = !byConv.has(conv.id)
    byConv.set(conv.id, device)
    const peer = presence.peerId as PeerIdString
    const connected = this.#init.network
      .peers()
      .some((p) => p.peerId === peer && p.kind !== 'relayed')
    if (!connected) {
      if (this.#directLinks(conv.id) < DIRECT_LINKS_PER_CONVERSATION) {
        this.#dial(conv.id, peer, presence.addrs)
      }
    } else if (fresh || !isMemberDevice) {
      this.#init.background.run(this.#syncWith(conv, peer))
    }
    if (isMemberDevice) this.#init.background.run(this.#rememberPeer(conv, device, presence))
  }

  /** Direct links to members of `cid`, counting dials under way. */
  #directLinks(cid: string): number {
    const links = new Set(this.#dialing.get(cid))
    for (const p of this.#init.network.peers()) {
      if (p.kind !== 'relayed' && this.#memberPeers.get(p.peerId)?.has(cid) === true) {
        links.add(p.peerId)
      }
    }
    return links.size
  }

  #dial(cid: string, peer: PeerIdString, addrs: readonly string[]): void {
    let dialing = this.#dialing.get(cid)
    if (dialing === undefined) {
      dialing = new Set()
      this.#dialing.set(cid, dialing)
    }
    if (dialing.has(peer)) return
    dialing.add(peer)
    this.#init.network
      .dial(peer, addrs)
      .catch((err: unknown) => this.#init.log('dial %s failed - %s', peer, String(err)))
      .finally(() => dialing.delete(peer))
  }

  async #rememberPeer(conv: Conversation, device: string, presence: Presence): Promise<void> {
    const where = `${presence.peerId} ${presence.addrs.join(' ')}`
    const id = `${conv.id}/${device}`
    if (this.#lastSeen.get(id) === where) return
    this.#lastSeen.set(id, where)
    await this.#init.storage.put(
      keys.peer(conv.id, device),
      encodeKnownPeer({ peerId: presence.peerId, addrs: presence.addrs, seen: this.#init.now() }),
    )
  }

  /**
   * At start, dials where members were last seen, in parallel with presence:
   * a member that is still there is connected (and synced, via onPeer)
   * without waiting for its presence to come round. Only devices that are
   * still members, the most recently seen first, a few per conversation.
   */
  async dialKnownPeers(conv: Conversation): Promise<void> {
    const devices = new Set([...conv.membership.members.values()].flatMap((m) => m.deviceKeys))
    const known: (KnownPeer & { device: string })[] = []
    for await (const [key, value] of this.#init.storage.range(keys.peerPrefix(conv.id))) {
      const device = key[3] ?? ''
      try {
        const peer = decodeKnownPeer(value)
        if (devices.has(device) && peer.peerId !== this.#init.network.peerId)
          known.push({ ...peer, device })
      } catch (err) {
        this.#init.log('stored peer of %s unreadable, dropped - %s', conv.id, String(err))
        await this.#init.storage.del(key)
      }
    }
    known.sort((a, b) => b.seen - a.seen)
    for (const peer of known.slice(0, KNOWN_PEERS_DIALLED)) {
      this.#lastSeen.set(`${conv.id}/${peer.device}`, `${peer.peerId} ${peer.addrs.join(' ')}`)
      let byConv = this.#memberPeers.get(peer.peerId)
      if (byConv === undefined) {
        byConv = new Map()
        this.#memberPeers.set(peer.peerId, byConv)
      }
      if (!byConv.has(conv.id)) byConv.set(conv.id, peer.device)
      this.#dial(conv.id, peer.peerId as PeerIdString, peer.addrs)
    }
  }

  /** A peer connected, or its connection changed. */
  onPeer(peerId: PeerIdString): void {
    const known = this.#memberPeers.has(peerId)
    if (!known) {
      // Someone new: it may be a member who has not heard our presence yet.
      for (const conv of this.#init.conversations.values())
        this.#init.background.run(this.announce(conv))
    }
    const byConv = this.#memberPeers.get(peerId)
    const peer = this.#init.network.peers().find((p) => p.peerId === peerId)
    if (byConv === undefined || peer === undefined || peer.kind === 'relayed') return
    for (const cid of byConv.keys()) {
      const conv = this.#init.conversations.get(cid)
      if (conv !== undefined) this.#init.background.run(this.#syncWith(conv, peerId))
    }
  }

  // --------------------------------------------------------------------- sync

  async periodicSync(): Promise<void> {
    for (const conv of this.#init.conversations.values()) {
      await this.syncConversation(conv)
      await conv.republishOutbox()
    }
  }

  /** Syncs `conv` with every connected member peer. */
  async syncConversation(conv: Conversation): Promise<void> {
    const connected = new Set(
      this.#init.network
        .peers()
        .filter((p) => p.kind !== 'relayed')
        .map((p) => p.peerId),
    )
    const peers = [...this.#memberPeers.entries()]
      .filter(([peer, m]) => m.has(conv.id) && connected.has(peer as PeerIdString))
      .map(([peer]) => peer as PeerIdString)
    await Promise.all(peers.map((peer) => this.#syncWith(conv, peer)))
  }

  async #syncWith(conv: Conversation, peer: PeerIdString): Promise<void> {
    const id = `${conv.id}/${peer}`
    if (this.#syncing.has(id) || this.#init.background.closed) return
    this.#syncing.add(id)
    try {
      const stream = await this.#init.network.openStream(peer, asProtocolId(SYNC_PROTOCOL))
      const result = await syncAsInitiator(stream, conv, {
        onProgress: (received) =>
          this.#init.onSync({
            conversationId: conv.record.conversationId,
            received,
            missing: conv.missing,
            done: false,
          }),
      })
      await this.afterSync(conv, peer, result.theirs, result.accepted)
    } catch (err) {
      this.#init.log('sync of %s with %s failed - %s', conv.id, peer, String(err))
    } finally {
      this.#syncing.delete(id)
    }
  }

  /** After a sync either side opened: confirms delivery, reports the result. */
  async afterSync(
    conv: Conversation,
    peer: PeerIdString,
    theirs: ReadonlyMap<string, number>,
    accepted: number,
  ): Promise<void> {
    // Delivery counts only when a member's device (known by its signed
    // presence) holds our envelopes, and never beyond what we wrote.
    const device = this.#memberPeers.get(peer)?.get(conv.id)
    const isMember =
      device !== undefined &&
      [...conv.membership.members.values()].some((m) => m.deviceKeys.includes(device))
    const mine = Math.min(theirs.get(conv.myTagHex) ?? 0, conv.syncVector().get(conv.myTagHex) ?? 0)
    if (isMember && mine > 0) await conv.confirmDelivered(mine)
    this.#init.onSync({
      conversationId: conv.record.conversationId,
      received: accepted,
      missing: conv.missing,
      done: true,
      peerId: peer,
    })
  }
}
