/**
 * Generated avatars: initials from the display name on a colour picked from
 * the user id, so the same person looks the same on every device and in
 * every conversation, and a rename keeps their colour. Every background
 * carries white initials at a WCAG AA contrast of at least 4.5:1.
 */

export interface AvatarLook {
  readonly initials: string
  readonly background: string
  readonly foreground: string
}

export const AVATAR_COLOURS = [
  '#c92a2a',
  '#b35300',
  '#7a6400',
  '#2b7a0b',
  '#087f5b',
  '#0b7285',
  '#1c64c4',
  '#5f3dc4',
  '#9c36b5',
  '#a61e4d',
] as const

export function avatarFor(userId: string, name: string): AvatarLook {
  return {
    initials: initialsOf(name),
    background: AVATAR_COLOURS[colourIndex(userId)] as string,
    foreground: '#ffffff',
  }
}

/** FNV-1a over the id's UTF-16 code units, then a final mix so the low bits spread too. */
export function colourIndex(userId: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  hash ^= hash >>> 16
  hash = Math.imul(hash, 0x85ebca6b)
  hash ^= hash >>> 13
  hash = Math.imul(hash, 0xc2b2ae35)
  hash ^= hash >>> 16
  return (hash >>> 0) % AVATAR_COLOURS.length
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' })

/** Up to two initials, one from each of the first two words ("Ada Lovelace" → "AL"). */
export function initialsOf(name: string): string {
  const words = name
    .trim()
    .split(/[\s\p{Pd}_.]+/u)
    .filter((w) => /[\p{L}\p{N}\p{Extended_Pictographic}]/u.test(w))
  if (words.length === 0) return '?'
  return words
    .slice(0, 2)
    .map((word) => firstGrapheme(word).toLocaleUpperCase())
    .join('')
}

function firstGrapheme(word: string): string {
  // Skip leading punctuation ("(Bob)" → "B"), keep a leading emoji whole.
  for (const { segment } of segmenter.segment(word)) {
    if (/[\p{L}\p{N}\p{Extended_Pictographic}]/u.test(segment)) return segment
  }
  return ''
}

/** WCAG relative-luminance contrast ratio between two #rrggbb colours. */
export function contrastRatio(a: string, b: string): number {
  const [la, lb] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (la + 0.05) / (lb + 0.05)
}

function luminance(hex: string): number {
  const channel = (i: number): number => {
    const c = parseInt(hex.slice(1 + i * 2, 3 + i * 2), 16) / 255
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2)
}
