import { svelte } from '@sveltejs/vite-plugin-svelte'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))

export default defineConfig({
  plugins: [svelte()],
  build: {
    target: 'es2023',
    // libp2p is most of the bundle; one chunk loads fastest over one connection.
    chunkSizeWarningLimit: 2000,
  },
  server: { fs: { allow: [repoRoot] } },
})
