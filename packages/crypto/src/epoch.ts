/**
 * Group epoch secrets and what is derived from them.
 *
 * An epoch secret is 32 random bytes, sealed to every member device when the
 * epoch starts and replaced whenever a member leaves. Everything a group
 * needs for that epoch is derived from it with HKDF-SHA256:
 *
 *   derive(label, context, L) = HKDF-SHA256(ikm = epoch secret, salt = none,
 *                                           info = label || 0x00 || context, L)
 *
 *   conversation tag  16 B  label "murmur/v1/epoch/conversation-tag", no context
 *   topic id          16 B  label "murmur/v1/epoch/topic",            no context
 *   sender tag        16 B  label "murmur/v1/epoch/sender-tag",       context = sender id
 *   sender chain key  32 B  label "murmur/v1/epoch/sender-chain",     context = sender id
 *
 * Tags and topic ids are public on the wire but reveal nothing about the
 * conversation id or the device, and change with every epoch. Sender ids
 * are whatever stable bytes name a device (normally its device public key).
 *
 * Forward secrecy inside an epoch (chain.ts) holds only if the epoch secret
 * is erased once the chains a device needs have been derived; anyone holding
 * the epoch secret can re-derive every chain from index 0.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidArgumentError } from '@murmur/protocol'
import { concatBytes, randomBytes, utf8 } from './bytes.ts'
import { Labels } from './labels.ts'
import type { Label } from './labels.ts'

export const EPOCH_SECRET_LENGTH = 32
export const TAG_LENGTH = 16
export const MAX_SENDER_ID_LENGTH = 255

export function newEpochSecret(): Uint8Array {
  return randomBytes(EPOCH_SECRET_LENGTH)
}

/** Clear-text conversation tag for envelope headers in this epoch. */
export function conversationTag(epochSecret: Uint8Array): Uint8Array {
  return derive(epochSecret, Labels.conversationTag, new Uint8Array(0), TAG_LENGTH)
}

/** Pubsub topic identifier for this epoch (format it into a topic string at the edge). */
export function topicId(epochSecret: Uint8Array): Uint8Array {
  return derive(epochSecret, Labels.topic, new Uint8Array(0), TAG_LENGTH)
}

/** Per-epoch pseudonym of a sending device, for envelope headers. */
export function senderTag(epochSecret: Uint8Array, senderId: Uint8Array): Uint8Array {
  return derive(epochSecret, Labels.senderTag, checkSenderId(senderId), TAG_LENGTH)
}

/** Index-0 chain key of a sender's hash chain in this epoch. */
export function senderChainKey(epochSecret: Uint8Array, senderId: Uint8Array): Uint8Array {
  return derive(epochSecret, Labels.senderChain, checkSenderId(senderId), 32)
}

function derive(
  epochSecret: Uint8Array,
  label: Label,
  context: Uint8Array,
  length: number,
): Uint8Array {
  if (!(epochSecret instanceof Uint8Array) || epochSecret.length !== EPOCH_SECRET_LENGTH) {
    throw new InvalidArgumentError(`epoch secret must be ${EPOCH_SECRET_LENGTH} bytes`)
  }
  return hkdf(
    sha256,
    epochSecret,
    undefined,
    concatBytes(utf8(label), Uint8Array.of(0), context),
    length,
  )
}

function checkSenderId(id: Uint8Array): Uint8Array {
  if (!(id instanceof Uint8Array) || id.length < 1 || id.length > MAX_SENDER_ID_LENGTH) {
    throw new InvalidArgumentError(`sender id must be 1..${MAX_SENDER_ID_LENGTH} bytes`)
  }
  return id
}
