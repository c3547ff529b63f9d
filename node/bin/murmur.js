#!/usr/bin/env node
// The `murmur` command. Murmur is TypeScript run directly by Node's type
// stripping, which (with libp2p 3) needs Node 22 or newer.
const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  process.stderr.write(
    `murmur: Node ${process.versions.node} is too old; Murmur needs Node 22 or newer. ` +
      'Run it through npm (`npx murmur …` or `npm start`), which uses the Node 24 the project pins.\n',
  )
  process.exit(1)
}
// Cache Node's compiled (and type-stripped) modules on disk: loading Murmur's
// TypeScript is most of a cold start otherwise (test/bench/README.md, B7/B9).
const { enableCompileCache } = await import('node:module')
enableCompileCache?.()
await import('../src/cli.ts')
