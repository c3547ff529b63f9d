import { describe, expect, it } from 'vitest'
import { qrShape } from '../../web/src/lib/qr.ts'

/** Paints the path's runs back into a matrix of dark modules. */
function paint(size: number, path: string): boolean[][] {
  const grid = Array.from({ length: size }, () => Array<boolean>(size).fill(false))
  for (const [, x, y, w] of path.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
    for (let i = 0; i < Number(w); i++) grid[Number(y)]![Number(x) + i] = true
  }
  return grid
}

function hasFinder(grid: boolean[][], top: number, left: number): boolean {
  for (let y = 0; y < 7; y++) {
    for (let x = 0; x < 7; x++) {
      const ring = y === 0 || y === 6 || x === 0 || x === 6
      const core = y >= 2 && y <= 4 && x >= 2 && x <= 4
      if (grid[top + y]![left + x] !== (ring || core)) return false
    }
  }
  return true
}

const base64url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const link = (n: number): string =>
  'https://chat.example.org/#join=' +
  Array.from({ length: n }, (_, i) => base64url[(i * 37 + 11) % 64]).join('')

describe('QR codes for links', () => {
  it('draw a square code with the three finder patterns in its corners', () => {
    const { size, path } = qrShape(link(400))
    expect(size % 4).toBe(1) // QR sides are 17 + 4 × version
    const grid = paint(size, path)
    expect(hasFinder(grid, 0, 0)).toBe(true)
    expect(hasFinder(grid, 0, size - 7)).toBe(true)
    expect(hasFinder(grid, size - 7, 0)).toBe(true)
    expect(hasFinder(grid, size - 7, size - 7)).toBe(false)
  })

  it('only describe modules inside the code', () => {
    const { size, path } = qrShape('https://chat.example.org/#contact=abc')
    for (const [, x, y, w] of path.matchAll(/M(\d+) (\d+)h(\d+)/g)) {
      expect(Number(x) + Number(w)).toBeLessThanOrEqual(size)
      expect(Number(y)).toBeLessThan(size)
    }
  })

  it('hold an invite link with several relays', () => {
    expect(() => qrShape(link(1500))).not.toThrow()
  })

  it('refuse text too long for any QR code', () => {
    expect(() => qrShape(link(3000))).toThrow()
  })
})
