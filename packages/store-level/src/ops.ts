/**
 * Checks shared by every adapter, done before anything is written so that a
 * rejected call (or batch) changes nothing.
 */

import type { BatchOp } from '@murmur/core/storage'
import { InvalidArgumentError } from '@murmur/protocol'
import { assertKey, encodeKeys } from './keys.ts'

export type EncodedOp =
  | { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: Uint8Array }

export function assertValue(value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new InvalidArgumentError(`A stored value must be a Uint8Array, got ${describe(value)}`)
  }
}

/** Encodes every op of a batch (keys sharing one buffer), or throws for the first invalid one. */
export function encodeBatch(ops: readonly BatchOp[]): EncodedOp[] {
  if (!Array.isArray(ops)) throw new InvalidArgumentError('A batch must be an array of ops')
  ops.forEach((op: BatchOp, i) => {
    if (op?.type !== 'put' && op?.type !== 'del') {
      throw new InvalidArgumentError(
        `Batch op ${i} has type ${describe((op as { type?: unknown } | undefined)?.type)}; expected 'put' or 'del'; nothing in the batch was written`,
      )
    }
    try {
      if (op.type === 'put') assertValue(op.value)
      assertKey(op.key, 'key')
    } catch (err) {
      if (err instanceof InvalidArgumentError) {
        throw new InvalidArgumentError(
          `Batch op ${i}: ${err.message}; nothing in the batch was written`,
          { cause: err },
        )
      }
      throw err
    }
  })
  const keys = encodeKeys(ops.map((op) => op.key))
  return ops.map((op, i): EncodedOp =>
    op.type === 'put'
      ? { type: 'put', key: keys[i] as Uint8Array, value: op.value }
      : { type: 'del', key: keys[i] as Uint8Array },
  )
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object'
  return typeof value === 'string' ? JSON.stringify(value) : typeof value
}
