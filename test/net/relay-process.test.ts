/**
 * `murmur relay` as a user runs it: a child process with a data directory,
 * one HTTP port serving the app, config and WebSocket upgrades.
 */

import { createLibp2pNetwork } from '@murmur/net-libp2p'
import { decodeAppConfig } from '@murmur/protocol'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runMurmur, startRelayProcess } from '../helpers/relay-process.ts'
import type { RelayProcess } from '../helpers/relay-process.ts'
import { waitFor } from '../helpers/wait.ts'

describe('murmur relay', () => {
  let dataDir: string

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'murmur-relay-test-'))
  })
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true })
  })

  it('keeps its PeerId across a restart with the same data directory', async () => {
    const first = await startRelayProcess({ dataDir })
    const firstId = first.peerId
    expect(await first.stop()).toBe(0)
    const second = await startRelayProcess({ dataDir })
    try {
      expect(second.peerId).toBe(firstId)
      expect(second.multiaddrs.every((a) => a.endsWith(`/p2p/${firstId}`))).toBe(true)
    } finally {
      await second.stop()
    }
  })

  it('prints exactly one JSON ready line and a stopped event, and exits 0 on SIGTERM', async () => {
    const relay = await startRelayProcess()
    expect(relay.event).toBe('ready')
    expect(relay.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    expect(relay.peerId).toMatch(/^12D3KooW/)
    expect(relay.multiaddrs.some((a) => a.includes('/ws/'))).toBe(true)
    expect(relay.multiaddrs.some((a) => /\/tcp\/\d+\/p2p\//.test(a))).toBe(true)
    const lines: string[] = []
    relay.child.stdout?.on('data', (d: Buffer) => lines.push(...d.toString().trim().split('\n')))
    expect(await relay.stop()).toBe(0)
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([{ event: 'stopped' }])
  })

  it('refuses a busy port with a clear one-line message and a non-zero exit', async () => {
    const blocker: Server = createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
    const port = (blocker.address() as { port: number }).port
    try {
      const result = await runMurmur(['relay', '--json', '--port', String(port), '--data', dataDir])
      expect(result.code).not.toBe(0)
      expect(result.stdout).toBe('')
      const lines = result.stderr.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(`port ${port}`)
      expect(lines[0]).toContain('already in use')
      expect(lines[0]).toContain('--port')
    } finally {
      blocker.close()
    }
  })

  it('refuses an unwritable data directory with a clear one-line message', async () => {
    const file = join(dataDir, 'not-a-directory')
    await writeFile(file, 'x')
    const result = await runMurmur(['relay', '--port', '0', '--data', join(file, 'sub')])
    expect(result.code).not.toBe(0)
    const lines = result.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('cannot write to the data directory')
    expect(lines[0]).toContain('--data')
  })

  it('rejects a corrupted key file instead of silently replacing the identity', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'murmur-relay-badkey-'))
    try {
      await writeFile(join(dir, 'relay-key'), 'not a key')
      const result = await runMurmur(['relay', '--port', '0', '--data', dir])
      expect(result.code).not.toBe(0)
      expect(result.stderr).toContain('relay key')
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('answers an unknown command or option with usage help and exit code 2', async () => {
    const unknown = await runMurmur(['fly'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown command "fly"')
    const badFlag = await runMurmur(['relay', '--colour', 'blue'])
    expect(badFlag.code).toBe(2)
    expect(badFlag.stderr).toContain('murmur help')
    const badPort = await runMurmur(['relay', '--port', '99999'])
    expect(badPort.code).toBe(2)
    expect(badPort.stderr).toContain('--port must be a port number')
    const help = await runMurmur(['help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('murmur relay options')
  })

  describe('serving', () => {
    let relay: RelayProcess
    beforeAll(async () => {
      relay = await startRelayProcess()
    })
    afterAll(async () => {
      await relay?.stop()
    })

    it('serves /config.json naming its own peer id and WebSocket address', async () => {
      const res = await fetch(new URL('/config.json', relay.http))
      expect(res.status).toBe(200)
      expect(res.headers.get('cache-control')).toBe('no-store')
      const config = decodeAppConfig(await res.text())
      expect(config.relayPeerId).toBe(relay.peerId)
      expect(config.relays).toContain(relay.wsAddr)
    })

    it('serves the web app shell with security headers, and never files outside it', async () => {
      const index = await fetch(relay.http)
      expect(index.status).toBe(200)
      expect(index.headers.get('content-type')).toContain('text/html')
      expect(index.headers.get('content-security-policy')).toContain("default-src 'self'")
      expect(await index.text()).toContain('<div id="app">')
      // A deep link without an extension gets the app shell (client-side routing).
      expect((await fetch(new URL('/some/route', relay.http))).status).toBe(200)
      expect((await fetch(new URL('/assets/missing.js', relay.http))).status).toBe(404)
      const traversal = await fetch(new URL('/..%2f..%2fpackage.json', relay.http))
      expect(traversal.status).toBe(404)
      expect((await fetch(relay.http, { method: 'POST' })).status).toBe(405)
      // A request target that is no valid path gets a 404, never a 500.
      const odd = await new Promise<number>((resolve, reject) => {
        const req = request(relay.http, { path: '//' }, (res) => resolve(res.statusCode ?? 0))
        req.on('error', reject)
        req.end()
      })
      expect(odd).toBe(404)
    })

    it('accepts libp2p over WebSocket on its HTTP port and grants a reservation', async () => {
      const peer = await createLibp2pNetwork({ relays: [relay.wsAddr] })
      try {
        await peer.start()
        await waitFor(
          () => peer.relays()[0]?.state === 'reserved',
          'a reservation on the relay process',
        )
        expect(peer.addresses().some((a) => a.startsWith(relay.wsAddr))).toBe(true)
      } finally {
        await peer.stop()
      }
    })
  })
})
