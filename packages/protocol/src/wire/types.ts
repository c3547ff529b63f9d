/**
 * Murmur's conversation wire model (v1): the types that the codecs in this
 * folder encode and decode. Byte layouts are in each codec's module header.
 *
 * A conversation is a set of per-device append-only logs of envelopes. The
 * clear header carries only pseudonymous routing data; everything else is
 * inside the AEAD body, signed by the author device.
 */

/** 16-byte tags and ids, 32-byte keys and hashes, 64-byte signatures. */
export const TAG_BYTES = 16
export const EPOCH_ID_BYTES = 8
export const KEY_BYTES = 32
export const HASH_BYTES = 32
export const SIGNATURE_BYTES = 64

export const ENVELOPE_VERSION = 1

/**
 * Body sizes are padded up to one of these, so length reveals little. Index =
 * bucket (the header's byte), so changing this table changes what stored and
 * in-flight envelopes mean.
 *
 * The steps double up to 4 KiB and then grow ×4. Nearly all traffic is
 * below 4 KiB: texts, reactions and edits, membership ops, small groups' key
 * payloads. Doubling keeps a body there under 2× its size (a 1 KB text pays
 * 2 KiB, a 300 B text 512 B; with ×4 steps it was 4 KiB and 1 KiB). That
 * costs two more sizes than ×4 steps, 8 in all, so a size tells at most 3
 * bits. Bodies above 4 KiB are rare (long texts, large groups' key
 * payloads), so there ×4 steps keep the few large sizes coarse. A finer
 * ladder (e.g. Padmé's ≤ 12% overhead) would tell more about each body.
 */
export const PADDING_BUCKETS = [256, 512, 1024, 2048, 4096, 16_384, 65_536, 262_144] as const

export type EnvelopeKind = 'msg' | 'state' | 'ctrl' | 'key'
export const ENVELOPE_KINDS: Record<EnvelopeKind, number> = { msg: 1, state: 2, ctrl: 3, key: 4 }

export interface EnvelopeHeader {
  readonly version: typeof ENVELOPE_VERSION
  /** Derived from the conversation's routing secret; never the conversation id. */
  readonly convTag: Uint8Array
  /** Per-conversation pseudonym of the author device. */
  readonly senderTag: Uint8Array
  /** Position in the author device's log for this conversation, from 1. */
  readonly seq: number
  /** Which key encrypts the body: an epoch id, or all zeros for the conversation base key. */
  readonly epochId: Uint8Array
  /** Index in the sender's hash chain for this epoch (0 under the base key). */
  readonly chainIndex: number
  /** Index into PADDING_BUCKETS of the padded body size. */
  readonly bucket: number
}

/** The decrypted, not yet verified, body of an envelope. */
export interface EnvelopeBody {
  readonly kind: EnvelopeKind
  /** The author device's Ed25519 public key. */
  readonly device: Uint8Array
  /** Author's clock, milliseconds since the epoch. */
  readonly ts: number
  readonly payload: Uint8Array
  /** Ed25519 by `device` over signedBytes(header, body fields). */
  readonly signature: Uint8Array
}

export type Role = 'owner' | 'admin' | 'member'
export type ConversationKind = 'group' | 'channel' | 'dm' | 'self'

/** A device as it joins a conversation: its certificate (identity-signed) and a signed X25519 prekey. */
export interface DeviceRecord {
  /** Encoded DeviceCertificate from @murmur/crypto. */
  readonly certificate: Uint8Array
  /** Encoded SignedPrekey from @murmur/crypto. */
  readonly prekey: Uint8Array
  /**
   * The device's own signature over the identity key that certifies it: the
   * certificate says "this identity vouches for the device", the binding says
   * "the device accepts this identity", so nobody can claim another's device.
   */
  readonly binding: Uint8Array
}

export interface MemberRecord {
  /** The user's Ed25519 identity public key. */
  readonly identity: Uint8Array
  readonly name: string
  readonly devices: readonly DeviceRecord[]
}

export interface ConversationSettings {
  /** New members receive earlier epoch secrets and see earlier history. */
  readonly historyVisible: boolean
  /** Members (not only admins) may admit people by invite. */
  readonly membersCanInvite: boolean
}

/** Membership operations, carried in `ctrl` envelopes. */
export type CtrlOp =
  | {
      readonly type: 'create'
      readonly conversationKind: ConversationKind
      readonly name: string
      readonly owner: MemberRecord
      readonly settings: ConversationSettings
      /** Random; makes two conversations with equal fields distinct. */
      readonly nonce: Uint8Array
    }
  | { readonly type: 'add'; readonly member: MemberRecord; readonly role: Role }
  | { readonly type: 'remove'; readonly user: Uint8Array }
  | { readonly type: 'setRole'; readonly user: Uint8Array; readonly role: Role }
  | { readonly type: 'leave' }
  | { readonly type: 'settings'; readonly settings: ConversationSettings }

export interface CtrlPayload {
  /** Hashes of the ctrl ops this one causally follows (the DAG heads its author saw). */
  readonly parents: readonly Uint8Array[]
  readonly op: CtrlOp
}

export interface MsgPayload {
  readonly text: string
  readonly replyTo?: string
  readonly mentions?: readonly Uint8Array[]
}

/** A new epoch secret, sealed to every device of the members at `parents`. */
export interface KeyPayload {
  readonly epochId: Uint8Array
  /** The ctrl DAG heads whose membership the recipients were computed from. */
  readonly parents: readonly Uint8Array[]
  readonly seals: readonly { readonly device: Uint8Array; readonly sealed: Uint8Array }[]
}

/** A pubsub message on a conversation topic. */
export type TopicMessage =
  | { readonly type: 'envelope'; readonly envelope: Uint8Array }
  /** Encrypted under the conversation base key: which peer a member device is at. */
  | { readonly type: 'presence'; readonly sealed: Uint8Array }

export interface Presence {
  readonly device: Uint8Array
  readonly peerId: string
  readonly addrs: readonly string[]
  readonly ts: number
  /** Ed25519 by `device` over the fields above. */
  readonly signature: Uint8Array
}

/** Sync protocol frames (`/murmur/sync/1.0.0`). */
export type SyncFrame =
  | {
      readonly type: 'hello'
      readonly convTag: Uint8Array
      /** senderTag (hex) → highest contiguous seq held. */
      readonly vector: ReadonlyMap<string, number>
    }
  | { readonly type: 'envelopes'; readonly envelopes: readonly Uint8Array[] }
  | { readonly type: 'done' }

/** What `#join=` carries: everything needed to ask any member to be admitted. */
export interface InviteLink {
  readonly version: 1
  /** Door secret: the door topic and the key that hides join traffic derive from it. */
  readonly door: Uint8Array
  /** Ed25519 secret of the invite capability; proves the holder got the link. */
  readonly inviteSecret: Uint8Array
  /** The inviter device's public key and its signature over (invite public key, expiresAt). */
  readonly inviterDevice: Uint8Array
  readonly grant: Uint8Array
  readonly expiresAt: number
  readonly relays: readonly string[]
  /** Shown to the person before they join. */
  readonly conversationName: string
  readonly inviterName: string
}

/** What `#contact=` carries: enough to open a DM with its owner. */
export interface ContactLink {
  readonly version: 1
  readonly member: MemberRecord
  /** The owner's personal door: DM welcomes are published there. */
  readonly door: Uint8Array
  readonly relays: readonly string[]
}

/** Published on a door topic, encrypted under the door key. */
export type DoorMessage =
  | {
      readonly type: 'join'
      readonly invitePublic: Uint8Array
      readonly inviterDevice: Uint8Array
      readonly grant: Uint8Array
      readonly expiresAt: number
      readonly member: MemberRecord
      /** Ed25519 by the invite key over the joiner's member record: proof of the link. */
      readonly proof: Uint8Array
      readonly ts: number
    }
  | {
      readonly type: 'welcome'
      /** The joining device. */
      readonly device: Uint8Array
      /** Sealed to the joiner's prekey: an encoded WelcomeSecrets. */
      readonly sealed: Uint8Array
    }

/** The secrets a new member receives. */
export interface WelcomeSecrets {
  readonly conversationId: string
  readonly conversationKind: ConversationKind
  readonly name: string
  /** Routing secret: topic, conversation tag, sender tags and the base key derive from it. */
  readonly routing: Uint8Array
  readonly door: Uint8Array
  /** Hash of the create op: the only root a member accepts for this conversation's ctrl DAG. */
  readonly root: Uint8Array
  readonly epochs: readonly { readonly epochId: Uint8Array; readonly secret: Uint8Array }[]
  /** Who admitted us (device public key), to verify the welcome's seal came from a member. */
  readonly admittedBy: Uint8Array
  readonly signature: Uint8Array
}
