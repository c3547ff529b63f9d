// Renders the PWA's PNG icons from their SVG sources with the Chromium the tests use
// (playwright-core, no image library): `node scripts/make-icons.ts` after changing
// web/public/icons/*.svg. The PNGs are committed; the build only copies them.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { chromium } from 'playwright-core'

const icons = path.resolve(import.meta.dirname, '..', 'web', 'public', 'icons')

const outputs = [
  { source: 'maskable.svg', size: 180, file: 'apple-touch-icon.png' },
  { source: 'icon.svg', size: 192, file: 'icon-192.png' },
  { source: 'icon.svg', size: 512, file: 'icon-512.png' },
  { source: 'maskable.svg', size: 512, file: 'maskable-512.png' },
]

const browser = await chromium.launch({
  executablePath: process.env.MURMUR_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
  headless: true,
})
try {
  for (const { source, size, file } of outputs) {
    const svg = await readFile(path.join(icons, source), 'utf8')
    const page = await browser.newPage({ viewport: { width: size, height: size } })
    const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`
    await page.setContent(
      `<body style="margin:0"><img src="${src}" width="${size}" height="${size}" style="display:block"></body>`,
    )
    await page.waitForFunction('document.images[0]?.complete === true')
    await page.screenshot({ path: path.join(icons, file), omitBackground: true })
    await page.close()
    console.info(`${file} (${size}×${size})`)
  }
} finally {
  await browser.close()
}
