// Makes sure Debian's Chromium is at /usr/bin/chromium, which the browser tests drive
// through playwright-core. Installs it with apt-get when missing (as root, or through
// sudo); never waits for input under CI. Progress goes to stderr so that stdout stays
// free for callers such as scripts/test.ts.
//
//   node scripts/provision-chromium.ts
import { spawn, spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'

export const CHROMIUM_PATH = '/usr/bin/chromium'

const APT_TIMEOUT_MS = 15 * 60_000
const BY_HAND = 'install it by hand: `sudo apt-get install -y chromium` (Debian)'

export class ChromiumProvisionError extends Error {
  override name = 'ChromiumProvisionError'
}

export interface ProvisionOptions {
  /** The executable to ensure; CHROMIUM_PATH by default. */
  path?: string
  /** Where progress lines go; stderr by default. */
  log?: (line: string) => void
}

/** Ensures CHROMIUM_PATH exists, installing Debian's chromium package if needed. */
export async function provisionChromium(options: ProvisionOptions = {}): Promise<string> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[chromium] ${line}\n`))
  const target = options.path ?? CHROMIUM_PATH
  if (isExecutable(target)) {
    log(`found ${target}`)
    return target
  }
  if (!onPath('apt-get')) {
    throw new ChromiumProvisionError(
      `${target} is missing and apt-get is not available; ${BY_HAND}`,
    )
  }
  const prefix = privilegePrefix(target)
  // `env` carries DEBIAN_FRONTEND through sudo, which resets the environment.
  const aptGet = (...args: string[]): Promise<void> => {
    const [command = 'env', ...rest] = [
      ...prefix,
      'env',
      'DEBIAN_FRONTEND=noninteractive',
      'apt-get',
      '-o',
      'DPkg::Lock::Timeout=300',
      '-o',
      'Dpkg::Options::=--force-confdef',
      '-o',
      'Dpkg::Options::=--force-confold',
      ...args,
    ]
    return run(command, rest)
  }
  log(`${target} is missing; installing Debian's chromium package`)
  log('apt-get update')
  await aptGet('update')
  log('apt-get install -y chromium')
  await aptGet('install', '-y', 'chromium')
  if (!isExecutable(target)) {
    throw new ChromiumProvisionError(
      `apt-get installed chromium but ${target} is still missing; ${BY_HAND}`,
    )
  }
  const version = spawnSync(target, ['--version'], { encoding: 'utf8', timeout: 30_000 })
  log(`installed ${target}: ${(version.stdout ?? '').trim() || 'version unknown'}`)
  return target
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0
}

/** [] as root, ['sudo'] or ['sudo', '-n'] otherwise; throws when neither can work. */
function privilegePrefix(target: string): string[] {
  if (process.getuid?.() === 0) return []
  if (!onPath('sudo')) {
    throw new ChromiumProvisionError(`${target} is missing and this user is not root; ${BY_HAND}`)
  }
  // A password prompt is fine at a terminal, never under CI or without one.
  const interactive = process.stdin.isTTY === true && !isCI()
  if (interactive) return ['sudo']
  if (spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status !== 0) {
    throw new ChromiumProvisionError(
      `${target} is missing and sudo needs a password here; ${BY_HAND}`,
    )
  }
  return ['sudo', '-n']
}

function isCI(): boolean {
  const ci = process.env.CI
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false'
}

/** Runs a command with its output on stderr; rejects on failure or after APT_TIMEOUT_MS. */
function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // sudo asks for a password on the terminal itself, so stdin is never needed.
    const child = spawn(command, args, {
      stdio: ['ignore', 2, 2],
      timeout: APT_TIMEOUT_MS,
      killSignal: 'SIGTERM',
    })
    const line = [command, ...args].join(' ')
    child.on('error', (err) =>
      reject(new ChromiumProvisionError(`could not run ${line}: ${err.message}`, { cause: err })),
    )
    child.on('exit', (code, signal) => {
      if (code === 0) resolve()
      else
        reject(
          new ChromiumProvisionError(
            `${line} failed (${signal ?? `exit code ${code}`}); ${BY_HAND}`,
          ),
        )
    })
  })
}

if (import.meta.main) {
  try {
    await provisionChromium()
  } catch (err) {
    if (!(err instanceof ChromiumProvisionError)) throw err
    process.stderr.write(`${err.message}\n`)
    process.exitCode = 1
  }
}
