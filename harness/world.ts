/**
 * The whole action in-process on a virtual clock, against the real OAuth server and the GitHub stand-in: the
 * in-process suite and the soak drive it. Every edge is the real one (Octokit, @actions/http-client,
 * libsodium), wrapped only so the clock knows when real work is in flight; `@actions/core` is a recording
 * stand-in, so a run's log, outputs and summary can be read back.
 */
import { Cancellation } from '../src/cancellation.js'
import { main } from '../src/main.js'
import { createTokenPoster, type PostToken } from '../src/oauth/post.js'
import type { Outcome } from '../src/outcome.js'
import type { ActionCore } from '../src/runner.js'
import { createSodiumSealer, type Sealer } from '../src/store/seal.js'
import { JOB_TOKEN, leakedValues, REPOSITORY, startFixture, type Fixture } from './fixture.js'
import type { GitHubServerOptions } from './github-server.js'
import type { OAuthServerOptions } from './oauth-server.js'
import { actionDefaults } from './run-action.js'
import { RUN_HEADER, VirtualClock } from './virtual-clock.js'

/** What the runner would have shown: masks, outputs, log lines by level, the job summary's HTML, the failure. */
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

export interface WorldRun extends Recorded {
  outcome: Outcome
  /** Requests this run sent, GitHub's and the token endpoint's. */
  requests: number
  /** Killed by `killAtRequest`: what it reports is what a dead process would never have said. */
  killed: boolean
  log: string
  /** Every text a person could read: log, summary, outputs but the access token. */
  exposed: string
  /** Which of these values reached a person, in any form. */
  leaks(values: (string | undefined)[]): string[]
  /** Ends the process? (a cancel before the grant asks the entry point to end it). */
  ended: boolean
}

export interface RunOptions {
  /** Inputs over the fixture's; `refresh-token` defaults to what the secret holds when the run starts. */
  inputs?: Record<string, string>
  /** Runner context: GITHUB_WORKFLOW_REF, the run's label. */
  context?: { workflowRef?: string; runLabel?: string; runUrl?: string }
  summaryFails?: boolean
  /** Told the run's cancellation as it starts, to cancel at a moment of the test's choosing. */
  onStart?: (cancellation: Cancellation) => void
  /** Replaces the token transport (wrapped by the clock all the same). */
  post?: PostToken
  sealer?: Sealer
  random?: () => number
  /**
   * Kills the run as its n-th request (GitHub or the token endpoint) goes out: that request still reaches the
   * server, and nothing after it does (a SIGKILL, or a runner lost).
   */
  killAtRequest?: number
  /** Kills the run as its grant goes out: the grant reaches the server, and nothing after it does. */
  killAtGrant?: boolean
  /** Told as each request of this run goes out (1, 2, …): to cancel it at a chosen one. */
  onRequest?: (n: number, cancellation: Cancellation) => void
  /** The run's name on its requests (RUN_HEADER), for the stand-ins' seeded faults. */
  id?: string
}

export interface World {
  clock: VirtualClock
  fx: Fixture
  /** One run of the action, in-process, on the virtual clock. */
  run(options?: RunOptions): Promise<WorldRun>
  /** The repository's secrets now, decrypted. */
  stored(): Record<string, string>
  variables(): Record<string, string>
  close(): Promise<void>
}

let nextRun = 1

/** What the world says of a run killed mid-way: no outcome of its own, red, nothing known. */
const KILLED: Outcome = {
  status: 'failed',
  phase: 'grant-out',
  written: [],
  refreshTokenRotated: false,
  notes: []
}

export async function startWorld(
  options: {
    start?: Date
    github?: GitHubServerOptions
    oauth?: OAuthServerOptions
    /**
     * How the action reaches the GitHub stand-in: over loopback HTTP (the suite), or in memory (the soak, where
     * a year of runs would spend most of its time in the socket's machinery). The token endpoint is always HTTP.
     */
    transport?: 'loopback' | 'memory'
  } = {}
): Promise<World> {
  const clock = new VirtualClock(options.start ?? new Date('2026-11-30T07:22:00Z'))
  const fx = await startFixture({ clock, github: options.github, oauth: options.oauth })
  // The person seeded the token a while before the first run, as in life.
  await clock.advance(60_000)
  const realSealer = createSodiumSealer()
  const realPost = createTokenPoster('refresh-oauth-secrets')

  const fetchVia =
    (gate: () => void, run: string): typeof fetch =>
    (input, init) =>
      clock.ticket(async (header) => {
        gate()
        const headers = new Headers(init?.headers)
        for (const [name, value] of Object.entries(header)) headers.set(name, value)
        headers.set(RUN_HEADER, run)
        const response = await (options.transport === 'memory' ? fx.github.fetchInMemory : fetch)(input, {
          ...init,
          headers
        })
        // Read to the end inside the ticket: the answer is real work until its last byte.
        const body = await response.arrayBuffer()
        const empty = response.status === 204 || response.status === 304
        return new Response(empty ? null : body, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers
        })
      })

  async function run(runOptions: RunOptions = {}): Promise<WorldRun> {
    const env = { GITHUB_REPOSITORY: REPOSITORY, GITHUB_API_URL: fx.github.url, GITHUB_TOKEN: JOB_TOKEN }
    const inputs = { ...actionDefaults(env), ...fx.inputs(), ...runOptions.inputs }
    const { core, seen } = recordingCore(inputs, { summaryFails: runOptions.summaryFails })
    let ended = false
    const cancellation = new Cancellation(core.warning, clock, () => void (ended = true))
    runOptions.onStart?.(cancellation)
    const post = runOptions.post ?? realPost
    const sealer = runOptions.sealer ?? realSealer
    let requests = 0
    let killed = false
    const runId = runOptions.id ?? String(nextRun)
    // Every request of this run passes here first: counted, told, and refused once the run is dead.
    // A dead process's code goes on in-process (its requests refused here, so nothing it does reaches a
    // server); the run is over for the world at its first refused request, as a killed job is over for the
    // runner, and nothing waits on the rest.
    let died = () => undefined as void
    const dead = new Promise<'killed'>((resolve) => (died = () => resolve('killed')))
    const gate = (grant = false) => {
      if (killed) {
        died()
        throw new TypeError('fetch failed', { cause: new Error('the process was killed') })
      }
      requests++
      runOptions.onRequest?.(requests, cancellation)
      if (runOptions.killAtRequest === requests || (grant && runOptions.killAtGrant)) killed = true
    }
    const label = runOptions.context?.runLabel ?? `workflow "Refresh OAuth token" run ${nextRun++} attempt 1`
    const living = main({
      core,
      context: {
        repository: REPOSITORY,
        apiUrl: fx.github.url,
        workflowRef:
          runOptions.context?.workflowRef ??
          `${REPOSITORY}/.github/workflows/refresh-oauth-token.yml@refs/heads/main`,
        runLabel: label,
        runUrl: runOptions.context?.runUrl
      },
      clock,
      random: runOptions.random ?? (() => 0.5),
      fetch: fetchVia(gate, runId),
      post: (request, signal) =>
        clock.ticket(async (header) => {
          gate(true)
          return post({ ...request, headers: { ...request.headers, ...header, [RUN_HEADER]: runId } }, signal)
        }),
      sealer: {
        warmUp: () => sealer.warmUp(),
        seal: (plaintext, key) => clock.hold(() => sealer.seal(plaintext, key))
      },
      cancellation
    })
    const ending = await Promise.race([living, dead])
    if (ending === 'killed') living.catch(() => undefined)
    const outcome: Outcome = ending === 'killed' ? KILLED : ending
    const log = seen.lines.join('\n')
    const { 'access-token': _, ...outputs } = seen.outputs
    const exposed = [log, seen.summary, ...Object.values(outputs)].join('\n')
    return {
      ...seen,
      outcome,
      log,
      exposed,
      leaks: (values) => leakedValues(exposed, values),
      ended,
      requests,
      killed
    }
  }

  return {
    clock,
    fx,
    run,
    stored: () => fx.github.secrets(fx.repo),
    variables: () => fx.github.variables(fx.repo.repository),
    async close() {
      try {
        await fx.close()
      } finally {
        clock.uninstall()
      }
    }
  }
}
