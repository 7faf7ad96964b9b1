import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * The bundle the end-to-end suites run: `ACTION_ENTRY` when set (the test run builds a fresh bundle of
 * `src/` there first, so a suite can never pass on a stale one), the committed `dist/index.js` otherwise.
 */
export const ACTION_ENTRY = process.env.ACTION_ENTRY || join(ROOT, 'dist', 'index.js')

/** The context values action.yml's `${{ ... }}` defaults read, as the runner evaluates them. */
const CONTEXT_DEFAULTS: Record<string, string> = {
  '${{ github.repository }}': 'GITHUB_REPOSITORY',
  '${{ github.api_url }}': 'GITHUB_API_URL',
  '${{ github.token }}': 'GITHUB_TOKEN'
}

/** Each input's default from action.yml, as the runner fills in an input the workflow did not give. */
export function actionDefaults(env: Record<string, string | undefined>): Record<string, string> {
  const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: unknown }>
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
}

export interface RunActionOptions {
  /** Inputs by their action.yml names; each becomes `INPUT_<NAME>` with the hyphens kept, as the runner sets them. */
  inputs: Record<string, string>
  /** GITHUB_REPOSITORY, GITHUB_API_URL and anything else the runner would set. */
  env?: Record<string, string>
  /** The Node binary to run the bundle with; defaults to the one running this process. */
  node?: string
  entry?: string
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
    ...options.env
  }
  for (const [name, value] of Object.entries({ ...actionDefaults(env), ...options.inputs })) {
    env[`INPUT_${name.toUpperCase()}`] = value
  }

  const { exitCode, stdout, stderr, durationMs } = await spawnCollected(
    options.node ?? process.execPath,
    [options.entry ?? ACTION_ENTRY],
    { env, cwd: dir }
  )
  const outputs = parseCommandFile(await readFile(outputFile, 'utf8'))
  const summary = await readFile(summaryFile, 'utf8')
  await rm(dir, { recursive: true, force: true })
  const masked = [...stdout.matchAll(/^::add-mask::(.*)$/gm)].map((match) => match[1] ?? '')
  return { exitCode, stdout, stderr, outputs, summary, masked, durationMs }
}

export interface Collected {
  exitCode: number | null
  stdout: string
  stderr: string
  /** From spawn to the process closing its streams. */
  durationMs: number
}

/** Runs a process to its end, collecting its output and timing it from spawn to close. */
export async function spawnCollected(
  command: string,
  argv: string[],
  options: { env: Record<string, string>; cwd: string }
): Promise<Collected> {
  const started = performance.now()
  const child = spawn(command, argv, options)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  return { exitCode, stdout, stderr, durationMs: performance.now() - started }
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
