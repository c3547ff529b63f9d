/**
 * The offset index behind the virtualised message list: one height per row
 * (measured once rendered, estimated until then) in a Fenwick tree, so that
 * changing one height, the offset of a row and the row at a scroll offset
 * all cost O(log n) with 10k+ rows. Heights are kept by row key, so they
 * survive older pages being prepended. Anchors pin the first visible row to
 * its place on screen across such changes. Pure: no DOM.
 */

/** Rows [start, end) to render. */
export interface Range {
  readonly start: number
  readonly end: number
}

/** The row at the top of the viewport and how far the viewport starts into it. */
export interface Anchor {
  readonly key: string
  readonly delta: number
}

export class HeightIndex {
  readonly #estimate: number
  #keys: readonly string[] = []
  readonly #position = new Map<string, number>()
  #measured = new Map<string, number>()
  #heights = new Float64Array(0)
  /** 1-based Fenwick tree over #heights. */
  #tree = new Float64Array(1)
  #total = 0

  constructor(estimate: number) {
    this.#estimate = estimate
  }

  get count(): number {
    return this.#keys.length
  }

  get total(): number {
    return this.#total
  }

  keyAt(index: number): string | undefined {
    return this.#keys[index]
  }

  indexOf(key: string): number {
    return this.#position.get(key) ?? -1
  }

  heightAt(index: number): number {
    return this.#heights[index] ?? 0
  }

  isMeasured(key: string): boolean {
    return this.#measured.has(key)
  }

  /** Replaces the rows (in order); known heights are kept, new rows start estimated. */
  setKeys(keys: readonly string[]): void {
    const n = keys.length
    this.#keys = keys.slice()
    this.#position.clear()
    const measured = new Map<string, number>()
    this.#heights = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const key = keys[i] as string
      this.#position.set(key, i)
      const known = this.#measured.get(key)
      if (known !== undefined) measured.set(key, known)
      this.#heights[i] = known ?? this.#estimate
    }
    this.#measured = measured
    this.#rebuild()
  }

  /** Records a row's rendered height; returns how much the total changed. */
  setHeight(key: string, height: number): number {
    const index = this.#position.get(key)
    if (index === undefined) return 0
    this.#measured.set(key, height)
    const delta = height - (this.#heights[index] as number)
    if (delta === 0) return 0
    this.#heights[index] = height
    for (let i = index + 1; i < this.#tree.length; i += i & -i) this.#tree[i]! += delta
    this.#total += delta
    return delta
  }

  /** Forgets every measurement (the width changed): rows go back to the estimate. */
  clearMeasurements(): void {
    this.#measured.clear()
    this.#heights.fill(this.#estimate)
    this.#rebuild()
  }

  /** Where row `index` starts: the sum of the heights before it. */
  offsetOf(index: number): number {
    let sum = 0
    for (let i = Math.min(Math.max(index, 0), this.count); i > 0; i -= i & -i) sum += this.#tree[i]!
    return sum
  }

  /** The row containing `offset` (clamped to the first and last row; 0 when empty). */
  indexAt(offset: number): number {
    const n = this.count
    if (n === 0 || offset <= 0) return 0
    let position = 0
    let remaining = offset
    for (let step = highestPowerOfTwo(n); step > 0; step >>= 1) {
      const next = position + step
      if (next <= n && this.#tree[next]! <= remaining) {
        position = next
        remaining -= this.#tree[next]!
      }
    }
    return Math.min(position, n - 1)
  }

  /** The rows that intersect the viewport, widened by `overscan` pixels each way. */
  range(scrollTop: number, viewport: number, overscan: number): Range {
    const n = this.count
    if (n === 0) return { start: 0, end: 0 }
    const start = this.indexAt(scrollTop - overscan)
    const end = Math.min(this.indexAt(scrollTop + viewport + overscan) + 1, n)
    return { start, end }
  }

  anchor(scrollTop: number): Anchor | undefined {
    if (this.count === 0) return undefined
    const index = this.indexAt(scrollTop)
    return { key: this.#keys[index] as string, delta: scrollTop - this.offsetOf(index) }
  }

  /** The scroll offset that puts the anchor's row where it was; undefined if it is gone. */
  scrollTopFor(anchor: Anchor): number | undefined {
    const index = this.#position.get(anchor.key)
    return index === undefined ? undefined : this.offsetOf(index) + anchor.delta
  }

  #rebuild(): void {
    const n = this.#heights.length
    const tree = new Float64Array(n + 1)
    let total = 0
    for (let i = 1; i <= n; i++) {
      const h = this.#heights[i - 1] as number
      total += h
      tree[i]! += h
      const parent = i + (i & -i)
      if (parent <= n) tree[parent]! += tree[i]!
    }
    this.#tree = tree
    this.#total = total
  }
}

function highestPowerOfTwo(n: number): number {
  let p = 1
  while (p * 2 <= n) p *= 2
  return p
}
