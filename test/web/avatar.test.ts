import { describe, expect, it } from 'vitest'
import {
  AVATAR_COLOURS,
  avatarFor,
  colourIndex,
  contrastRatio,
  initialsOf,
} from '../../web/src/lib/avatar.ts'

// User ids are 64 hex digits; a small LCG makes a fixed, varied set of them.
let seed = 12345
const hex = (): string => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
  return (seed >>> 8).toString(16).padStart(6, '0').slice(-4)
}
const ids = Array.from({ length: 400 }, () => Array.from({ length: 16 }, hex).join(''))

describe('generated avatars', () => {
  it('give the same user the same colour every time, whatever their name', () => {
    const id = 'a3f1'.repeat(16)
    expect(avatarFor(id, 'Ada')).toEqual(avatarFor(id, 'Ada'))
    expect(avatarFor(id, 'Ada').background).toBe(avatarFor(id, 'Ada Lovelace').background)
    expect(colourIndex(id)).toBe(colourIndex(id.slice()))
  })

  it('spread users over every colour of the palette', () => {
    const used = new Set(ids.map(colourIndex))
    expect(used.size).toBe(AVATAR_COLOURS.length)
    for (const id of ids) {
      expect(colourIndex(id)).toBeGreaterThanOrEqual(0)
      expect(colourIndex(id)).toBeLessThan(AVATAR_COLOURS.length)
    }
  })

  it('keep white initials readable (WCAG AA, 4.5:1) on every colour', () => {
    for (const colour of AVATAR_COLOURS)
      expect(contrastRatio(colour, '#ffffff')).toBeGreaterThanOrEqual(4.5)
  })

  it('take one initial from each of the first two words', () => {
    expect(initialsOf('Ada Lovelace')).toBe('AL')
    expect(initialsOf('grace brewster murray hopper')).toBe('GB')
    expect(initialsOf('  bob  ')).toBe('B')
    expect(initialsOf('Жанна д’Арк')).toBe('ЖД')
    expect(initialsOf('mary-jane')).toBe('MJ')
  })

  it('keep a whole emoji or accented letter as one initial', () => {
    expect(initialsOf('👩‍💻 Coder')).toBe('👩‍💻C')
    expect(initialsOf('e\u0301mile')).toBe('E\u0301')
  })

  it('fall back to a question mark for an empty or symbol-only name', () => {
    expect(initialsOf('')).toBe('?')
    expect(initialsOf('   ')).toBe('?')
    expect(initialsOf('---')).toBe('?')
  })
})
