/**
 * Sealing and opening envelopes.
 *
 * Order when sealing (the header names the padding bucket, which depends on
 * the body size, and the body carries a signature over the header): compute
 * the bucket from the payload length → encode the header → sign → encode and
 * pad the body → encrypt with the header as associated data.
 *
 * Opening checks, in order: the ciphertext authenticates under the key the
 * header selects; the body decodes; the device's signature verifies; and the
 * header's sender tag is the one derived for that device, so no device can
 * write into another's log.
 */

import {
  constantTimeEqual,
  decrypt,
  encrypt,
  Labels,
  signWithLabel,
  verifyWithLabel,
} from '@murmur/crypto'
import type { SigningKeyPair } from '@murmur/crypto'
import {
  bodyBucket,
  bodySigningBytes,
  decodeBody,
  encodeBody,
  encodeHeader,
  ENVELOPE_VERSION,
  joinEnvelope,
  splitEnvelope,
} from '@murmur/protocol'
import type { EnvelopeBody, EnvelopeHeader, EnvelopeKind } from '@murmur/protocol'
import { deviceSenderTag } from './derive.ts'
import { VerificationError } from './errors.ts'

export interface SealInput {
  readonly convTag: Uint8Array
  readonly senderTag: Uint8Array
  readonly seq: number
  readonly epochId: Uint8Array
  readonly chainIndex: number
  /** The message key (chain) or the base key. */
  readonly key: Uint8Array
  readonly kind: EnvelopeKind
  readonly payload: Uint8Array
  readonly ts: number
  readonly device: SigningKeyPair
}

export function sealEnvelope(input: SealInput): Uint8Array {
  const header: EnvelopeHeader = {
    version: ENVELOPE_VERSION,
    convTag: input.convTag,
    senderTag: input.senderTag,
    seq: input.seq,
    epochId: input.epochId,
    chainIndex: input.chainIndex,
    bucket: bodyBucket(input.payload.length),
  }
  const headerBytes = encodeHeader(header)
  const signature = signWithLabel(
    input.device.secretKey,
    Labels.envelope,
    bodySigningBytes(headerBytes, input.kind, input.device.publicKey, input.ts, input.payload),
  )
  const { plaintext } = encodeBody({
    kind: input.kind,
    device: input.device.publicKey,
    ts: input.ts,
    payload: input.payload,
    signature,
  })
  return joinEnvelope(headerBytes, encrypt(input.key, plaintext, headerBytes))
}

export interface OpenedEnvelope {
  readonly header: EnvelopeHeader
  readonly body: EnvelopeBody
}

/**
 * Opens an envelope whose header was already split off. `decryptBody` picks
 * the key (base key or receiver chain) and decrypts; it throws DecryptError
 * on failure.
 */
export function openEnvelope(
  routing: Uint8Array,
  bytes: Uint8Array,
  decryptBody: (header: EnvelopeHeader, ciphertext: Uint8Array, aad: Uint8Array) => Uint8Array,
): OpenedEnvelope {
  const { header, headerBytes, ciphertext } = splitEnvelope(bytes)
  const body = decodeBody(decryptBody(header, ciphertext, headerBytes))
  const signed = bodySigningBytes(headerBytes, body.kind, body.device, body.ts, body.payload)
  if (!verifyWithLabel(body.device, Labels.envelope, signed, body.signature)) {
    throw new VerificationError('envelope signature does not verify')
  }
  if (!constantTimeEqual(deviceSenderTag(routing, body.device), header.senderTag)) {
    throw new VerificationError('envelope sender tag does not belong to its signing device')
  }
  return { header, body }
}

/** Opens with a fixed key (base key envelopes). */
export function openWithKey(
  routing: Uint8Array,
  bytes: Uint8Array,
  key: Uint8Array,
): OpenedEnvelope {
  return openEnvelope(routing, bytes, (_h, ciphertext, aad) => decrypt(key, ciphertext, aad))
}
