/**
 * The pipeline in-process, for the suites that drive `run()`: a recording stand-in for `@actions/core`, and
 * the real edges (Octokit with its plugins, @actions/http-client, libsodium) against a fresh real OAuth
 * server and GitHub stand-in on 127.0.0.1 for every test.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { Fixture } from '../../harness/fixture.js'
import { actionDefaults } from '../../harness/run-action.js'
import { Cancellation } from '../../src/cancellation.js'
import { createOctokit } from '../../src/github/octokit.js'
import { run, type ActionCore, type Dependencies } from '../../src/main.js'
import { createTokenPoster } from '../../src/oauth/post-token.js'
import { createSodiumSealer } from '../../src/rotation/sealed-box.js'
import { useFreshFixture } from './fixture-per-test.js'

/** What the runner would have seen: masks, outputs, log lines by level, the job summary's HTML, the failure. */
export interface Recorded {
  masked: string[]
  outputs: Record<string, string>
  lines: string[]
  summary: string
  failed?: string
}

export function recordingCore(inputs: Record<string, string>, options: { summaryFails?: boolean } = {}) {
  const seen: Recorded = { masked: [], outputs: {}, lines: [], summary: '' }
  let buffer = ''
  const summary = {
    emptyBuffer() {
      buffer = ''
      return summary
    },
    addHeading(text: string) {
      buffer += `<h3>${text}</h3>`
      return summary
    },
    addTable(rows: unknown[]) {
      buffer += `<table>${JSON.stringify(rows)}</table>`
      return summary
    },
    addRaw(text: string) {
      buffer += text
      return summary
    },
    addCodeBlock(code: string) {
      buffer += `<pre>${code}</pre>`
      return summary
    },
    async write() {
      if (options.summaryFails)
        throw new Error('Unable to find environment variable for $GITHUB_STEP_SUMMARY')
      seen.summary += buffer
      return summary
    }
  }
  const core: ActionCore = {
    getInput: (name) => (inputs[name] ?? '').trim(),
    setSecret: (value) => void seen.masked.push(value),
    setOutput: (name, value) => void (seen.outputs[name] = value),
    setFailed: (message) => {
      seen.failed = message
      seen.lines.push(`error: ${message}`)
    },
    info: (message) => void seen.lines.push(`info: ${message}`),
    notice: (message) => void seen.lines.push(`notice: ${message}`),
    warning: (message) => void seen.lines.push(`warning: ${message}`),
    error: (message) => void seen.lines.push(`error: ${message}`),
    debug: (message) => void seen.lines.push(`debug: ${message}`),
    summary: summary as unknown as ActionCore['summary']
  }
  return { core, seen }
}

/** One run of the pipeline with the fixture's inputs, action.yml's defaults under them, as a runner gives them. */
async function runOnceWith(
  fx: Fixture,
  overrides: Record<string, string> = {},
  options: {
    summaryFails?: boolean
    deps?: Partial<Dependencies>
    /** Called with the run's cancellation as it starts, to cancel at a chosen moment. */
    cancel?: (cancellation: Cancellation) => void
  } = {}
) {
  const env = { GITHUB_REPOSITORY: fx.repo.repository, GITHUB_API_URL: fx.github.url }
  const { core, seen } = recordingCore({ ...actionDefaults(env), ...fx.inputs(), ...overrides }, options)
  const stops: string[] = []
  const cancellation = new Cancellation(core.warning, (message) => void stops.push(message))
  options.cancel?.(cancellation)
  const report = await run({
    core,
    context: { repository: env.GITHUB_REPOSITORY, apiUrl: env.GITHUB_API_URL },
    createOctokit,
    createTokenPoster,
    cancellation,
    sealer: createSodiumSealer(),
    now: () => new Date(),
    sleep: (ms) => sleep(ms),
    ...options.deps
  })
  const log = seen.lines.join('\n')
  /** Every token a run handled: none may appear in a log line, the summary, or an output but the masked one. */
  const leaks = (values: (string | undefined)[]) => {
    const { 'access-token': _, ...outputs } = seen.outputs
    const exposed = `${log}\n${seen.summary}\n${Object.values(outputs).join('\n')}`
    return values.filter((value) => value && exposed.includes(value))
  }
  return { report, seen, log, leaks, stops }
}

/** A fresh fixture for every test of the calling file, and `runOnce` against it. */
export function usePipeline() {
  const fx = useFreshFixture()
  return {
    fx,
    stored: () => fx().github.secrets(fx().repo),
    variables: () => fx().github.variables(fx().repo.repository),
    runOnce: (...args: Parameters<typeof runOnceWith> extends [Fixture, ...infer Rest] ? Rest : never) =>
      runOnceWith(fx(), ...args)
  }
}
