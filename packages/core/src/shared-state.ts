/** The conversation's mutable state; the code lives in ./shared-state/. */
export * from './shared-state/index.ts'
