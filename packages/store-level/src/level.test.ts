import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { StorageAdapter } from '@murmur/core/storage'
import { storageAdapterCompliance } from '@murmur/core/testing'
import { Level } from 'level'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { encodeKey } from './keys.ts'
import { createLevelStorage } from './level.ts'

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'murmur-store-level-'))
}

storageAdapterCompliance(
  'level storage (classic-level on disk)',
  async () => {
    const dir = await tempDir()
    const path = join(dir, 'db')
    const opened: StorageAdapter[] = [await createLevelStorage({ path })]
    return {
      storage: opened[0] as StorageAdapter,
      reopen: async () => {
        const storage = await createLevelStorage({ path })
        opened.push(storage)
        return storage
      },
      cleanup: async () => {
        for (const storage of opened) await storage.close()
        await rm(dir, { recursive: true, force: true })
      },
    }
  },
  { persistent: true },
)

/** Every file of a closed database except LevelDB's own text log, by name. */
async function snapshot(path: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>()
  for (const name of (await readdir(path)).sort()) {
    if (name !== 'LOG' && name !== 'LOG.old') files.set(name, await readFile(join(path, name)))
  }
  return files
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (err) {
    expect(err).toBeInstanceOf(Error)
    return err as Error
  }
  throw new Error('expected the promise to reject')
}

describe('level storage on disk', () => {
  let dir: string
  let path: string

  beforeEach(async () => {
    dir = await tempDir()
    path = join(dir, 'db')
  })

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  async function writeSomething(): Promise<void> {
    const storage = await createLevelStorage({ path })
    await storage.put(['v1', 'conv', 'a'], Uint8Array.of(1, 2, 3))
    await storage.close()
  }

  for (const damaged of ['CURRENT', 'MANIFEST'] as const) {
    it(`reports a garbage ${damaged} file as CorruptStorageError and leaves every file in place`, async () => {
      await writeSomething()
      const file = (await readdir(path)).find((name) => name.startsWith(damaged)) as string
      const original = await readFile(join(path, file))
      await writeFile(join(path, file), 'this is not a LevelDB file\u0000\u0001')
      const before = await snapshot(path)

      const err = await rejection(createLevelStorage({ path }))
      expect(err.name).toBe('CorruptStorageError')
      expect(err.message).toContain(path)
      expect(err.message).toMatch(/nothing in it was changed or deleted/i)
      expect(err.message).toMatch(/move that directory aside/i)
      expect(await snapshot(path)).toEqual(before)

      // Nothing was lost: with the file restored the data is all there.
      await writeFile(join(path, file), original)
      const storage = await createLevelStorage({ path })
      expect(await storage.get(['v1', 'conv', 'a'])).toEqual(Uint8Array.of(1, 2, 3))
      await storage.close()
    })
  }

  it('refuses a database whose CURRENT file is gone instead of letting LevelDB start it empty and delete its data', async () => {
    await writeSomething()
    const original = await readFile(join(path, 'CURRENT'))
    await rm(join(path, 'CURRENT'))
    const before = await snapshot(path)

    const err = await rejection(createLevelStorage({ path }))
    expect(err.name).toBe('CorruptStorageError')
    expect(err.message).toMatch(/CURRENT file is missing/)
    expect(await snapshot(path)).toEqual(before)

    await writeFile(join(path, 'CURRENT'), original)
    const storage = await createLevelStorage({ path })
    expect(await storage.get(['v1', 'conv', 'a'])).toEqual(Uint8Array.of(1, 2, 3))
    await storage.close()
  })

  it('opens an existing empty directory as a new database', async () => {
    await mkdir(path)
    const storage = await createLevelStorage({ path })
    await storage.put(['v1', 'k'], Uint8Array.of(1))
    expect(await storage.get(['v1', 'k'])).toEqual(Uint8Array.of(1))
    await storage.close()
  })

  it('refuses a second open of the same database in this process with StorageLockedError, and the first keeps working', async () => {
    const first = await createLevelStorage({ path })
    const err = await rejection(createLevelStorage({ path }))
    expect(err.name).toBe('StorageLockedError')
    expect(err.message).toContain(path)
    expect(err.message).toMatch(/already open/)
    await first.put(['v1', 'k'], Uint8Array.of(1))
    expect(await first.get(['v1', 'k'])).toEqual(Uint8Array.of(1))
    await first.close()
    const second = await createLevelStorage({ path })
    expect(await second.get(['v1', 'k'])).toEqual(Uint8Array.of(1))
    await second.close()
  })

  it('refuses a database held open by another process with StorageLockedError that says what to do', async () => {
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { Level } from 'level'
         const db = new Level(process.env.DB_PATH)
         await db.open()
         process.stdout.write('ready\\n')
         process.stdin.resume()
         process.stdin.on('end', () => db.close().then(() => process.exit(0)))`,
      ],
      {
        cwd: dirname(fileURLToPath(import.meta.url)),
        env: { ...process.env, DB_PATH: path },
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    )
    try {
      const [chunk] = (await once(holder.stdout, 'data')) as [Buffer]
      expect(chunk.toString()).toBe('ready\n')
      const err = await rejection(createLevelStorage({ path }))
      expect(err.name).toBe('StorageLockedError')
      expect(err.message).toMatch(/another process/)
      expect(err.message).toMatch(/Stop that instance, or give this one a different data location/)
    } finally {
      const exited = once(holder, 'exit')
      holder.stdin.end()
      const [code] = (await exited) as [number | null]
      expect(code).toBe(0)
    }
  })

  it('reports a location it cannot use as a directory as StorageIOError', async () => {
    await writeFile(path, 'a plain file')
    const err = await rejection(createLevelStorage({ path }))
    expect(err.name).toBe('StorageIOError')
    expect(err.message).toContain(path)
  })

  it('rejects a missing or empty path with InvalidArgumentError', async () => {
    expect((await rejection(createLevelStorage({ path: '' }))).name).toBe('InvalidArgumentError')
    expect((await rejection(createLevelStorage({} as { path: string }))).name).toBe(
      'InvalidArgumentError',
    )
  })

  it('reports a key it did not write as CorruptStorageError when a range reaches it', async () => {
    const raw = new Level<Uint8Array, Uint8Array>(path, {
      keyEncoding: 'view',
      valueEncoding: 'view',
    })
    await raw.put(encodeKey(['v1', 'a']), Uint8Array.of(1))
    await raw.put(Uint8Array.of(0x76, 0x31, 0x00, 0x62), Uint8Array.of(2)) // 'v1', then 'b' never terminated
    await raw.close()
    const storage = await createLevelStorage({ path })
    const seen: unknown[] = []
    const err = await rejection(
      (async () => {
        for await (const [key] of storage.range(['v1'])) seen.push(key)
      })(),
    )
    expect(seen).toEqual([['v1', 'a']])
    expect(err.name).toBe('CorruptStorageError')
    await storage.close()
  })

  it('hands back plain Uint8Arrays, not Node Buffers', async () => {
    const storage = await createLevelStorage({ path })
    await storage.put(['v1', 'k'], Uint8Array.of(1))
    expect((await storage.get(['v1', 'k']))?.constructor).toBe(Uint8Array)
    for await (const [, value] of storage.range(['v1'])) expect(value.constructor).toBe(Uint8Array)
    await storage.close()
  })
})
