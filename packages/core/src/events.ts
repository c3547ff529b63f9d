/**
 * A tiny typed event emitter that works the same in browsers and Node.
 * `on` returns the function that removes the listener, so callers cannot
 * forget which function they registered. A listener that throws does not stop
 * the others; its error goes to the `onListenerError` hook given at creation.
 */

export type Listener<T> = (event: T) => void

export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>()
  readonly #onListenerError: (err: unknown) => void

  constructor(onListenerError: (err: unknown) => void) {
    this.#onListenerError = onListenerError
  }

  on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(type)
    if (set === undefined) {
      set = new Set()
      this.#listeners.set(type, set)
    }
    set.add(listener)
    return () => set.delete(listener)
  }

  emit<K extends keyof Events>(type: K, event: Events[K]): void {
    const set = this.#listeners.get(type)
    if (set === undefined) return
    for (const listener of [...set] as Array<Listener<Events[K]>>) {
      try {
        listener(event)
      } catch (err) {
        this.#onListenerError(err)
      }
    }
  }

  clear(): void {
    this.#listeners.clear()
  }
}
