// One vitest run, three projects that never overlap:
//   unit     package and node unit tests plus test/** (except net, browser, bench); 2 files at a time
//   net      test/net/**: real libp2p nodes and relay processes; one file at a time
//   browser  test/browser/**: Chromium against a relay and the built app; one file at a time
// Projects run in groupOrder (unit, then net, then browser), so heavy network and browser
// files never compete with each other for the two cores. Run one group with
// `npx vitest run --project browser` (or npm run test:unit / test:net / test:browser).
import { defineConfig } from 'vitest/config'

const exclude = [
  '**/node_modules/**',
  '**/dist/**',
  '**/.tsbuild/**',
  'web/dist/**',
  'test/bench/**',
  'test/results/**',
]

export default defineConfig({
  test: {
    // node-datachannel (libp2p WebRTC) crashes in worker threads; child processes are safe.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test/results/vitest.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'node/src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...exclude, 'test/net/**', 'test/browser/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'net',
          include: ['test/net/**/*.test.ts'],
          exclude,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          exclude,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
})
