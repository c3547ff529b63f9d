/**
 * Argument checking for the JSON-lines commands. Each command declares its
 * arguments once, as a table of named fields; `checkArgs` holds a request to
 * it, so every command refuses a missing, mistyped or unknown argument the
 * same way: an InvalidArgumentError whose `argument` names the culprit.
 */

import { InvalidArgumentError } from '@murmur/protocol'

export interface Field<T> {
  /** How the expected value reads in messages and in `help`, e.g. "a string". */
  readonly type: string
  readonly optional: boolean
  accepts(value: unknown): value is T
}

export type Schema = Readonly<Record<string, Field<unknown>>>

export type ArgsOf<S extends Schema> = {
  readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never
}

/** An InvalidArgumentError that says which argument was wrong. */
export class ArgumentError extends InvalidArgumentError {
  readonly argument: string
  constructor(argument: string, message: string) {
    super(message)
    this.argument = argument
  }
}

function field<T>(type: string, accepts: (value: unknown) => value is T): Field<T> {
  return { type, optional: false, accepts }
}

export const string = field('a string', (v): v is string => typeof v === 'string')

/** Ids, links and names the messenger looks up: an empty one is always a mistake. */
export const nonEmpty = field(
  'a non-empty string',
  (v): v is string => typeof v === 'string' && v.length > 0,
)

export const boolean = field('true or false', (v): v is boolean => typeof v === 'boolean')

export function integer(min: number, max: number): Field<number> {
  return field(
    `an integer from ${min} to ${max}`,
    (v): v is number => Number.isInteger(v) && (v as number) >= min && (v as number) <= max,
  )
}

export function oneOf<const T extends string>(...values: T[]): Field<T> {
  return field(values.map((v) => JSON.stringify(v)).join(' or '), (v): v is T =>
    values.includes(v as T),
  )
}

export function listOf<T>(item: Field<T>, max: number): Field<T[]> {
  return field(
    `a list of up to ${max} items, each ${item.type}`,
    (v): v is T[] => Array.isArray(v) && v.length <= max && v.every((x) => item.accepts(x)),
  )
}

/** An argument that may be left out; JSON `null` counts as left out. */
export function optional<T>(inner: Field<T>): Field<T | undefined> {
  return {
    type: inner.type,
    optional: true,
    accepts: (v): v is T | undefined => v === undefined || inner.accepts(v),
  }
}

/**
 * The arguments of `request` that `schema` names, checked. Keys in `envelope`
 * (the request's id and command name) are not arguments and are skipped.
 */
export function checkArgs<S extends Schema>(
  command: string,
  schema: S,
  request: Readonly<Record<string, unknown>>,
  envelope: readonly string[],
): ArgsOf<S> {
  for (const key of Object.keys(request)) {
    if (!envelope.includes(key) && !Object.hasOwn(schema, key)) {
      throw new ArgumentError(
        key,
        `${command} has no argument "${key}"; it takes ${describeSchema(schema) || 'none'}`,
      )
    }
  }
  const args: Record<string, unknown> = {}
  for (const [name, spec] of Object.entries(schema)) {
    const value = request[name] === null ? undefined : request[name]
    if (value === undefined && !spec.optional) {
      throw new ArgumentError(name, `${command} needs "${name}" (${spec.type})`)
    }
    if (!spec.accepts(value)) {
      throw new ArgumentError(
        name,
        `${command}: "${name}" must be ${spec.type}, got ${String(JSON.stringify(value)).slice(0, 80)}`,
      )
    }
    if (value !== undefined) args[name] = value
  }
  return args as ArgsOf<S>
}

/** `name: type` pairs for messages and `help`, optional ones marked with `?`. */
export function describeSchema(schema: Schema): string {
  return Object.entries(schema)
    .map(([name, spec]) => `${name}${spec.optional ? '?' : ''} (${spec.type})`)
    .join(', ')
}
