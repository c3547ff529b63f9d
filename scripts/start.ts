/**
 * `npm start`: builds the web app when it is missing or older than its
 * sources, then runs a local relay that serves it, with its data in .murmur/
 * on 127.0.0.1:8787 (PORT and HOST override).
 */

import { spawn, spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const builtIndex = join(root, 'web', 'dist', 'index.html')
const sources = [
  join(root, 'web', 'src'),
  join(root, 'web', 'public'),
  join(root, 'web', 'index.html'),
  join(root, 'web', 'vite.config.ts'),
  ...['protocol', 'crypto', 'core', 'store-level', 'net-libp2p'].map((p) =>
    join(root, 'packages', p, 'src'),
  ),
]

function newestMtime(path: string): number {
  let info
  try {
    info = statSync(path)
  } catch {
    return 0
  }
  if (!info.isDirectory()) return info.mtimeMs
  let newest = 0
  for (const entry of readdirSync(path)) {
    if (entry.endsWith('.test.ts')) continue
    newest = Math.max(newest, newestMtime(join(path, entry)))
  }
  return newest
}

const builtAt = newestMtime(builtIndex)
if (builtAt === 0 || sources.some((s) => newestMtime(s) > builtAt)) {
  process.stdout.write(
    builtAt === 0 ? 'Building the web app…\n' : 'Sources changed; rebuilding the web app…\n',
  )
  const build = spawnSync('npm', ['run', 'build', '--workspace', 'web', '--silent'], {
    cwd: root,
    stdio: 'inherit',
  })
  if (build.status !== 0) {
    process.stderr.write('The web app did not build; see the errors above.\n')
    process.exit(build.status ?? 1)
  }
}

const relay = spawn(
  process.execPath,
  [
    join(root, 'node', 'bin', 'murmur.js'),
    'relay',
    '--host',
    process.env.HOST ?? '127.0.0.1',
    '--port',
    process.env.PORT ?? '8787',
    '--data',
    join(root, '.murmur'),
  ],
  { cwd: root, stdio: 'inherit' },
)
// The relay handles SIGINT/SIGTERM itself; forward them and exit with its code.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => relay.kill(signal))
}
relay.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)))
