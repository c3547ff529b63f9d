import { describe, expect, it } from 'vitest'
import {
  bindPeerId,
  decodeDeviceCertificate,
  decodePeerIdBinding,
  decodeSignedPrekey,
  DEVICE_CERTIFICATE_LENGTH,
  encodeDeviceCertificate,
  encodePeerIdBinding,
  encodeSignedPrekey,
  generateDevice,
  generateIdentity,
  generatePrekey,
  identityFromSecret,
  SIGNED_PREKEY_LENGTH,
  verifyDeviceCertificate,
  verifyPeerIdBinding,
  verifyPrekey,
} from './index.ts'
import { open, seal } from './seal.ts'
import { utf8 } from './bytes.ts'

const PEER_ID = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'
const named = (name: string): unknown => expect.objectContaining({ name })

describe('identity and device certificates', () => {
  it('a device certificate from the identity verifies and round-trips through its encoding', () => {
    const identity = generateIdentity()
    const device = generateDevice(identity, { now: 1_700_000_000_000 })
    expect(verifyDeviceCertificate(device.certificate, identity.publicKey)).toBe(true)
    const bytes = encodeDeviceCertificate(device.certificate)
    expect(bytes).toHaveLength(DEVICE_CERTIFICATE_LENGTH)
    const decoded = decodeDeviceCertificate(bytes)
    expect(decoded).toEqual(device.certificate)
    expect(decoded.createdAt).toBe(1_700_000_000_000)
    expect(verifyDeviceCertificate(decoded, identity.publicKey)).toBe(true)
  })

  it('a device certificate signed by another identity fails verification', () => {
    const alice = generateIdentity()
    const mallory = generateIdentity()
    const device = generateDevice(mallory)
    expect(verifyDeviceCertificate(device.certificate, alice.publicKey)).toBe(false)
    // Mallory's signature relabelled as Alice's certificate is still rejected.
    const forged = { ...device.certificate, identityPublicKey: alice.publicKey }
    expect(verifyDeviceCertificate(forged, alice.publicKey)).toBe(false)
  })

  it('changing any byte of an encoded certificate makes it fail to decode or to verify', () => {
    const identity = generateIdentity()
    const bytes = encodeDeviceCertificate(generateDevice(identity).certificate)
    for (let i = 0; i < bytes.length; i++) {
      const tampered = bytes.slice()
      tampered[i]! ^= 0x40
      let ok: boolean
      try {
        ok = verifyDeviceCertificate(decodeDeviceCertificate(tampered), identity.publicKey)
      } catch (err) {
        expect((err as Error).name).toBe('DecodeError')
        ok = false
      }
      expect(ok, `byte ${i}`).toBe(false)
    }
  })

  it('a signature made for one statement kind is not accepted as another', () => {
    // A device key signs a prekey; the same signature must not pass as a peer-id binding.
    const device = generateDevice(generateIdentity())
    const prekey = generatePrekey(device).signed
    const binding = bindPeerId(device, PEER_ID)
    expect(verifyPeerIdBinding({ ...binding, signature: prekey.signature }, device.publicKey)).toBe(
      false,
    )
    expect(verifyPrekey({ ...prekey, signature: binding.signature }, device.publicKey)).toBe(false)
  })

  it('an identity rebuilt from its secret has the same public key', () => {
    const identity = generateIdentity()
    expect(identityFromSecret(identity.secretKey).publicKey).toEqual(identity.publicKey)
    expect(() => identityFromSecret(new Uint8Array(31))).toThrow(named('InvalidArgumentError'))
  })

  it('certificates with a trailing byte, a short body or another version are rejected as DecodeError', () => {
    const bytes = encodeDeviceCertificate(generateDevice(generateIdentity()).certificate)
    expect(() => decodeDeviceCertificate(bytes.subarray(0, bytes.length - 1))).toThrow(
      named('DecodeError'),
    )
    expect(() => decodeDeviceCertificate(new Uint8Array([...bytes, 0]))).toThrow(
      named('TooLargeError'),
    )
    const v2 = bytes.slice()
    v2[0] = 2
    expect(() => decodeDeviceCertificate(v2)).toThrow(named('DecodeError'))
  })
})

describe('signed prekeys', () => {
  it('a prekey signed by the device verifies, round-trips and can be sealed to', () => {
    const device = generateDevice(generateIdentity())
    const prekey = generatePrekey(device, { id: 7 })
    expect(verifyPrekey(prekey.signed, device.publicKey)).toBe(true)
    const bytes = encodeSignedPrekey(prekey.signed)
    expect(bytes).toHaveLength(SIGNED_PREKEY_LENGTH)
    const decoded = decodeSignedPrekey(bytes)
    expect(decoded).toEqual(prekey.signed)
    expect(decoded.prekeyId).toBe(7)
    const box = seal(decoded.publicKey, utf8('hello'))
    expect(open(prekey.privateKey, box)).toEqual(utf8('hello'))
  })

  it('a prekey checked against another device fails, as does a substituted public key', () => {
    const identity = generateIdentity()
    const device = generateDevice(identity)
    const other = generateDevice(identity)
    const prekey = generatePrekey(device).signed
    expect(verifyPrekey(prekey, other.publicKey)).toBe(false)
    const swapped = { ...prekey, publicKey: generatePrekey(other).signed.publicKey }
    expect(verifyPrekey(swapped, device.publicKey)).toBe(false)
    expect(verifyPrekey({ ...prekey, prekeyId: prekey.prekeyId ^ 1 }, device.publicKey)).toBe(false)
  })
})

describe('peer id bindings', () => {
  it('a binding verifies for its device, round-trips and rejects another device', () => {
    const identity = generateIdentity()
    const device = generateDevice(identity)
    const binding = bindPeerId(device, PEER_ID, { now: 5 })
    expect(verifyPeerIdBinding(binding, device.publicKey)).toBe(true)
    expect(verifyPeerIdBinding(binding, generateDevice(identity).publicKey)).toBe(false)
    const decoded = decodePeerIdBinding(encodePeerIdBinding(binding))
    expect(decoded).toEqual(binding)
    expect(
      verifyPeerIdBinding({ ...decoded, peerId: PEER_ID.replace('A', 'B') }, device.publicKey),
    ).toBe(false)
  })

  it('peer ids outside 1..128 alphanumeric characters are refused', () => {
    const device = generateDevice(generateIdentity())
    for (const bad of ['', 'a'.repeat(129), 'has space', 'slash/'] as const) {
      expect(() => bindPeerId(device, bad)).toThrow(named('InvalidArgumentError'))
    }
    expect(verifyPeerIdBinding(bindPeerId(device, 'a'.repeat(128)), device.publicKey)).toBe(true)
  })

  it('a binding whose length byte disagrees with its size is a DecodeError', () => {
    const device = generateDevice(generateIdentity())
    const bytes = encodePeerIdBinding(bindPeerId(device, PEER_ID))
    const wrong = bytes.slice()
    wrong[42] = PEER_ID.length - 1
    expect(() => decodePeerIdBinding(wrong)).toThrow(named('DecodeError'))
  })
})
