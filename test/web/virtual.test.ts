import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { HeightIndex } from '../../web/src/lib/virtual.ts'

const keys = (from: number, to: number): string[] =>
  Array.from({ length: to - from }, (_, i) => `m${from + i}`)

/** The obvious O(n) answers, to check the tree against. */
function naive(heights: number[]): {
  offsetOf: (i: number) => number
  indexAt: (offset: number) => number
} {
  return {
    offsetOf: (i) => heights.slice(0, i).reduce((a, b) => a + b, 0),
    indexAt: (offset) => {
      let sum = 0
      for (let i = 0; i < heights.length; i++) {
        sum += heights[i] as number
        if (offset < sum) return i
      }
      return Math.max(heights.length - 1, 0)
    },
  }
}

describe('the virtual list height index', () => {
  it('estimates unmeasured rows and sums measured ones', () => {
    const index = new HeightIndex(50)
    index.setKeys(keys(0, 4))
    expect(index.total).toBe(200)
    expect(index.setHeight('m1', 80)).toBe(30)
    expect(index.total).toBe(230)
    expect(index.offsetOf(0)).toBe(0)
    expect(index.offsetOf(2)).toBe(130)
    expect(index.offsetOf(4)).toBe(230)
    expect(index.setHeight('m1', 80)).toBe(0)
    expect(index.setHeight('unknown', 80)).toBe(0)
  })

  it('finds the row under any offset, clamped to the list', () => {
    const index = new HeightIndex(10)
    index.setKeys(keys(0, 3))
    index.setHeight('m1', 30)
    expect(index.indexAt(-5)).toBe(0)
    expect(index.indexAt(9.9)).toBe(0)
    expect(index.indexAt(10)).toBe(1)
    expect(index.indexAt(39)).toBe(1)
    expect(index.indexAt(40)).toBe(2)
    expect(index.indexAt(10_000)).toBe(2)
    expect(new HeightIndex(10).indexAt(5)).toBe(0)
  })

  it('agrees with a plain sum for any heights and offsets', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 300 }),
        fc.array(fc.integer({ min: -100, max: 130_000 }), { minLength: 1, maxLength: 20 }),
        (heights, offsets) => {
          const index = new HeightIndex(60)
          index.setKeys(heights.map((_, i) => `k${i}`))
          heights.forEach((h, i) => index.setHeight(`k${i}`, h))
          const check = naive(heights)
          for (let i = 0; i <= heights.length; i++)
            expect(index.offsetOf(i)).toBe(check.offsetOf(i))
          for (const offset of offsets) expect(index.indexAt(offset)).toBe(check.indexAt(offset))
        },
      ),
    )
  })

  it('renders only the rows in the viewport plus the overscan', () => {
    const index = new HeightIndex(40)
    index.setKeys(keys(0, 10_000))
    expect(index.range(0, 400, 0)).toEqual({ start: 0, end: 11 })
    expect(index.range(40_000, 400, 200)).toEqual({ start: 995, end: 1016 })
    const last = index.range(index.total - 400, 400, 200)
    expect(last.end).toBe(10_000)
    expect(last.end - last.start).toBeLessThan(30)
    expect(new HeightIndex(40).range(0, 400, 200)).toEqual({ start: 0, end: 0 })
  })

  it('stays fast with 10k rows: 10k height updates and lookups in well under a second', () => {
    const index = new HeightIndex(48)
    index.setKeys(keys(0, 10_000))
    const started = performance.now()
    for (let i = 0; i < 10_000; i++) {
      index.setHeight(`m${i}`, 30 + (i % 70))
      index.range(i * 40, 800, 400)
    }
    expect(performance.now() - started).toBeLessThan(500)
  })

  it('keeps measured heights by key when older rows are prepended', () => {
    const index = new HeightIndex(50)
    index.setKeys(keys(100, 150))
    index.setHeight('m120', 123)
    index.setKeys(keys(50, 150))
    expect(index.indexOf('m120')).toBe(70)
    expect(index.heightAt(70)).toBe(123)
    expect(index.isMeasured('m120')).toBe(true)
    expect(index.isMeasured('m60')).toBe(false)
  })

  it('keeps the first visible message in place on screen when older pages are prepended', () => {
    const index = new HeightIndex(50)
    index.setKeys(keys(100, 150))
    index.setHeight('m100', 90)
    const scrollTop = 1_000
    const anchor = index.anchor(scrollTop)
    expect(anchor).toBeDefined()
    const before = index.offsetOf(index.indexOf(anchor!.key)) - scrollTop
    index.setKeys(keys(50, 150))
    for (let i = 50; i < 100; i++) index.setHeight(`m${i}`, 20 + i)
    const next = index.scrollTopFor(anchor!)!
    expect(index.offsetOf(index.indexOf(anchor!.key)) - next).toBe(before)
    expect(next).toBeGreaterThan(scrollTop)
  })

  it('keeps the anchor in place when rows above it are measured taller than estimated', () => {
    const index = new HeightIndex(50)
    index.setKeys(keys(0, 100))
    const anchor = index.anchor(2_525)!
    expect(anchor).toEqual({ key: 'm50', delta: 25 })
    index.setHeight('m10', 150)
    expect(index.scrollTopFor(anchor)).toBe(2_625)
  })

  it('has no anchor when empty, and loses one whose row is gone', () => {
    const index = new HeightIndex(50)
    expect(index.anchor(0)).toBeUndefined()
    index.setKeys(['a'])
    const anchor = index.anchor(0)!
    index.setKeys(['b'])
    expect(index.scrollTopFor(anchor)).toBeUndefined()
  })

  it('goes back to estimates when measurements are cleared (the width changed)', () => {
    const index = new HeightIndex(50)
    index.setKeys(keys(0, 3))
    index.setHeight('m0', 500)
    index.clearMeasurements()
    expect(index.total).toBe(150)
    expect(index.isMeasured('m0')).toBe(false)
  })
})
