/** Test helpers for adapter implementations; imports vitest and fast-check, so only tests may import this. */
export { storageAdapterCompliance, compareKeys, TRICKY_COMPONENTS } from './storage-compliance.ts'
export type { StorageHarness } from './storage-compliance.ts'
