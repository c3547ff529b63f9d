// Lint rules for the whole monorepo. Syntax-level typescript-eslint only (no type
// information): tsc -b and svelte-check already type-check, and this keeps `eslint .`
// at a few seconds on two cores. The rules that matter beyond the presets encode the
// design: packages log through an injected logger, core is platform-free, and no
// catch block swallows an error silently.
import { builtinModules } from 'node:module'
import js from '@eslint/js'
import { defineConfig, globalIgnores } from 'eslint/config'
import svelte from 'eslint-plugin-svelte'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('node:'))
const coreIsPortable =
  'core runs in browsers and Node alike: take platform facilities through an adapter or option.'
const bareBuiltins = [...new Set(nodeBuiltins.map((name) => name.split('/')[0]))]
// esquery regexes cannot contain "/", hence \x2F for subpaths such as fs/promises.
const builtinSpecifier = `/^(?:node:|(?:${bareBuiltins.join('|')})(?:\\x2F|$))/`

export default defineConfig(
  globalIgnores([
    '**/node_modules/',
    '**/dist/',
    'web/dist/',
    '**/.tsbuild/',
    '**/.murmur/',
    '**/.vite/',
    'test/results/',
    'test/bench/results/',
  ]),

  js.configs.recommended,
  tseslint.configs.recommended,
  svelte.configs.recommended,

  {
    name: 'murmur/all',
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: { ecmaVersion: 'latest', sourceType: 'module', globals: globals.es2024 },
    rules: {
      // An empty catch hides a failure; handle it, rethrow it typed, or say why in code.
      'no-empty': ['error', { allowEmptyCatch: false }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },

  {
    name: 'murmur/svelte',
    files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
    },
    // TypeScript and svelte-check resolve identifiers; no-undef misreads type-only names.
    rules: { 'no-undef': 'off' },
  },

  // Platforms and where console output belongs.
  {
    name: 'murmur/packages',
    files: ['packages/**'],
    languageOptions: { globals: globals['shared-node-browser'] },
    rules: { 'no-console': 'error' },
  },
  {
    name: 'murmur/packages-with-platform-edges',
    files: ['packages/net-libp2p/**', 'packages/store-level/**'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    name: 'murmur/node',
    files: ['node/**', 'scripts/**', 'test/**', '*.config.{js,ts}', 'web/*.config.{js,ts}'],
    languageOptions: { globals: globals.node },
    rules: { 'no-console': 'off' },
  },
  {
    name: 'murmur/browser',
    files: ['web/src/**', 'test/browser/**'],
    languageOptions: { globals: globals.browser },
  },

  {
    name: 'murmur/core-is-platform-free',
    files: ['packages/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: coreIsPortable })),
          patterns: [{ group: ['node:*'], message: coreIsPortable }],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: `ImportExpression[source.value=${builtinSpecifier}]`,
          message: coreIsPortable,
        },
      ],
      'no-restricted-globals': [
        'error',
        ...[
          'window',
          'document',
          'navigator',
          'location',
          'localStorage',
          'sessionStorage',
          'indexedDB',
          'self',
          'process',
          'Buffer',
          'global',
          'require',
          'module',
          '__dirname',
          '__filename',
        ].map((name) => ({ name, message: coreIsPortable })),
      ],
      'no-restricted-properties': [
        'error',
        ...['window', 'document', 'process', 'Buffer'].map((property) => ({
          object: 'globalThis',
          property,
          message: coreIsPortable,
        })),
      ],
    },
  },
)
