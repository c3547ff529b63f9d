import { describe, expect, it } from 'vitest'
import { linkify } from '../../web/src/lib/linkify.ts'
import type { Segment } from '../../web/src/lib/linkify.ts'

const links = (text: string): string[] =>
  linkify(text)
    .filter((s): s is Extract<Segment, { kind: 'link' }> => s.kind === 'link')
    .map((s) => s.href)

describe('linkify', () => {
  it('gives back the whole text, in order, when segments are joined', () => {
    const texts = [
      '',
      'no links here',
      'see https://example.org/a?b=c#d, then (https://example.org/x) and www.example.com.',
      'https://a.example https://b.example',
      'Привет, https://пример.рф/путь?ключ=значение — смотри!',
      '😀https://example.org😀',
    ]
    for (const text of texts)
      expect(
        linkify(text)
          .map((s) => s.text)
          .join(''),
      ).toBe(text)
  })

  it('turns http and https URLs into links and leaves the words around them as text', () => {
    expect(linkify('go to https://example.org/page now')).toEqual([
      { kind: 'text', text: 'go to ' },
      { kind: 'link', text: 'https://example.org/page', href: 'https://example.org/page' },
      { kind: 'text', text: ' now' },
    ])
    expect(links('HTTP://EXAMPLE.ORG/Path')).toEqual(['http://example.org/Path'])
  })

  it('links a bare www. address over https', () => {
    expect(links('www.example.com/docs')).toEqual(['https://www.example.com/docs'])
    expect(links('awww.example.com')).toEqual([])
  })

  it('never links javascript:, data:, file: or other schemes', () => {
    const hostile = [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(document.cookie)',
      'data:text/html,<script>alert(1)</script>',
      'file:///etc/passwd',
      'vbscript:msgbox(1)',
      'ftp://example.org/file',
      'xhttps://example.org',
    ]
    for (const text of hostile) expect(links(text)).toEqual([])
    expect(linkify('javascript:alert(1)')).toEqual([{ kind: 'text', text: 'javascript:alert(1)' }])
  })

  it('leaves a javascript: prefix as text, so no link ever carries it', () => {
    const segments = linkify('javascript://https://example.org')
    expect(segments[0]).toEqual({ kind: 'text', text: 'javascript://' })
    for (const s of segments) if (s.kind === 'link') expect(s.href).toMatch(/^https:/)
  })

  it('refuses URLs with a user name, the classic look-alike trick', () => {
    expect(links('https://bank.example@evil.example/login')).toEqual([])
    expect(links('https://user:pass@example.org')).toEqual([])
  })

  it('leaves sentence punctuation at the end out of the link', () => {
    expect(links('Look: https://example.org.')).toEqual(['https://example.org/'])
    expect(links('https://example.org/a, https://example.org/b; ok?')).toEqual([
      'https://example.org/a',
      'https://example.org/b',
    ])
    expect(links('Really https://example.org/x?!')).toEqual(['https://example.org/x'])
    expect(links('«https://example.org/a»')).toEqual(['https://example.org/a'])
    expect(links('"https://example.org/q"')).toEqual(['https://example.org/q'])
    expect(links('см. https://example.org/a…')).toEqual(['https://example.org/a'])
  })

  it('keeps balanced brackets inside the URL and drops an unbalanced closing one', () => {
    expect(links('(see https://example.org/wiki/Foo_(bar))')).toEqual([
      'https://example.org/wiki/Foo_(bar)',
    ])
    expect(links('(https://example.org/x)')).toEqual(['https://example.org/x'])
    expect(links('[https://example.org/y]')).toEqual(['https://example.org/y'])
  })

  it('handles unicode hosts and paths, shown as typed and linked encoded', () => {
    const [segment] = linkify('https://пример.рф/путь').filter((s) => s.kind === 'link')
    expect(segment?.text).toBe('https://пример.рф/путь')
    expect(segment?.kind === 'link' && segment.href).toBe(
      'https://xn--e1afmkfd.xn--p1ai/%D0%BF%D1%83%D1%82%D1%8C',
    )
    expect(links('日本語 https://example.org/ページ。')).toEqual([
      'https://example.org/%E3%83%9A%E3%83%BC%E3%82%B8',
    ])
  })

  it('stops a link at an emoji and at full-width spaces', () => {
    expect(links('https://example.org/ok👍')).toEqual(['https://example.org/ok'])
    expect(links('https://example.org/a\u3000next')).toEqual(['https://example.org/a'])
  })

  it('never lets markup through: angle brackets and quotes end a link and stay text', () => {
    const segments = linkify('<a href="https://example.org">x</a>')
    expect(segments.filter((s) => s.kind === 'link').map((s) => s.text)).toEqual([
      'https://example.org',
    ])
    expect(segments[0]).toEqual({ kind: 'text', text: '<a href="' })
  })

  it('marks Murmur invite and contact links so the app can open them itself', () => {
    const [join] = linkify('https://chat.example.org/#join=abc').filter((s) => s.kind === 'link')
    const [contact] = linkify('https://chat.example.org/#contact=xyz').filter(
      (s) => s.kind === 'link',
    )
    expect(join).toMatchObject({ kind: 'link', murmur: 'join' })
    expect(contact).toMatchObject({ kind: 'link', murmur: 'contact' })
    expect(linkify('https://example.org/#section')[0]).not.toHaveProperty('murmur')
  })

  it('ignores a scheme with nothing after it', () => {
    expect(links('https:// and http://')).toEqual([])
  })
})
