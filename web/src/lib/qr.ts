/**
 * QR codes for invite and contact links, as one SVG path (no canvas, no data
 * URL): dark modules merged into horizontal runs, in module units, so the
 * component scales it to any size and it stays crisp.
 */

import QRCode from 'qrcode'

export interface QrShape {
  /** Modules per side, without the quiet zone. */
  readonly size: number
  /** SVG path data of the dark modules; one unit per module. */
  readonly path: string
}

/** Throws when the text does not fit in a QR code (about 2 kB at level M). */
export function qrShape(text: string): QrShape {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' })
  const { size, data } = modules
  const parts: string[] = []
  for (let y = 0; y < size; y++) {
    let x = 0
    while (x < size) {
      if (data[y * size + x] === 0) {
        x++
        continue
      }
      const start = x
      while (x < size && data[y * size + x] !== 0) x++
      parts.push(`M${start} ${y}h${x - start}v1h-${x - start}z`)
    }
  }
  return { size, path: parts.join('') }
}
