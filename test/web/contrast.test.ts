/**
 * The colours in web/src/app.css keep text readable in both themes: every
 * pair of text and background the shell uses reaches WCAG AA (4.5:1), and
 * status dots and field borders reach the 3:1 asked of non-text contrast.
 */

import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { contrastRatio } from '../../web/src/lib/avatar.ts'

const css = readFileSync(resolve(import.meta.dirname, '../../web/src/app.css'), 'utf8')

function theme(selector: string): Record<string, string> {
  const start = css.indexOf(selector)
  const block = css.slice(css.indexOf('{', start) + 1, css.indexOf('}', start))
  const vars: Record<string, string> = {}
  for (const [, name, value] of block.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})\s*;/gi)) {
    vars[name!] = value!.toLowerCase()
  }
  return vars
}

const THEMES = {
  light: theme(":root[data-theme='light']"),
  dark: theme(":root[data-theme='dark']"),
}

const TEXT: Array<[fg: string, bg: string]> = [
  ['fg', 'bg'],
  ['fg', 'surface'],
  ['fg', 'surface-2'],
  ['fg', 'selected'],
  ['fg', 'chat-bg'],
  ['fg', 'accent-soft'],
  ['muted', 'surface'],
  ['muted', 'surface-2'],
  ['muted', 'selected'],
  ['muted', 'chat-bg'],
  ['muted', 'bg'],
  ['accent-text', 'surface'],
  ['accent-text', 'surface-2'],
  ['accent-text', 'accent-soft'],
  ['accent-fg', 'accent'],
  ['danger-fg', 'danger'],
  ['danger-text', 'surface'],
  ['danger-text', 'surface-2'],
  ['banner-fg', 'banner-bg'],
  ['surface', 'fg'], // info toasts are inverted
]

const NON_TEXT: Array<[fg: string, bg: string]> = [
  ['field-border', 'surface'],
  ['focus', 'surface'],
  ['focus', 'bg'],
  ['ok', 'surface'],
  ['warn', 'surface'],
  ['danger', 'surface'],
  ['accent', 'surface'],
]

describe.each(Object.entries(THEMES))('the %s theme', (_, vars) => {
  it('defines every colour the pairs name', () => {
    for (const [a, b] of [...TEXT, ...NON_TEXT]) {
      expect(vars[a], a).toMatch(/^#[0-9a-f]{6}$/)
      expect(vars[b], b).toMatch(/^#[0-9a-f]{6}$/)
    }
  })

  it.each(TEXT)('keeps %s text on %s at 4.5:1 or more', (fg, bg) => {
    expect(contrastRatio(vars[fg]!, vars[bg]!)).toBeGreaterThanOrEqual(4.5)
  })

  it.each(NON_TEXT)('keeps %s against %s at 3:1 or more', (fg, bg) => {
    expect(contrastRatio(vars[fg]!, vars[bg]!)).toBeGreaterThanOrEqual(3)
  })
})
