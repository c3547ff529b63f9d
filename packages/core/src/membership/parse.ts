/**
 * What the evaluator needs from each op, read once: hex user keys, and for
 * member records the device keys their certificates name. A certificate that
 * does not parse, or names another identity, makes the op malformed. The
 * certificates' signatures are the caller's to verify, like the op's own.
 */
import { decodeDeviceCertificate, toHex } from '@murmur/crypto'
import type { DeviceRecord, MemberRecord } from '@murmur/protocol'
import type { CtrlNode } from './types.ts'

export interface DeviceEntry {
  readonly record: DeviceRecord
  /** Hex device public key. */
  readonly key: string
  /** Hex certificate bytes: the deduplication key. */
  readonly cert: string
}

export interface OpInfo {
  /** The user an add, remove or setRole is about. */
  readonly target?: string
  readonly devices?: readonly DeviceEntry[]
  /** Set when the op is malformed. */
  readonly error?: string
}

export function parseOp(node: CtrlNode): OpInfo {
  const op = node.op
  switch (op.type) {
    case 'create':
      return parseMember(op.owner)
    case 'add':
      return parseMember(op.member)
    case 'remove':
    case 'setRole':
      return { target: toHex(op.user) }
    case 'leave':
    case 'settings':
      return {}
  }
}

function parseMember(member: MemberRecord): OpInfo {
  const target = toHex(member.identity)
  const devices: DeviceEntry[] = []
  const seen = new Set<string>()
  for (const record of member.devices) {
    const cert = toHex(record.certificate)
    if (seen.has(cert)) continue
    seen.add(cert)
    let key: string
    try {
      const decoded = decodeDeviceCertificate(record.certificate)
      if (toHex(decoded.identityPublicKey) !== target) {
        return { target, error: 'a device certificate names another identity' }
      }
      key = toHex(decoded.devicePublicKey)
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err)
      return { target, error: `a device certificate is malformed (${why})` }
    }
    devices.push({ record, key, cert })
  }
  if (devices.length === 0) return { target, error: 'a member record needs at least one device' }
  return { target, devices }
}
