export type * from './storage.ts'
export type * from './network.ts'
export { Emitter } from './events.ts'
export type { Listener } from './events.ts'
