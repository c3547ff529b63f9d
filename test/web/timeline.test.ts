import { describe, expect, it } from 'vitest'
import {
  compareMessages,
  dayLabel,
  firstLine,
  mergeMessages,
  RUN_GAP_MS,
  startsDay,
  startsRun,
  utf8Length,
} from '../../web/src/lib/timeline.ts'

const at = (y: number, mo: number, d: number, h = 12, mi = 0): number =>
  new Date(y, mo - 1, d, h, mi).getTime()
const msg = (
  id: string,
  ts: number,
  author = 'a',
  text = '',
): {
  messageId: string
  ts: number
  author: string
  text: string
} => ({ messageId: id, ts, author, text })
const words = { today: 'Today', yesterday: 'Yesterday' }

describe('the chat timeline', () => {
  it('orders messages by time, then id, like storage does', () => {
    const list = [msg('b', 2), msg('a', 2), msg('z', 1)].sort(compareMessages)
    expect(list.map((m) => m.messageId)).toEqual(['z', 'a', 'b'])
  })

  it('merges a page of older messages in front, once each', () => {
    const newest = [msg('c', 30), msg('d', 40)]
    const merged = mergeMessages(newest, [msg('a', 10), msg('b', 20), msg('c', 30)])
    expect(merged.map((m) => m.messageId)).toEqual(['a', 'b', 'c', 'd'])
  })

  it('replaces an updated message in place and inserts a late one by its time', () => {
    const list = [msg('a', 10), msg('b', 20, 'a', 'old'), msg('d', 40)]
    const merged = mergeMessages(list, [msg('b', 20, 'a', 'edited'), msg('c', 30)])
    expect(merged.map((m) => [m.messageId, m.text])).toEqual([
      ['a', ''],
      ['b', 'edited'],
      ['c', ''],
      ['d', ''],
    ])
  })

  it('returns the same list when nothing changed, so callers can skip work', () => {
    const list = [msg('a', 10)]
    expect(mergeMessages(list, [])).toBe(list)
    expect(mergeMessages(list, [list[0]!])).toBe(list)
  })

  it('separates days by the local calendar', () => {
    expect(startsDay(undefined, msg('a', at(2025, 1, 1)))).toBe(true)
    expect(startsDay(msg('a', at(2025, 1, 1, 0, 1)), msg('b', at(2025, 1, 1, 23, 59)))).toBe(false)
    expect(startsDay(msg('a', at(2025, 1, 1, 23, 59)), msg('b', at(2025, 1, 2, 0, 1)))).toBe(true)
  })

  it('starts a new author run on a new author, a new day or a long pause', () => {
    const t = at(2025, 3, 3, 10)
    expect(startsRun(undefined, msg('a', t))).toBe(true)
    expect(startsRun(msg('a', t, 'ann'), msg('b', t + 1000, 'ann'))).toBe(false)
    expect(startsRun(msg('a', t, 'ann'), msg('b', t + 1000, 'bob'))).toBe(true)
    expect(startsRun(msg('a', t, 'ann'), msg('b', t + RUN_GAP_MS + 1, 'ann'))).toBe(true)
    expect(
      startsRun(msg('a', at(2025, 3, 3, 23, 59), 'ann'), msg('b', at(2025, 3, 4, 0, 0), 'ann')),
    ).toBe(true)
  })

  it('labels days Today, Yesterday, then by date, with the year only when it differs', () => {
    const now = at(2025, 6, 15, 9)
    expect(dayLabel(at(2025, 6, 15, 1), now, 'en', words)).toBe('Today')
    expect(dayLabel(at(2025, 6, 14, 23), now, 'en', words)).toBe('Yesterday')
    expect(dayLabel(at(2025, 6, 13), now, 'en', words)).toBe('June 13')
    expect(dayLabel(at(2024, 12, 31), now, 'en', words)).toBe('December 31, 2024')
    expect(dayLabel(at(2025, 6, 13), now, 'ru', words)).toBe('13 июня')
  })

  it('knows yesterday across a month boundary', () => {
    expect(dayLabel(at(2025, 2, 28, 20), at(2025, 3, 1, 8), 'en', words)).toBe('Yesterday')
  })

  it('quotes the first non-empty line, cut without splitting characters', () => {
    expect(firstLine('\n\n  hello\nworld')).toBe('hello')
    expect(firstLine('')).toBe('')
    expect(firstLine('😀'.repeat(5), 3)).toBe('😀😀😀…')
  })

  it('measures texts in UTF-8 bytes, as the wire limit does', () => {
    expect(utf8Length('abc')).toBe(3)
    expect(utf8Length('жж')).toBe(4)
    expect(utf8Length('😀')).toBe(4)
  })
})
