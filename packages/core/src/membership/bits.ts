/** Fixed-size bitsets over positions in the deterministic order, as Uint32Array words. */

export function hasBit(bits: Uint32Array, i: number, offset = 0): boolean {
  return (bits[offset + (i >>> 5)]! & (1 << (i & 31))) !== 0
}

export function setBit(bits: Uint32Array, i: number): void {
  bits[i >>> 5]! |= 1 << (i & 31)
}

/** Calls `fn` with each set position in ascending order. */
export function forEachBit(bits: Uint32Array, fn: (i: number) => void): void {
  for (let w = 0; w < bits.length; w++) {
    let word = bits[w]!
    while (word !== 0) {
      const low = word & -word
      fn(w * 32 + 31 - Math.clz32(low))
      word ^= low
    }
  }
}

/** The lowest set position, or -1. */
export function lowestBit(bits: Uint32Array): number {
  for (let w = 0; w < bits.length; w++) {
    const word = bits[w]!
    if (word !== 0) return w * 32 + 31 - Math.clz32(word & -word)
  }
  return -1
}

/** True when `bits` and the bitset at `other[offset ..]` share a position. */
export function intersects(bits: Uint32Array, other: Uint32Array, offset: number): boolean {
  for (let w = 0; w < bits.length; w++) if ((bits[w]! & other[offset + w]!) !== 0) return true
  return false
}
