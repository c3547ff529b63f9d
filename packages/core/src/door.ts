/**
 * Getting in: invite links, join requests, welcomes, contact links.
 *
 * An invite link carries the conversation's door secret and a fresh invite
 * key, with the inviter device's grant (its signature over the invite public
 * key, expiry and door). The joiner publishes a join request on the door
 * topic — encrypted under the door key, so relays see nothing — proving it
 * holds the invite key by signing its own member record with it. Any online
 * member allowed to add people checks the grant (the inviter must be a member
 * allowed to add, the invite unexpired), appends an `add` op, and answers
 * with a welcome sealed to the joiner's prekey: the routing secret, the door,
 * and the epoch secrets the joiner may read. The founder need not be online.
 *
 * A contact link is a standing invitation to a DM: it names its owner's
 * member record and personal door; whoever opens it creates the DM and
 * publishes the welcome on that door.
 */

import {
  constantTimeEqual,
  decodeDeviceCertificate,
  decodeSignedPrekey,
  decrypt,
  encrypt,
  identityFromSecret,
  Labels,
  open,
  randomBytes,
  seal,
  signWithLabel,
  verifyDeviceCertificate,
  verifyPrekey,
  verifyWithLabel,
} from '@murmur/crypto'
import {
  decodeDoorMessage,
  decodeWelcomeSecrets,
  encodeDoorMessage,
  encodeMemberRecord,
  encodeWelcomeSecrets,
  Writer,
} from '@murmur/protocol'
import type { DoorMessage, InviteLink, MemberRecord, WelcomeSecrets } from '@murmur/protocol'
import { doorKeys } from './derive.ts'
import { VerificationError } from './errors.ts'
import type { LocalIdentity } from './identity.ts'

const ZERO_SIGNATURE = new Uint8Array(64)

export function grantBytes(
  invitePublic: Uint8Array,
  expiresAt: number,
  door: Uint8Array,
): Uint8Array {
  return new Writer().bytes(invitePublic).varint(expiresAt).bytes(door).finish()
}

export function makeInvite(
  self: LocalIdentity,
  door: Uint8Array,
  expiresAt: number,
  relays: readonly string[],
  conversationName: string,
): InviteLink {
  const invite = identityFromSecret(randomBytes(32))
  return {
    version: 1,
    door,
    inviteSecret: invite.secretKey,
    inviterDevice: self.device.publicKey,
    grant: signWithLabel(
      self.device.secretKey,
      Labels.inviteGrant,
      grantBytes(invite.publicKey, expiresAt, door),
    ),
    expiresAt,
    relays: [...relays],
    conversationName,
    inviterName: self.name,
  }
}

export function makeJoinRequest(link: InviteLink, member: MemberRecord, now: number): DoorMessage {
  const invite = identityFromSecret(link.inviteSecret)
  return {
    type: 'join',
    invitePublic: invite.publicKey,
    inviterDevice: link.inviterDevice,
    grant: link.grant,
    expiresAt: link.expiresAt,
    member,
    proof: signWithLabel(invite.secretKey, Labels.inviteProof, encodeMemberRecord(member)),
    ts: now,
  }
}

/**
 * Checks what a join request proves by itself: the grant is the inviter
 * device's, the request holds the invite key, it is unexpired, and the
 * member's devices are certified by its identity. Whether the inviter may add
 * people is the conversation's call (its membership).
 */
export function verifyJoinRequest(
  request: Extract<DoorMessage, { type: 'join' }>,
  door: Uint8Array,
  now: number,
): void {
  if (request.expiresAt < now) throw new VerificationError('the invite has expired')
  const grant = grantBytes(request.invitePublic, request.expiresAt, door)
  if (!verifyWithLabel(request.inviterDevice, Labels.inviteGrant, grant, request.grant)) {
    throw new VerificationError('the invite grant does not verify')
  }
  if (
    !verifyWithLabel(
      request.invitePublic,
      Labels.inviteProof,
      encodeMemberRecord(request.member),
      request.proof,
    )
  ) {
    throw new VerificationError('the join request does not hold the invite key')
  }
  verifyMember(request.member)
}

/** Every device of a member record is certified by its identity and has a valid prekey. */
export function verifyMember(member: MemberRecord): void {
  if (member.devices.length === 0) throw new VerificationError('member record names no device')
  for (const device of member.devices) {
    const cert = decodeDeviceCertificate(device.certificate)
    if (!verifyDeviceCertificate(cert, member.identity)) {
      throw new VerificationError('a device certificate is not signed by its identity')
    }
    if (!verifyPrekey(decodeSignedPrekey(device.prekey), cert.devicePublicKey)) {
      throw new VerificationError('a prekey is not signed by its device')
    }
    if (
      !verifyWithLabel(cert.devicePublicKey, Labels.deviceBinding, member.identity, device.binding)
    ) {
      throw new VerificationError('a device did not sign its binding to the identity')
    }
  }
}

export function makeWelcomes(
  self: LocalIdentity,
  member: MemberRecord,
  secrets: Omit<WelcomeSecrets, 'admittedBy' | 'signature'>,
): DoorMessage[] {
  const unsigned: WelcomeSecrets = {
    ...secrets,
    admittedBy: self.device.publicKey,
    signature: ZERO_SIGNATURE,
  }
  const signature = signWithLabel(
    self.device.secretKey,
    Labels.welcome,
    encodeWelcomeSecrets(unsigned),
  )
  const plaintext = encodeWelcomeSecrets({ ...unsigned, signature })
  return member.devices.map((device) => {
    const cert = decodeDeviceCertificate(device.certificate)
    const prekey = decodeSignedPrekey(device.prekey)
    return {
      type: 'welcome' as const,
      device: cert.devicePublicKey,
      sealed: seal(prekey.publicKey, plaintext, cert.devicePublicKey),
    }
  })
}

/** Opens a welcome meant for this device; undefined when it is for another device. */
export function openWelcome(
  self: LocalIdentity,
  welcome: Extract<DoorMessage, { type: 'welcome' }>,
): WelcomeSecrets | undefined {
  if (!constantTimeEqual(welcome.device, self.device.publicKey)) return undefined
  const secrets = decodeWelcomeSecrets(
    open(self.prekey.privateKey, welcome.sealed, self.device.publicKey),
  )
  const unsigned = encodeWelcomeSecrets({ ...secrets, signature: ZERO_SIGNATURE })
  if (!verifyWithLabel(secrets.admittedBy, Labels.welcome, unsigned, secrets.signature)) {
    throw new VerificationError('the welcome is not signed by the device that sent it')
  }
  return secrets
}

export function sealDoorMessage(door: Uint8Array, message: DoorMessage): Uint8Array {
  const { key, topic } = doorKeys(door)
  return encrypt(key, encodeDoorMessage(message), new TextEncoder().encode(topic))
}

export function openDoorMessage(door: Uint8Array, data: Uint8Array): DoorMessage {
  const { key, topic } = doorKeys(door)
  return decodeDoorMessage(decrypt(key, data, new TextEncoder().encode(topic)))
}
