/**
 * Launches Debian's Chromium through playwright-core (never a downloaded
 * browser) with the flags that work on this machine.
 */

import { chromium } from 'playwright-core'
import type { Browser } from 'playwright-core'
import { existsSync } from 'node:fs'

export const CHROMIUM = process.env.MURMUR_CHROMIUM ?? '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing; run \`npm test\` (it installs Debian's chromium) or apt-get install chromium`,
    )
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
}
