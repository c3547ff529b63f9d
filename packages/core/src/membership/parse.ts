/**
 * What the evaluator needs from each op, read once: hex user keys, and for
 * member records the device keys their certificates name. A certificate that
 * does not parse, or names another identity, makes the op malformed. The
 * certificates' signatures are the caller's to verify, like the op's own.
 */
import { decodeDeviceCertificate, Labels, verifyWithLabel } from '@murmur/crypto'
import type { DeviceRecord, MemberRecord } from '@murmur/protocol'
import type { CtrlNode } from './types.ts'

export interface DeviceEntry {
  readonly record: DeviceRecord
  /** Hex device public key. */
  readonly key: string
  /** Names the certificate's bytes: equal bytes, equal id (within one evaluation). */
  readonly cert: number
}

export interface OpInfo {
  /** The user an add, remove or setRole is about. */
  readonly target?: string
  readonly devices?: readonly DeviceEntry[]
  /** Set when the op is malformed. */
  readonly error?: string
}

/** Gives each distinct certificate (as hex) a small id, so comparing them is cheap. */
export type CertIds = Map<string, number>

export function parseOp(node: CtrlNode, certIds: CertIds): OpInfo {
  const op = node.op
  switch (op.type) {
    case 'create':
      return parseMember(op.owner, certIds)
    case 'add':
      return parseMember(op.member, certIds)
    case 'remove':
    case 'setRole':
      return { target: hex(op.user) }
    case 'leave':
    case 'settings':
      return {}
  }
}

function parseMember(member: MemberRecord, certIds: CertIds): OpInfo {
  const target = hex(member.identity)
  const devices: DeviceEntry[] = []
  const seen = new Set<number>()
  for (const record of member.devices) {
    const bytes = hex(record.certificate)
    let cert = certIds.get(bytes)
    if (cert === undefined) certIds.set(bytes, (cert = certIds.size))
    if (seen.has(cert)) continue
    seen.add(cert)
    let key: string
    try {
      const decoded = decodeDeviceCertificate(record.certificate)
      if (hex(decoded.identityPublicKey) !== target) {
        return { target, error: 'a device certificate names another identity' }
      }
      key = hex(decoded.devicePublicKey)
      if (!bindingHolds(record, decoded.devicePublicKey, member.identity)) {
        return { target, error: 'a device did not sign its binding to this identity' }
      }
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err)
      return { target, error: `a device certificate is malformed (${why})` }
    }
    devices.push({ record, key, cert })
  }
  if (devices.length === 0) return { target, error: 'a member record needs at least one device' }
  return { target, devices }
}

const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'))

/** Lowercase hex, as toHex in @murmur/crypto, a byte at a time (parsing is a hot path). */
function hex(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += BYTE_HEX[bytes[i]!]!
  return out
}

/** Verified bindings, by certificate and binding bytes: signature checks are the slow part. */
const checkedBindings = new Map<string, boolean>()
const MAX_CHECKED = 10_000

/** The device signed its acceptance of the identity (a copied certificate is not enough). */
function bindingHolds(record: DeviceRecord, device: Uint8Array, identity: Uint8Array): boolean {
  const id = hex(record.certificate) + hex(record.binding)
  let ok = checkedBindings.get(id)
  if (ok === undefined) {
    ok = verifyWithLabel(device, Labels.deviceBinding, identity, record.binding)
    if (checkedBindings.size >= MAX_CHECKED) checkedBindings.clear()
    checkedBindings.set(id, ok)
  }
  return ok
}
