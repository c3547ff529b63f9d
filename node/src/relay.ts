/**
 * `murmur relay`: a community relay that also serves the web app.
 *
 * Start order matters for error messages: the data directory is checked
 * first, then the HTTP port is bound (a busy port is the commonest failure),
 * then libp2p starts on loopback behind it.
 */

import { createRelayNode } from '@murmur/net-libp2p'
import type { RelayLimits, RelayNode } from '@murmur/net-libp2p'
import { DEMO_CHAT_TOPIC, encodeAppConfig, LOBBY_TOPIC, MurmurError } from '@murmur/protocol'
import type { PeerIdString } from '@murmur/protocol'
import { access, mkdir, rm, writeFile } from 'node:fs/promises'
import type { Server } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import { createHttpServer } from './http.ts'
import { loadOrCreateKey } from './keys.ts'

export class PortInUseError extends MurmurError {
  override name = 'PortInUseError'
}
export class DataDirError extends MurmurError {
  override name = 'DataDirError'
}

export interface RelayOptions {
  readonly host: string
  readonly port: number
  /** TCP port for libp2p peers that dial TCP (relays, Node clients); 0 picks one. */
  readonly tcpPort: number
  readonly dataDir: string
  readonly webDir: string | undefined
  /** Extra multiaddrs to advertise, e.g. `/dns4/relay.example.org/tcp/443/wss`. */
  readonly announce: readonly string[]
  readonly limits?: Partial<RelayLimits>
}

export interface RunningRelay {
  readonly http: string
  readonly peerId: PeerIdString
  readonly multiaddrs: string[]
  readonly node: RelayNode
  stop(): Promise<void>
}

export async function startRelay(options: RelayOptions): Promise<RunningRelay> {
  await ensureWritableDir(options.dataDir)
  const key = await loadOrCreateKey(options.dataDir)
  let node: RelayNode | undefined
  const wsPort = await freePort('127.0.0.1')
  const server = createHttpServer({
    webDir: options.webDir,
    config: () =>
      node === undefined || node.status !== 'started'
        ? undefined
        : encodeAppConfig({
            version: 1,
            relays: node.getMultiaddrs().map((ma) => ma.toString()),
            relayPeerId: node.peerId.toString() as PeerIdString,
          }),
    wsPort: () => wsPort,
  })
  await listen(server, options.host, options.port)
  const port = (server.address() as { port: number }).port
  let started: RelayNode
  try {
    const tcpPort = options.tcpPort === 0 ? await freePort(options.host) : options.tcpPort
    const hosts = announceHosts(options.host)
    started = await createRelayNode({
      privateKey: key,
      // Browsers reach the WebSocket listener through the HTTP port (see http.ts).
      listen: [`/ip4/127.0.0.1/tcp/${wsPort}/ws`, `${ipPrefix(options.host)}/tcp/${tcpPort}`],
      announce: [
        ...hosts.flatMap((h) => [`${ipPrefix(h)}/tcp/${port}/ws`, `${ipPrefix(h)}/tcp/${tcpPort}`]),
        ...options.announce,
      ],
      topics: [LOBBY_TOPIC, DEMO_CHAT_TOPIC],
      ...(options.limits === undefined ? {} : { limits: options.limits }),
    })
    node = started
    await started.start()
  } catch (err) {
    await closeServer(server)
    throw err
  }
  const httpHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host
  return {
    http: `http://${httpHost.includes(':') ? `[${httpHost}]` : httpHost}:${port}/`,
    peerId: started.peerId.toString() as PeerIdString,
    multiaddrs: started.getMultiaddrs().map((ma) => ma.toString()),
    node: started,
    async stop() {
      await Promise.all([started.stop(), closeServer(server)])
    },
  }
}

/** Creates `dir` if needed and proves it writable, or throws DataDirError naming --data. */
export async function ensureWritableDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true })
    const probe = join(dir, `.write-test-${process.pid}`)
    await writeFile(probe, '')
    await rm(probe)
    await access(dir)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error'
    throw new DataDirError(
      `cannot write to the data directory ${dir} (${code}); choose a writable one with --data DIR`,
    )
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening)
      if (err.code === 'EADDRINUSE') {
        reject(
          new PortInUseError(
            `port ${port} on ${host} is already in use; stop whatever uses it or pick another with --port N (PORT=N npm start)`,
          ),
        )
      } else if (err.code === 'EACCES') {
        reject(
          new PortInUseError(
            `not allowed to listen on port ${port}; pick a port above 1023 with --port N`,
          ),
        )
      } else if (err.code === 'EADDRNOTAVAIL') {
        reject(new PortInUseError(`${host} is not an address of this machine; check --host`))
      } else {
        reject(err)
      }
    }
    const onListening = (): void => {
      server.off('error', onError)
      resolve()
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(port, host)
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

/** Asks the OS for a free port on `host`. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer()
    probe.once('error', reject)
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

/** The addresses a client can reach us at, for the announced multiaddrs. */
function announceHosts(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [host]
  const out = ['127.0.0.1']
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (!info.internal && info.family === 'IPv4') out.push(info.address)
    }
  }
  return out
}

function ipPrefix(host: string): string {
  if (host === 'localhost') return '/dns4/localhost'
  return host.includes(':') ? `/ip6/${host}` : `/ip4/${host}`
}
