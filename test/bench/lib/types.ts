/** The shape of a benchmark row and of what it reports. */

import type { Spawned, SpawnOptions } from './proc.ts'
import type { Datasets } from './dataset.ts'
import type { RelayProcess } from '../../helpers/relay-process.ts'

/** One line of the report: a figure, its baseline from the same run, their ratio, and the goal. */
export interface Measure {
  readonly label: string
  readonly unit: string
  readonly figure: number | null
  readonly baseline: number | null
  /** What the baseline is, e.g. "raw libp2p stream echo / 2". */
  readonly baselineLabel?: string
  /** figure / baseline unless the row says otherwise. */
  readonly ratio: number | null
  /** The goal for this line, in words; absent when the line is only reported. */
  readonly goal?: string
  readonly met?: boolean | null
  /** Shown in place of the figure when it could not be measured. */
  readonly na?: string
}

export interface RowOutcome {
  readonly measures: readonly Measure[]
  readonly notes: readonly string[]
  /** The whole row could not be measured: why. */
  readonly na?: string
}

export interface BenchContext {
  readonly quick: boolean
  /** Pass --cpu-prof to the workers that do the work (profiles land in results/profiles). */
  readonly profile: boolean
  readonly profileDir: string
  /** Node flags that make a worker write a CPU profile for this row when --profile is given. */
  profileArgs(name: string): string[]
  /** A fresh temporary directory for this row; removed after it. */
  readonly tmp: string
  log(message: string): void
  /** Starts a worker process; the runner stops it after the row, whatever happens. */
  spawn(script: string, options?: SpawnOptions): Promise<Spawned>
  /** Stops every worker and relay this row started so far. */
  stopAll(): Promise<void>
  /** A `murmur relay` process for this row; stopped after it. */
  relay(): Promise<RelayProcess>
  /** The history datasets, built once per run on first use. */
  datasets(): Promise<Datasets>
}

export interface BenchRow {
  readonly id: string
  readonly what: string
  readonly goal: string
  run(ctx: BenchContext): Promise<RowOutcome>
}

export interface MachineInfo {
  readonly cpus: number
  readonly model: string
  readonly memGiB: number
  readonly node: string
  readonly platform: string
  readonly load: readonly number[]
}

export interface RowReport {
  readonly id: string
  readonly what: string
  readonly goal: string
  readonly met: boolean | null
  readonly measures: readonly Measure[]
  readonly figures: Readonly<Record<string, number | null>>
  readonly baselines: Readonly<Record<string, number | null>>
  readonly ratios: Readonly<Record<string, number | null>>
  readonly notes: readonly string[]
  readonly na?: string
  readonly seconds: number
  readonly date: string
  readonly machine: MachineInfo
}
