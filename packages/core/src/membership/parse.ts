/**
 * What the evaluator needs from each op, read once: hex user keys, and for
 * member records the device keys their certificates name. A certificate that
 * does not parse, or names another identity, makes the op malformed. The
 * certificates' signatures are the caller's to verify, like the op's own.
 */
import { decodeDeviceCertificate } from '@murmur/crypto'
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
      return { target: hex(op.user) }
    case 'leave':
    case 'settings':
      return {}
  }
}

function parseMember(member: MemberRecord): OpInfo {
  const target = hex(member.identity)
  const devices: DeviceEntry[] = []
  const seen = new Set<string>()
  for (const record of member.devices) {
    const cert = hex(record.certificate)
    if (seen.has(cert)) continue
    seen.add(cert)
    let key: string
    try {
      const decoded = decodeDeviceCertificate(record.certificate)
      if (hex(decoded.identityPublicKey) !== target) {
        return { target, error: 'a device certificate names another identity' }
      }
      key = hex(decoded.devicePublicKey)
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
