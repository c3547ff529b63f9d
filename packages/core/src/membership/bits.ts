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

export function popcount(bits: Uint32Array): number {
  let count = 0
  for (let w = 0; w < bits.length; w++) {
    let v = bits[w]!
    v = v - ((v >>> 1) & 0x55555555)
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333)
    count += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24
  }
  return count
}

/** Clears every position below `from`. */
export function clearBelow(bits: Uint32Array, from: number): void {
  const w = from >>> 5
  bits.fill(0, 0, w)
  if (w < bits.length && (from & 31) !== 0) bits[w]! &= ~((1 << (from & 31)) - 1)
}

/** True when `bits` and the bitset at `other[offset ..]` share a position. */
export function intersects(bits: Uint32Array, other: Uint32Array, offset: number): boolean {
  for (let w = 0; w < bits.length; w++) if ((bits[w]! & other[offset + w]!) !== 0) return true
  return false
}
