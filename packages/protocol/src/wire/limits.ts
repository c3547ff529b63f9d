/**
 * Size limits of the conversation wire formats, in bytes unless the name says
 * otherwise. Decoders enforce them before allocating; encoders refuse to make
 * what a decoder would refuse. Byte limits fail with TooLargeError (whole
 * inputs, encoders) or DecodeError (a field inside an input); count limits
 * fail with InvalidArgumentError when encoding and DecodeError when decoding.
 */

import { MAX_BEACON_ADDRS, MAX_STREAM_FRAME } from '../limits.ts'
import { PADDING_BUCKETS } from './types.ts'

/** Message text. Keeps a message in the 64 KiB bucket at most. */
export const MAX_TEXT_BYTES = 16_384
/** Conversation names, member names, the inviter's name in a link. */
export const MAX_NAME_BYTES = 256
/** A conversation id inside WelcomeSecrets. */
export const MAX_CONVERSATION_ID_BYTES = 128
/** A message id (MsgPayload.replyTo). */
export const MAX_MESSAGE_ID_BYTES = 128
/** Mentions in one message. */
export const MAX_MENTIONS = 64
/** DAG parents of one ctrl op or key payload (concurrent heads seen by the author). */
export const MAX_PARENTS = 32
/** Devices in one MemberRecord. */
export const MAX_DEVICES_PER_MEMBER = 16
/** An encoded DeviceCertificate (138 B in crypto v1) or SignedPrekey (142 B); room to grow. */
export const MAX_CERTIFICATE_BYTES = 256
export const MAX_PREKEY_BYTES = 256
/** Random nonce of a `create` op. */
export const CREATE_NONCE_BYTES = 16
/** Sealed epoch secrets in one key payload: one per recipient device. */
export const MAX_SEALS = 1024
/**
 * One sealed epoch secret (crypto's sealed box is 50 B + plaintext). With
 * MAX_SEALS of them a key payload still fits the largest padding bucket.
 */
export const MAX_SEALED_KEY_BYTES = 192
/** Epoch secrets handed to a new member in one welcome. */
export const MAX_WELCOME_EPOCHS = 1024
/** An encoded WelcomeSecrets (≈ 41 KiB at MAX_WELCOME_EPOCHS). */
export const MAX_WELCOME_BYTES = 48 * 1024
/** Sealed-box overhead allowance for a sealed WelcomeSecrets. */
export const MAX_SEALED_WELCOME_BYTES = MAX_WELCOME_BYTES + 128
/** A door message, before the door key's encryption. */
export const MAX_DOOR_MESSAGE_BYTES = 64 * 1024

/** Multiaddrs in a presence record (same as a beacon), and the length of each. */
export const MAX_PRESENCE_ADDRS = MAX_BEACON_ADDRS
export const MAX_ADDR_BYTES = 512
/** A libp2p peer id string. */
export const MAX_PEER_ID_BYTES = 128
/** An encoded Presence (≈ 8.5 KiB at the field limits). */
export const MAX_PRESENCE_BYTES = 10 * 1024

/**
 * What an AEAD may add to a padded body or a presence record: room for a
 * 24-byte nonce and a 16-byte tag (XChaCha20-Poly1305 adds exactly 40).
 */
export const MAX_CIPHERTEXT_OVERHEAD = 64
/** A sealed (encrypted) presence record on a conversation topic. */
export const MAX_SEALED_PRESENCE_BYTES = MAX_PRESENCE_BYTES + MAX_CIPHERTEXT_OVERHEAD

/** Fixed size of the clear envelope header. */
export const ENVELOPE_HEADER_BYTES = 54
/** Largest padded body: the last padding bucket. */
export const MAX_BODY_BYTES: number = PADDING_BUCKETS[PADDING_BUCKETS.length - 1] ?? 0
/** Body bytes that are not the payload: kind, device, ts, signature, payload length. */
export const BODY_OVERHEAD_BYTES = 1 + 32 + 8 + 64 + 4
/** Largest envelope payload (msg/state/ctrl/key payload bytes). */
export const MAX_PAYLOAD_BYTES = MAX_BODY_BYTES - BODY_OVERHEAD_BYTES
/** Largest whole envelope: header + largest bucket + AEAD overhead (262 262 B). */
export const MAX_ENVELOPE_BYTES = ENVELOPE_HEADER_BYTES + MAX_BODY_BYTES + MAX_CIPHERTEXT_OVERHEAD
/**
 * Largest topic message: version, type, a 3-byte length and an envelope.
 * Note: this is 123 B above MAX_PUBSUB_MESSAGE; gossipsub's inbound limit
 * must be at least this for largest-bucket envelopes to travel by pubsub.
 */
export const MAX_TOPIC_MESSAGE_BYTES = 2 + 3 + MAX_ENVELOPE_BYTES

/** Version-vector entries in one sync `hello` (25 B each at most: ≤ 250 KB). */
export const MAX_VECTOR_ENTRIES = 10_000
/** Envelopes in one sync `envelopes` frame; the frame must also fit MAX_SYNC_FRAME_BYTES. */
export const MAX_ENVELOPES_PER_FRAME = 1024
/** An encoded sync frame is the payload of one stream frame. */
export const MAX_SYNC_FRAME_BYTES = MAX_STREAM_FRAME

/** Relay multiaddrs in an invite or contact link, and the length of each. */
export const MAX_RELAYS_IN_LINK = 8
export const MAX_RELAY_ADDR_BYTES = 256
/**
 * A link as typed or pasted, URL included, in characters. A contact link
 * carries each device's certificate, prekey and binding (~480 base64 chars
 * each), so 16 devices need ~7.7k characters; an invite is at most ~3.7k.
 */
export const MAX_LINK_CHARS = 10_240
/** The binary payload inside a link (base64url makes 4 chars of every 3 bytes). */
export const MAX_LINK_PAYLOAD_BYTES = 7_400
