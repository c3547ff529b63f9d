/** The markdown table and number formatting shared by run.ts and the README. */

import type { Measure, RowReport } from './types.ts'

export function fmt(value: number | null | undefined, unit = ''): string {
  if (value == null || !Number.isFinite(value)) return '—'
  const abs = Math.abs(value)
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3
  const text = value.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: 0,
  })
  return unit === '' ? text : `${text} ${unit}`
}

export function fmtRatio(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return '—'
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}×`
}

function metCell(met: boolean | null | undefined): string {
  if (met === true) return 'yes'
  if (met === false) return '**no**'
  return '—'
}

function esc(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

function line(id: string, m: Measure): string {
  const figure = m.na !== undefined ? `n/a — ${m.na}` : fmt(m.figure, m.unit)
  const baseline =
    m.baseline == null
      ? (m.baselineLabel ?? '—')
      : `${fmt(m.baseline, m.unit)}${m.baselineLabel === undefined ? '' : ` (${m.baselineLabel})`}`
  return `| ${esc(`${id} ${m.label}`)} | ${esc(figure)} | ${esc(baseline)} | ${fmtRatio(m.ratio)} | ${esc(m.goal ?? '')} | ${metCell(m.met)} |`
}

export function markdownTable(rows: readonly RowReport[]): string {
  const out = [
    '| benchmark | figure | baseline | ratio | goal | met |',
    '| --- | --- | --- | --- | --- | --- |',
  ]
  for (const row of rows) {
    if (row.na !== undefined) {
      out.push(
        `| ${esc(`${row.id} ${row.what}`)} | ${esc(`n/a — ${row.na}`)} | — | — | ${esc(row.goal)} | — |`,
      )
      continue
    }
    for (const m of row.measures) out.push(line(row.id, m))
  }
  return out.join('\n')
}
