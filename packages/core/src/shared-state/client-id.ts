/**
 * Yjs client ids for Murmur devices. A device's client id is derived from its
 * public key, so any member can tell which device wrote a Yjs struct and check
 * it against the device that signed the envelope carrying it.
 *
 * 48 bits keep the id exact in a JavaScript number and in Yjs's varuint
 * encoding (which stops at 2^53); Yjs's own random ids are 32-bit.
 */
import { sha256 } from '@noble/hashes/sha2.js'

/** The first 6 bytes of sha256(devicePublicKey), read as an unsigned big-endian integer. */
export function yjsClientId(devicePublicKey: Uint8Array): number {
  const h = sha256(devicePublicKey)
  let id = 0
  for (let i = 0; i < 6; i++) id = id * 256 + (h[i] as number)
  return id
}

/**
 * A client id no device can have (it is outside the 48-bit range). A document
 * carries it whenever it is not writing, so that applying a device's own update
 * that comes back from the network never looks to Yjs like a client-id clash
 * (Yjs would print a warning and pick a random id).
 */
export const IDLE_CLIENT_ID = 2 ** 48
