/**
 * Entry point of the `murmur` command: parses arguments and runs a
 * subcommand. Output for people goes to stdout; with `--json`, stdout carries
 * only JSON lines and everything else goes to stderr.
 */

import { MurmurError } from '@murmur/protocol'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { startRelay } from './relay.ts'
import type { RunningRelay } from './relay.ts'

export class UsageError extends MurmurError {
  override name = 'UsageError'
}

const USAGE = `Usage: murmur <command> [options]

Commands:
  relay     run a community relay that also serves the web app
  client    run a headless client that speaks JSON lines on stdin/stdout (for bots and scripts)
  help      show this help

murmur relay options:
  --host HOST        address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --port N           HTTP + WebSocket port (default 8787; 0 picks a free one)
  --tcp-port N       libp2p TCP port (default: HTTP port + 1; 0 picks a free one)
  --data DIR         where the relay keeps its key (default ~/.murmur/relay)
  --web DIR          built web app to serve (default: this checkout's web/dist)
  --announce ADDR    extra multiaddr to advertise, e.g. /dns4/relay.example.org/tcp/443/wss (repeatable)
  --json             print one JSON line when ready instead of text

murmur client options:
  --data DIR         where the client keeps its identity, key and messages (default ~/.murmur)
  --relay MULTIADDR  relay to reach others through, ending in /p2p/<peer id> (repeatable)
  --name NAME        your display name (default: the one stored in --data)
  Send {"id":1,"cmd":"help"} on stdin for the commands; see node/README.md.
`

const REPO_WEB_DIST = resolve(import.meta.dirname, '..', '..', 'web', 'dist')

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'relay':
      return runRelay(rest)
    case 'client':
      return runClientCommand(rest)
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE)
      return 0
    default:
      throw new UsageError(`unknown command "${command}"; run \`murmur help\` to see the commands`)
  }
}

function parsePort(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${flag} must be a port number between 0 and 65535, got "${value}"`)
  }
  return port
}

async function runRelay(args: string[]): Promise<number> {
  const { values } = parse(args, {
    host: { type: 'string' },
    port: { type: 'string' },
    'tcp-port': { type: 'string' },
    data: { type: 'string' },
    web: { type: 'string' },
    announce: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  })
  const port = parsePort(values.port, '--port', 8787)
  const webDir = values.web ?? (existsSync(REPO_WEB_DIST) ? REPO_WEB_DIST : undefined)
  if (values.web !== undefined && !existsSync(join(values.web, 'index.html'))) {
    throw new UsageError(
      `--web ${values.web} has no index.html; build the app with \`npm run build:web\``,
    )
  }
  const dataDir = resolve(values.data ?? join(homedir(), '.murmur', 'relay'))
  // Handlers go in before anything starts, so a signal during start-up still
  // gets a clean shutdown instead of Node's default exit.
  const signal = nextSignal()
  const relay = await startRelay({
    host: values.host ?? '127.0.0.1',
    port,
    tcpPort: parsePort(values['tcp-port'], '--tcp-port', port === 0 ? 0 : port + 1),
    dataDir,
    webDir,
    announce: values.announce ?? [],
  })
  if (values.json === true) {
    const ready = {
      event: 'ready',
      http: relay.http,
      multiaddrs: relay.multiaddrs,
      peerId: relay.peerId,
    }
    process.stdout.write(`${JSON.stringify(ready)}\n`)
  } else {
    process.stdout.write(
      [
        'Murmur relay is running.',
        `  Open       ${relay.http}`,
        `  Peer id    ${relay.peerId}`,
        ...relay.multiaddrs.map((a, i) => `  ${i === 0 ? 'Addresses' : '         '}  ${a}`),
        `  Data       ${dataDir}`,
        webDir === undefined
          ? '  Web app    not built: run `npm run build:web` to serve it'
          : `  Web app    ${webDir}`,
        'Press Ctrl+C to stop.',
        '',
      ].join('\n'),
    )
  }
  return stopOnSignal(relay, await signal, values.json === true)
}

async function runClientCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    data: { type: 'string' },
    relay: { type: 'string', multiple: true },
    name: { type: 'string' },
  })
  const relays = values.relay ?? []
  if (relays.length === 0) {
    process.stderr.write('murmur client: no --relay given; this client can reach no one\n')
  }
  const stop = nextSignal()
  // A background failure in a long-running client is reported, not fatal.
  process.on('unhandledRejection', (err) => {
    process.stderr.write(`murmur client: unhandled rejection (a bug): ${String(err)}\n`)
  })
  // Loaded on demand: the relay does not need the messenger engine.
  const { runClient } = await import('./client.ts')
  return runClient({
    dataDir: resolve(values.data ?? join(homedir(), '.murmur')),
    relays,
    name: values.name,
    stop,
    input: process.stdin,
    output: process.stdout,
  })
}

/**
 * Resolves with the first SIGINT/SIGTERM. Ctrl+C reaches every process of the
 * terminal's group, and `npm start` forwards it too, so a repeat within a
 * moment is the same request; a later one exits at once.
 */
function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let firstAt: number | undefined
    const onSignal = (signal: NodeJS.Signals): void => {
      if (firstAt !== undefined) {
        if (Date.now() - firstAt < 2_000) return
        process.stderr.write(`murmur: ${signal} again, exiting without a clean shutdown\n`)
        process.exit(1)
      }
      firstAt = Date.now()
      resolve(signal)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
}

async function stopOnSignal(
  relay: RunningRelay,
  signal: NodeJS.Signals,
  json: boolean,
): Promise<number> {
  if (!json) process.stdout.write(`${signal}: stopping…\n`)
  try {
    await relay.stop()
  } catch (err) {
    process.stderr.write(`murmur: shutdown failed: ${String(err)}\n`)
    return 1
  }
  process.stdout.write(json ? `${JSON.stringify({ event: 'stopped' })}\n` : 'Relay stopped.\n')
  return 0
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options']

function parse<O extends Options>(
  args: string[],
  options: O,
): ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>
> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false })
  } catch (err) {
    throw new UsageError(`${(err as Error).message}; run \`murmur help\` for the options`)
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message =
      err instanceof MurmurError
        ? err.message
        : err instanceof Error
          ? (err.stack ?? err.message)
          : String(err)
    process.stderr.write(`murmur: ${message}\n`)
    process.exit(err instanceof UsageError ? 2 : 1)
  },
)
