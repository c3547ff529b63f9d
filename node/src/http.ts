/**
 * The relay's HTTP face: the built web app, `/config.json`, and WebSocket
 * upgrades forwarded to the libp2p WebSocket listener on loopback. One public
 * port serves all three, so a community relay needs one open port (and one
 * TLS terminator in front of it, if any).
 */

import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, STATUS_CODES } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'

export interface HttpInit {
  /** Directory of the built web app; when absent, a page says how to build it. */
  readonly webDir: string | undefined
  /** Body of `/config.json`; undefined until libp2p is listening. */
  readonly config: () => string | undefined
  /** Port of the libp2p WebSocket listener on 127.0.0.1. */
  readonly wsPort: () => number
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'content-security-policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
    "img-src 'self' data: blob:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; " +
    "frame-ancestors 'none'",
}

export function createHttpServer(init: HttpInit): Server {
  const server = createServer((req, res) => {
    handle(init, req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n')
      else res.destroy(err instanceof Error ? err : undefined)
    })
  })
  server.on('upgrade', (req, socket, head) =>
    forwardUpgrade(init.wsPort(), req, socket as Socket, head),
  )
  return server
}

async function handle(init: HttpInit, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD' })
    return
  }
  // A request target like '//' is not a valid relative URL: answer 404, not 500.
  const path = URL.parse(req.url ?? '/', 'http://relay')?.pathname
  if (path === undefined) {
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n')
    return
  }
  if (path === '/config.json') {
    const config = init.config()
    if (config === undefined) {
      send(
        res,
        503,
        'text/plain; charset=utf-8',
        'the relay is starting; try again in a moment\n',
        {
          'retry-after': '1',
        },
      )
    } else {
      send(res, 200, TYPES['.json']!, config, { 'cache-control': 'no-store' })
    }
    return
  }
  if (init.webDir === undefined) {
    send(
      res,
      503,
      'text/plain; charset=utf-8',
      'The web app is not built: run `npm run build:web`.\n',
    )
    return
  }
  const file = await resolveFile(init.webDir, path)
  if (file === undefined) {
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n')
    return
  }
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': TYPES[extname(file.path)] ?? 'application/octet-stream',
    'content-length': file.size,
    // Vite names assets by content hash; the shell must be revalidated.
    'cache-control': path.startsWith('/assets/')
      ? 'public, max-age=31536000, immutable'
      : 'no-cache',
  })
  if (req.method === 'HEAD') {
    res.end()
    return
  }
  createReadStream(file.path).pipe(res)
}

/** Maps a URL path into webDir, refusing to leave it; unknown paths without an extension get the app shell. */
async function resolveFile(
  webDir: string,
  urlPath: string,
): Promise<{ path: string; size: number } | undefined> {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return undefined
  }
  const root = normalize(webDir + sep)
  const candidates = [join(root, normalize(decoded))]
  if (decoded.endsWith('/')) candidates[0] = join(root, normalize(decoded), 'index.html')
  if (extname(decoded) === '') candidates.push(join(root, 'index.html'))
  for (const candidate of candidates) {
    if (!candidate.startsWith(root)) continue
    try {
      const info = await stat(candidate)
      if (info.isFile()) return { path: candidate, size: info.size }
    } catch (err) {
      if (
        (err as NodeJS.ErrnoException).code !== 'ENOENT' &&
        (err as NodeJS.ErrnoException).code !== 'ENOTDIR'
      )
        throw err
    }
  }
  return undefined
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, STATUS_CODES[status], {
    ...SECURITY_HEADERS,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    ...headers,
  })
  res.end(body)
}

/** Pipes a WebSocket upgrade request, byte for byte, to the libp2p listener. */
function forwardUpgrade(port: number, req: IncomingMessage, socket: Socket, head: Buffer): void {
  const upstream = connect(port, '127.0.0.1')
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`]
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
  }
  upstream.on('connect', () => {
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`)
    if (head.length > 0) upstream.write(head)
    socket.pipe(upstream).pipe(socket)
  })
  const destroy = (): void => {
    socket.destroy()
    upstream.destroy()
  }
  upstream.on('error', destroy)
  socket.on('error', destroy)
  socket.on('close', () => upstream.destroy())
  upstream.on('close', () => socket.destroy())
}
