import { describe, expect, it } from 'vitest'
import { encrypt } from './aead.ts'
import { fromHex, toHex, utf8 } from './bytes.ts'
import { receiverChain, restoreReceiverChain, restoreSenderChain, senderChain } from './chain.ts'
import { conversationTag, newEpochSecret, senderChainKey, senderTag, topicId } from './epoch.ts'

const named = (name: string): unknown => expect.objectContaining({ name })
const alice = utf8('alice-device')
const bob = utf8('bob-device')

describe('epoch secrets', () => {
  it('derive distinct tags, topic ids and chain keys per purpose and per sender', () => {
    const epoch = newEpochSecret()
    const values = [
      conversationTag(epoch),
      topicId(epoch),
      senderTag(epoch, alice),
      senderTag(epoch, bob),
      senderChainKey(epoch, alice).subarray(0, 16),
      senderChainKey(epoch, bob).subarray(0, 16),
    ].map(toHex)
    expect(new Set(values).size).toBe(values.length)
    expect(conversationTag(epoch)).toEqual(conversationTag(epoch))
    expect(conversationTag(newEpochSecret())).not.toEqual(conversationTag(epoch))
  })

  it('keeps the derivations stable (regression values computed by this implementation)', () => {
    // Not an external vector: computed once from the formulas in epoch.ts/chain.ts with
    // @noble's hkdf/hmac called directly; it pins the labels so a change is noticed.
    const epoch = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')
    expect(toHex(conversationTag(epoch))).toBe(CONVERSATION_TAG)
    expect(toHex(senderChainKey(epoch, alice))).toBe(ALICE_CHAIN_KEY)
    expect(toHex(senderChain(epoch, alice).next().key)).toBe(ALICE_MESSAGE_KEY_0)
  })

  it('rejects malformed secrets and sender ids', () => {
    expect(() => conversationTag(new Uint8Array(31))).toThrow(named('InvalidArgumentError'))
    expect(() => senderTag(newEpochSecret(), new Uint8Array(0))).toThrow(
      named('InvalidArgumentError'),
    )
    expect(() => senderTag(newEpochSecret(), new Uint8Array(256))).toThrow(
      named('InvalidArgumentError'),
    )
  })
})

describe('per-sender hash chains', () => {
  it('the receiver derives the same keys as the sender, in and out of order', () => {
    const epoch = newEpochSecret()
    const send = senderChain(epoch, alice)
    const sent = Array.from({ length: 10 }, () => send.next())
    expect(sent.map((k) => k.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    const recv = receiverChain(epoch, alice)
    for (const i of [3, 0, 9, 1, 2, 8, 4, 7, 5, 6]) expect(recv.take(i)).toEqual(sent[i]!.key)
    expect(recv.storedKeys).toBe(0)
  })

  it('every message key is different and another sender has another chain', () => {
    const epoch = newEpochSecret()
    const a = senderChain(epoch, alice)
    const b = senderChain(epoch, bob)
    const keys = [a.next(), a.next(), b.next(), b.next()].map((k) => toHex(k.key))
    expect(new Set(keys).size).toBe(4)
  })

  it('the receiver chain rejects a replayed index', () => {
    const epoch = newEpochSecret()
    const send = senderChain(epoch, alice)
    const recv = receiverChain(epoch, alice)
    const m0 = send.next()
    const box = encrypt(m0.key, utf8('hi'), utf8('hdr'))
    expect(recv.decrypt(0, box, utf8('hdr'))).toEqual(utf8('hi'))
    expect(() => recv.decrypt(0, box, utf8('hdr'))).toThrow(named('ReplayError'))
    expect(() => recv.take(0)).toThrow(named('ReplayError'))
  })

  it('a skipped index can be decrypted once, later', () => {
    const epoch = newEpochSecret()
    const send = senderChain(epoch, alice)
    const recv = receiverChain(epoch, alice)
    const boxes = [0, 1, 2].map(() => {
      const { key } = send.next()
      return encrypt(key, utf8('m'))
    })
    recv.decrypt(2, boxes[2]!)
    expect(recv.storedKeys).toBe(2)
    recv.decrypt(0, boxes[0]!)
    expect(() => recv.decrypt(0, boxes[0]!)).toThrow(named('ReplayError'))
    recv.decrypt(1, boxes[1]!)
    expect(recv.storedKeys).toBe(0)
  })

  it('a forged message does not burn the key of the real one', () => {
    const epoch = newEpochSecret()
    const send = senderChain(epoch, alice)
    const recv = receiverChain(epoch, alice)
    const real = encrypt(send.next().key, utf8('real'))
    const forged = real.slice()
    forged[forged.length - 1]! ^= 1
    expect(() => recv.decrypt(0, forged)).toThrow(named('DecryptError'))
    expect(recv.nextIndex).toBe(0)
    expect(recv.decrypt(0, real)).toEqual(utf8('real'))
  })

  it('skipping beyond the max skip fails with SkipLimitError and leaves the chain usable', () => {
    const epoch = newEpochSecret()
    const recv = receiverChain(epoch, alice, { maxSkip: 50 })
    expect(() => recv.take(51)).toThrow(named('SkipLimitError'))
    expect(recv.nextIndex).toBe(0)
    expect(recv.take(50)).toHaveLength(32)
    expect(recv.storedKeys).toBe(50)
    expect(() => recv.take(102)).toThrow(named('SkipLimitError'))
    // The default allows 2000 steps, and not 2001.
    const wide = receiverChain(epoch, bob)
    expect(() => wide.take(2001)).toThrow(named('SkipLimitError'))
    expect(wide.take(2000)).toHaveLength(32)
  })

  it('keeps at most maxStoredKeys skipped keys, dropping the oldest', () => {
    const epoch = newEpochSecret()
    const recv = receiverChain(epoch, alice, { maxSkip: 100, maxStoredKeys: 10 })
    recv.take(30)
    expect(recv.storedKeys).toBe(10)
    expect(() => recv.take(5)).toThrow(named('ReplayError'))
    expect(recv.take(25)).toHaveLength(32)
  })

  it('rejects indices that are not u32 integers', () => {
    const recv = receiverChain(newEpochSecret(), alice)
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 32]) {
      expect(() => recv.take(bad)).toThrow(named('InvalidArgumentError'))
    }
  })

  it('saved sender and receiver state restores to the same position', () => {
    const epoch = newEpochSecret()
    const send = senderChain(epoch, alice)
    const recv = receiverChain(epoch, alice)
    const keys = Array.from({ length: 6 }, () => send.next())
    recv.take(4)
    recv.take(1)
    const send2 = restoreSenderChain(send.save())
    const recv2 = restoreReceiverChain(recv.save())
    expect(send2.nextIndex).toBe(6)
    expect(recv2.nextIndex).toBe(5)
    expect(recv2.storedKeys).toBe(3)
    const k6 = send2.next()
    expect(recv2.take(6)).toEqual(k6.key)
    expect(recv2.take(0)).toEqual(keys[0]!.key)
    expect(() => recv2.take(1)).toThrow(named('ReplayError'))
    expect(recv2.take(5)).toEqual(keys[5]!.key)
  })

  it('malformed saved state is a DecodeError', () => {
    const recv = receiverChain(newEpochSecret(), alice)
    recv.take(3)
    const state = recv.save()
    expect(() => restoreReceiverChain(state.subarray(0, state.length - 1))).toThrow(
      named('DecodeError'),
    )
    const outOfOrder = state.slice()
    outOfOrder[40 + 3] = 9 // first stored index := 9, not below the next index 4
    expect(() => restoreReceiverChain(outOfOrder)).toThrow(named('DecodeError'))
    expect(() => restoreSenderChain(state.subarray(0, 38))).toThrow(named('DecodeError')) // wrong kind
    expect(() => restoreSenderChain(state)).toThrow(named('TooLargeError'))
  })
})

const CONVERSATION_TAG = '23ee04dd5c4fc3661b46bad998b2f238'
const ALICE_CHAIN_KEY = '557109b49b3512ab2a04281372a1f8fa3d59cb57c39e781b9a286d1aad9e303e'
const ALICE_MESSAGE_KEY_0 = 'b80dfbae81bf7438eeff60aa5df18e186fc39cc544825d30a241b4cdd3d04260'

describe('receiver chain open/commit', () => {
  it('spends a key only when the caller commits, so a message that fails later checks burns nothing', () => {
    const secret = newEpochSecret()
    const id = new Uint8Array(16).fill(7)
    const sender = senderChain(secret, id)
    const { index, key } = sender.next()
    const box = encrypt(key, utf8('hi'))
    const receiver = receiverChain(secret, id)
    const first = receiver.open(index, box)
    expect(first.plaintext).toEqual(utf8('hi'))
    // Not committed: the same index opens again.
    const second = receiver.open(index, box)
    second.commit()
    expect(() => receiver.open(index, box)).toThrow(
      expect.objectContaining({ name: 'ReplayError' }),
    )
  })
})
