/**
 * Splits a byte stream into lines for the JSON-lines client, holding at most
 * `maxBytes` of one line in memory. A longer line is counted and dropped as
 * its bytes arrive, and comes out as `{ tooLong }` once its newline (or the
 * end of the stream) is reached, so the caller can refuse it and go on.
 */

export type Line = { readonly text: string } | { readonly tooLong: number }

export async function* boundedLines(
  input: AsyncIterable<Uint8Array>,
  maxBytes: number,
): AsyncGenerator<Line> {
  let parts: Uint8Array[] = []
  let size = 0
  const decoder = new TextDecoder()
  const finish = (): Line => {
    const line: Line =
      size > maxBytes ? { tooLong: size } : { text: stripCr(decoder.decode(concat(parts, size))) }
    parts = []
    size = 0
    return line
  }
  for await (const chunk of input) {
    let start = 0
    for (;;) {
      const newline = chunk.indexOf(0x0a, start)
      const piece = chunk.subarray(start, newline === -1 ? chunk.length : newline)
      size += piece.length
      // Copied, so a kept piece does not pin the whole chunk it came in.
      if (size <= maxBytes && piece.length > 0) parts.push(piece.slice())
      else if (size > maxBytes) parts = []
      if (newline === -1) break
      yield finish()
      start = newline + 1
    }
  }
  if (size > 0) yield finish()
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0]!
  const out = new Uint8Array(size)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

function stripCr(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text
}
