import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

/** The committed bundle: what the demo and the benchmark run. The bundle suite passes a fresh one as `entry`. */
export const ACTION_ENTRY = join(ROOT, 'dist', 'index.js')

/** The context values action.yml's `${{ ... }}` defaults read, as the runner evaluates them. */
const CONTEXT_DEFAULTS: Record<string, string> = {
  '${{ github.repository }}': 'GITHUB_REPOSITORY',
  '${{ github.api_url }}': 'GITHUB_API_URL',
  '${{ github.token }}': 'GITHUB_TOKEN'
}

type ParsedAction = { inputs: Record<string, { default?: unknown }> }
const parsedActions = new Map<string, ParsedAction>()

/** Each input's default from action.yml, as the runner fills in an input the workflow did not give. */
export function actionDefaults(
  env: Record<string, string | undefined>,
  actionFile = 'action.yml'
): Record<string, string> {
  let action = parsedActions.get(actionFile)
  if (!action) {
    action = parse(readFileSync(join(ROOT, actionFile), 'utf8')) as ParsedAction
    parsedActions.set(actionFile, action)
  }
  const defaults: Record<string, string> = {}
  for (const [name, input] of Object.entries(action.inputs)) {
    if (input.default === undefined) continue
    const text = String(input.default)
    const variable = CONTEXT_DEFAULTS[text]
    defaults[name] = variable ? (env[variable] ?? '') : text
  }
  return defaults
}

export interface ActionRun {
  exitCode: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** Values the action asked the runner to mask (`::add-mask::`). */
  masked: string[]
  durationMs: number
  /** The signal that ended the process (a SIGKILL, or a signal it had no handler for yet), else null. */
  signal: NodeJS.Signals | null
  /** When the process was spawned (epoch ms, the servers' clock). */
  spawnedAt: number
  /** The signals actually sent (a planned one is skipped once the process has ended), with when (epoch ms). */
  signalsSent: SentSignal[]
}

/** A signal to send the running action, `afterMs` after it was spawned, as the runner does to cancel a step. */
export interface PlannedSignal {
  afterMs: number
  signal: NodeJS.Signals
}

export interface SentSignal {
  signal: NodeJS.Signals
  at: number
}

/** The runner's delays when a step is cancelled: SIGINT, then SIGTERM 7.5 s later, then SIGKILL 2.5 s after that. */
export const RUNNER_SIGTERM_AFTER_MS = 7500
export const RUNNER_SIGKILL_AFTER_MS = 2500

/**
 * The signals the runner sends when a step is cancelled `afterMs` after it started. `delays` shortens the
 * runner's gaps for a test that wants to see the later signals without waiting ten seconds.
 */
export function runnerCancel(
  afterMs: number,
  delays: { sigtermMs?: number; sigkillMs?: number } = {}
): PlannedSignal[] {
  const sigterm = afterMs + (delays.sigtermMs ?? RUNNER_SIGTERM_AFTER_MS)
  return [
    { afterMs, signal: 'SIGINT' },
    { afterMs: sigterm, signal: 'SIGTERM' },
    { afterMs: sigterm + (delays.sigkillMs ?? RUNNER_SIGKILL_AFTER_MS), signal: 'SIGKILL' }
  ]
}

export interface RunActionOptions {
  /** Inputs by their action.yml names; each becomes `INPUT_<NAME>` with the hyphens kept, as the runner sets them. */
  inputs: Record<string, string>
  /** GITHUB_REPOSITORY, GITHUB_API_URL and anything else the runner would set. */
  env?: Record<string, string>
  /** The Node binary to run the bundle with; defaults to the one running this process. */
  node?: string
  entry?: string
  /** The action.yml whose defaults fill the inputs not given (the check action's is check/action.yml). */
  actionFile?: string
  /** Signals to send while it runs (e.g. `runnerCancel(300)`); each only while the process is still alive. */
  signals?: PlannedSignal[]
  /** Called once the process is spawned: to signal it at a moment the test chooses. */
  onSpawn?: (child: ChildProcess) => void
}

/** Runs the bundle as a child process, the way the Actions runner runs a `node24` action. */
export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const dir = await mkdtemp(join(tmpdir(), 'refresh-oauth-secrets-'))
  const outputFile = join(dir, 'output')
  const summaryFile = join(dir, 'summary')
  await writeFile(outputFile, '')
  await writeFile(summaryFile, '')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    RUNNER_TEMP: dir,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_WORKSPACE: dir,
    // The test run measures the bundle's coverage too (harness/fresh-bundle.mjs, scripts/coverage.mjs).
    ...(process.env.BUNDLE_COVERAGE_DIR ? { NODE_V8_COVERAGE: process.env.BUNDLE_COVERAGE_DIR } : {}),
    ...options.env
  }
  for (const [name, value] of Object.entries({
    ...actionDefaults(env, options.actionFile),
    ...options.inputs
  })) {
    env[`INPUT_${name.toUpperCase()}`] = value
  }

  const { exitCode, signal, stdout, stderr, durationMs, spawnedAt, signalsSent } = await spawnCollected(
    options.node ?? process.execPath,
    [options.entry ?? ACTION_ENTRY],
    { env, cwd: dir, signals: options.signals, onSpawn: options.onSpawn }
  )
  const outputs = parseCommandFile(await readFile(outputFile, 'utf8'))
  const summary = await readFile(summaryFile, 'utf8')
  await rm(dir, { recursive: true, force: true })
  const masked = [...stdout.matchAll(/^::add-mask::(.*)$/gm)].map((match) => match[1] ?? '')
  return {
    exitCode,
    stdout,
    stderr,
    outputs,
    summary,
    masked,
    durationMs,
    signal,
    spawnedAt,
    signalsSent
  }
}

export interface Collected {
  exitCode: number | null
  /** The signal that ended the process, or null when it exited by itself. */
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** From spawn to the process closing its streams. */
  durationMs: number
  /** Epoch ms at spawn. */
  spawnedAt: number
  signalsSent: SentSignal[]
}

/**
 * Runs a process to its end, collecting its output and timing it from spawn to close. Planned signals are
 * sent at their moments while the process is alive; the ones still pending when it ends are dropped.
 */
export async function spawnCollected(
  command: string,
  argv: string[],
  options: {
    env: Record<string, string>
    cwd: string
    signals?: PlannedSignal[]
    onSpawn?: (child: ChildProcess) => void
  }
): Promise<Collected> {
  const started = performance.now()
  const spawnedAt = Date.now()
  const child = spawn(command, argv, { env: options.env, cwd: options.cwd })
  const alive = () => child.exitCode === null && child.signalCode === null
  const signalsSent: SentSignal[] = []
  const timers = (options.signals ?? []).map(({ afterMs, signal }) =>
    setTimeout(() => {
      if (alive() && child.kill(signal)) signalsSent.push({ signal, at: Date.now() })
    }, afterMs)
  )
  options.onSpawn?.(child)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  try {
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
      (resolve, reject) => {
        child.on('error', reject)
        child.on('close', (code, signal) => resolve([code, signal]))
      }
    )
    return {
      exitCode,
      signal,
      stdout,
      stderr,
      durationMs: performance.now() - started,
      spawnedAt,
      signalsSent
    }
  } finally {
    for (const timer of timers) clearTimeout(timer)
  }
}

/** Reads a GITHUB_OUTPUT file: `name<<DELIMITER`, value lines, `DELIMITER` (or the one-line `name=value`). */
export function parseCommandFile(text: string): Record<string, string> {
  const values: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name = '', delimiter] = heredoc
      const value: string[] = []
      while (++i < lines.length && lines[i] !== delimiter) value.push(lines[i] ?? '')
      values[name] = value.join('\n')
    } else if (line.includes('=')) {
      const at = line.indexOf('=')
      values[line.slice(0, at)] = line.slice(at + 1)
    }
  }
  return values
}
