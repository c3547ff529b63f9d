/**
 * Per-sender hash chains: forward secrecy inside a group epoch.
 *
 * Each sender's chain starts at senderChainKey(epoch secret, sender id)
 * (epoch.ts) and steps like Signal's symmetric ratchet:
 *
 *   message key i = HMAC-SHA256(chain key i, "murmur/v1/chain/message-key")
 *   chain key i+1 = HMAC-SHA256(chain key i, "murmur/v1/chain/next")
 *
 * Old chain keys are overwritten, so a device compromised at index n cannot
 * recover message keys below n (provided the epoch secret was erased too).
 *
 * The receiver keeps the keys of skipped indices (out-of-order delivery), at
 * most `maxStoredKeys` of them, oldest dropped first, and refuses to jump
 * more than `maxSkip` indices ahead. A key is deleted when used, so an index
 * decrypts once; `decrypt` consumes a key only after the ciphertext
 * authenticates, so a forged message cannot burn the key of a real one.
 *
 * Stored state (secret: keep it encrypted at rest):
 *
 *   sender:    u8 version=1 | u8 kind=0x05 | u32 next index | 32 chain key
 *   receiver:  u8 version=1 | u8 kind=0x06 | u32 next index | 32 chain key
 *              | u16 n | n × (u32 index | 32 message key), indices ascending, < next
 */
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidArgumentError } from '@murmur/protocol'
import { decrypt as aeadDecrypt } from './aead.ts'
import { utf8 } from './bytes.ts'
import { FORMAT_VERSION, Kind, Reader, Writer } from './codec.ts'
import { senderChainKey } from './epoch.ts'
import { ChainExhaustedError, ReplayError, SkipLimitError } from './errors.ts'
import { Labels } from './labels.ts'

/** Largest message index; the next index must still fit a u32. */
export const MAX_CHAIN_INDEX = 0xfffffffe
export const DEFAULT_MAX_SKIP = 2000
export const DEFAULT_MAX_STORED_KEYS = 2000
const MAX_OPTION = 0xffff

export interface ChainKey {
  readonly index: number
  readonly key: Uint8Array
}

export interface SenderChain {
  /** Index the next call to next() returns. */
  readonly nextIndex: number
  /** Key for the next message; the chain moves on and forgets it. */
  next(): ChainKey
  /** Secret state for storage; persist it before sending what next() keyed. */
  save(): Uint8Array
}

export interface ReceiverChain {
  /** Lowest index not yet reached. */
  readonly nextIndex: number
  /** Number of skipped-message keys being kept. */
  readonly storedKeys: number
  /** Decrypts an aead.encrypt box sent at `index`; its key is consumed only on success. */
  decrypt(index: number, box: Uint8Array, aad?: Uint8Array): Uint8Array
  /**
   * Decrypts without consuming the key; `commit()` consumes it. For callers
   * that must check more than the AEAD (a signature inside) before a message
   * may spend its key. Commit before any other call on this chain.
   */
  open(index: number, box: Uint8Array, aad?: Uint8Array): { plaintext: Uint8Array; commit(): void }
  /** Key for `index`, consumed at once. Prefer decrypt(): a forged message would burn the key here. */
  take(index: number): Uint8Array
  save(): Uint8Array
}

export interface ReceiverChainOptions {
  readonly maxSkip?: number
  readonly maxStoredKeys?: number
}

const MESSAGE = utf8(Labels.chainMessageKey)
const NEXT = utf8(Labels.chainNext)
const messageKey = (ck: Uint8Array): Uint8Array => hmac(sha256, ck, MESSAGE)
const nextChainKey = (ck: Uint8Array): Uint8Array => hmac(sha256, ck, NEXT)

export function senderChain(epochSecret: Uint8Array, senderId: Uint8Array): SenderChain {
  return makeSender(senderChainKey(epochSecret, senderId), 0)
}

export function restoreSenderChain(state: Uint8Array): SenderChain {
  const r = new Reader(state, 'sender chain state', Kind.senderChainState, 38, 38)
  const next = r.u32()
  const ck = r.bytes(32)
  r.end()
  return makeSender(ck, next)
}

function makeSender(initial: Uint8Array, start: number): SenderChain {
  let ck = initial
  let next = start
  return {
    get nextIndex() {
      return next
    },
    next() {
      if (next > MAX_CHAIN_INDEX)
        throw new ChainExhaustedError('sender chain is exhausted; start a new epoch')
      const out = { index: next, key: messageKey(ck) }
      const old = ck
      ck = nextChainKey(ck)
      old.fill(0)
      next++
      return out
    },
    save() {
      return new Writer().u8(FORMAT_VERSION).u8(Kind.senderChainState).u32(next).bytes(ck).finish()
    },
  }
}

export function receiverChain(
  epochSecret: Uint8Array,
  senderId: Uint8Array,
  options: ReceiverChainOptions = {},
): ReceiverChain {
  return makeReceiver(senderChainKey(epochSecret, senderId), 0, new Map(), options)
}

export function restoreReceiverChain(
  state: Uint8Array,
  options: ReceiverChainOptions = {},
): ReceiverChain {
  const r = new Reader(
    state,
    'receiver chain state',
    Kind.receiverChainState,
    40,
    40 + MAX_OPTION * 36,
  )
  const next = r.u32()
  const ck = r.bytes(32)
  const n = r.u16()
  if (r.remaining !== n * 36) r.fail('length does not match the number of stored keys')
  const skipped = new Map<number, Uint8Array>()
  let previous = -1
  for (let i = 0; i < n; i++) {
    const index = r.u32()
    if (index <= previous || index >= next)
      r.fail('stored key indices must ascend and lie below the next index')
    skipped.set(index, r.bytes(32))
    previous = index
  }
  r.end()
  return makeReceiver(ck, next, skipped, options)
}

interface Plan {
  readonly key: Uint8Array
  commit(): void
}

function makeReceiver(
  initial: Uint8Array,
  start: number,
  skipped: Map<number, Uint8Array>,
  options: ReceiverChainOptions,
): ReceiverChain {
  const maxSkip = option(options.maxSkip, DEFAULT_MAX_SKIP, 'maxSkip')
  const maxStored = option(options.maxStoredKeys, DEFAULT_MAX_STORED_KEYS, 'maxStoredKeys')
  let ck = initial
  let next = start
  evict()

  function evict(): void {
    // Map order is insertion order, and indices are inserted ascending.
    for (const [index, key] of skipped) {
      if (skipped.size <= maxStored) break
      key.fill(0)
      skipped.delete(index)
    }
  }

  /** Works out the key for `index` without changing any state. */
  function plan(index: number): Plan {
    if (!Number.isInteger(index) || index < 0 || index > MAX_CHAIN_INDEX) {
      throw new InvalidArgumentError(
        `message index must be an integer 0..${MAX_CHAIN_INDEX}, got ${index}`,
      )
    }
    if (index < next) {
      const key = skipped.get(index)
      if (key === undefined) throw new ReplayError(index, 'its key was already used or dropped')
      return {
        key,
        commit: () => {
          skipped.delete(index)
        },
      }
    }
    if (index - next > maxSkip) throw new SkipLimitError(index, next, maxSkip)
    const fresh: [number, Uint8Array][] = []
    let c = ck
    for (let i = next; i < index; i++) {
      fresh.push([i, messageKey(c)])
      c = nextChainKey(c)
    }
    const key = messageKey(c)
    const after = nextChainKey(c)
    return {
      key,
      commit: () => {
        for (const [i, k] of fresh) skipped.set(i, k)
        ck.fill(0)
        ck = after
        next = index + 1
        evict()
      },
    }
  }

  return {
    get nextIndex() {
      return next
    },
    get storedKeys() {
      return skipped.size
    },
    decrypt(index, box, aad) {
      const p = plan(index)
      const plaintext = aeadDecrypt(p.key, box, aad)
      p.commit()
      p.key.fill(0)
      return plaintext
    },
    open(index, box, aad) {
      const p = plan(index)
      const plaintext = aeadDecrypt(p.key, box, aad)
      let committed = false
      return {
        plaintext,
        commit: () => {
          if (committed) return
          committed = true
          p.commit()
          p.key.fill(0)
        },
      }
    },
    take(index) {
      const p = plan(index)
      p.commit()
      return p.key
    },
    save() {
      const w = new Writer()
        .u8(FORMAT_VERSION)
        .u8(Kind.receiverChainState)
        .u32(next)
        .bytes(ck)
        .u16(skipped.size)
      for (const [index, key] of skipped) w.u32(index).bytes(key)
      return w.finish()
    },
  }
}

function option(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback
  if (!Number.isInteger(v) || v < 0 || v > MAX_OPTION) {
    throw new InvalidArgumentError(`${name} must be an integer 0..${MAX_OPTION}, got ${v}`)
  }
  return v
}
