import { describe, expect, it } from 'vitest'
import { x25519 } from '@noble/curves/ed25519.js'
import { open, seal, SEAL_OVERHEAD } from './seal.ts'
import { utf8 } from './bytes.ts'

const named = (name: string): unknown => expect.objectContaining({ name })

describe('sealing to a prekey', () => {
  const recipient = x25519.keygen()
  const message = utf8('the epoch secret, say')

  it('the holder of the private key opens what was sealed to the public key', () => {
    const box = seal(recipient.publicKey, message, utf8('header'))
    expect(box).toHaveLength(message.length + SEAL_OVERHEAD)
    expect(open(recipient.secretKey, box, utf8('header'))).toEqual(message)
  })

  it('two seals of the same message look unrelated', () => {
    const a = seal(recipient.publicKey, message)
    const b = seal(recipient.publicKey, message)
    expect(a).not.toEqual(b)
  })

  it('tampering with any byte of a sealed box fails with DecryptError', () => {
    const box = seal(recipient.publicKey, message, utf8('aad'))
    for (let i = 0; i < box.length; i++) {
      const tampered = box.slice()
      tampered[i]! ^= 0x01
      expect(() => open(recipient.secretKey, tampered, utf8('aad')), `byte ${i}`).toThrow(
        named('DecryptError'),
      )
    }
  })

  it('truncated boxes, extended boxes, other aad and other keys all fail with DecryptError', () => {
    const box = seal(recipient.publicKey, message, utf8('aad'))
    for (let n = 0; n < box.length; n++) {
      expect(() => open(recipient.secretKey, box.subarray(0, n), utf8('aad'))).toThrow(
        named('DecryptError'),
      )
    }
    expect(() => open(recipient.secretKey, new Uint8Array([...box, 0]), utf8('aad'))).toThrow(
      named('DecryptError'),
    )
    expect(() => open(recipient.secretKey, box, utf8('other'))).toThrow(named('DecryptError'))
    expect(() => open(recipient.secretKey, box)).toThrow(named('DecryptError'))
    expect(() => open(x25519.keygen().secretKey, box, utf8('aad'))).toThrow(named('DecryptError'))
  })

  it('a box whose ephemeral key is a low-order point fails with DecryptError', () => {
    const box = seal(recipient.publicKey, message)
    box.fill(0, 2, 34) // u = 0 is of low order
    expect(() => open(recipient.secretKey, box)).toThrow(named('DecryptError'))
  })

  it('sealing to a low-order or malformed key is refused up front', () => {
    expect(() => seal(new Uint8Array(32), message)).toThrow(named('InvalidArgumentError'))
    expect(() => seal(new Uint8Array(31), message)).toThrow(named('InvalidArgumentError'))
  })

  it('an empty plaintext seals and opens', () => {
    expect(open(recipient.secretKey, seal(recipient.publicKey, new Uint8Array(0)))).toEqual(
      new Uint8Array(0),
    )
  })
})
