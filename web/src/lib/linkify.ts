/**
 * Splits message text into text and link segments so a component can render
 * links as anchors without ever injecting HTML. Only http(s) URLs become
 * links (Murmur invite and contact links are http(s) too, and are marked so
 * the app can open them itself); javascript:, data: and every other scheme
 * stay text, and so do URLs carrying a user name (`https://bank.com@evil.example`).
 */

export type Segment =
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'link'
      readonly text: string
      readonly href: string
      /** Set for Murmur invite (`#join=`) and contact (`#contact=`) links. */
      readonly murmur?: 'join' | 'contact'
    }

// A candidate runs from the scheme (or `www.`) to the next space, quote, angle
// bracket or emoji; trailing punctuation is trimmed afterwards.
const CANDIDATE = /\b(?:https?:\/\/|www\.)[^\s<>"\p{Extended_Pictographic}]+/giu
const TRAILING = /[.,:;!?'…»”’„“›。、，！？；：]/u
const PAIRS: Record<string, string> = { ')': '(', ']': '[', '}': '{' }

/** The text as segments, in order; joining their `text` gives back the input. */
export function linkify(text: string): Segment[] {
  const out: Segment[] = []
  let last = 0
  for (const match of text.matchAll(CANDIDATE)) {
    const candidate = trimTrailing(match[0])
    const link = toLink(candidate)
    if (link === undefined) continue
    if (match.index > last) out.push({ kind: 'text', text: text.slice(last, match.index) })
    out.push(link)
    last = match.index + candidate.length
  }
  if (last < text.length) out.push({ kind: 'text', text: text.slice(last) })
  return out
}

/** Drops sentence punctuation and unbalanced closing brackets from the end. */
function trimTrailing(candidate: string): string {
  let end = candidate.length
  while (end > 0) {
    const ch = candidate[end - 1] as string
    const open = PAIRS[ch]
    if (open !== undefined) {
      const body = candidate.slice(0, end)
      if (count(body, open) >= count(body, ch)) break
      end--
    } else if (TRAILING.test(ch)) {
      end--
    } else {
      break
    }
  }
  return candidate.slice(0, end)
}

function count(text: string, ch: string): number {
  let n = 0
  for (const c of text) if (c === ch) n++
  return n
}

function toLink(candidate: string): Segment | undefined {
  const absolute = /^www\./i.test(candidate) ? `https://${candidate}` : candidate
  let url: URL
  try {
    url = new URL(absolute)
  } catch {
    return undefined // not a URL after all: it stays text
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  if (url.hostname === '' || url.username !== '' || url.password !== '') return undefined
  const murmur = url.hash.startsWith('#join=')
    ? 'join'
    : url.hash.startsWith('#contact=')
      ? 'contact'
      : undefined
  return {
    kind: 'link',
    text: candidate,
    href: url.href,
    ...(murmur === undefined ? {} : { murmur }),
  }
}
