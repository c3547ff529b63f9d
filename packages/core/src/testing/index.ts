/** Test helpers for adapter implementations; imports vitest and fast-check, so only tests may import this. */
export { storageAdapterCompliance, compareKeys, TRICKY_COMPONENTS } from './storage-compliance.ts'
export type { StorageHarness } from './storage-compliance.ts'
export { networkAdapterCompliance } from './network-compliance.ts'
export type { NetworkHarness } from './network-compliance.ts'
export {
  createMemoryNetworkHub,
  DuplicateProtocolHandlerError,
  PeerUnreachableError,
  StreamResetError,
  StreamStateError,
  UnsupportedProtocolError,
} from './memory-network.ts'
export type {
  MemoryNetworkFaults,
  MemoryNetworkHub,
  MemoryNetworkOptions,
} from './memory-network.ts'
