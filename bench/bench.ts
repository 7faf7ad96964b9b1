/**
 * `npm run bench [-- --latency 50 --runs 10]`: the action's committed bundle against the path the hourly
 * workflow took before it (bench/seed-path.mjs: a `fetch` grant, then one `gh secret set` process per
 * secret), on this machine, against the local OAuth server and GitHub stand-in the end-to-end tests use,
 * with the same latency added to every request on both servers. Prints one table and writes the same
 * figures to bench/results.json. A benchmark, not a test: it asserts nothing about speed, and only stops
 * when a run fails, since a failed run's timing means nothing.
 *
 * Both paths run against one fixture, alternately, and chain as the hourly workflow does: each run spends
 * the refresh token the previous run stored, and after every run the stored WIZARD_REFRESH_TOKEN must be
 * the live one. The GitHub stand-in serves TLS with a throwaway self-signed certificate, because `gh` only
 * speaks https to a GitHub Enterprise host; the action talks to it over the same TLS (NODE_EXTRA_CA_CERTS),
 * as it talks to api.github.com on a real runner. `--gh-fallback` measures bench/gh-fallback.mjs instead of
 * the real `gh`, which is also what happens when `gh` is not installed.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { PAT, REPOSITORY, startFixture, type Fixture } from '../harness/fixture.js'
import { ACTION_ENTRY, runAction, spawnCollected } from '../harness/run-action.js'
import { NODE24 } from '../harness/runtimes.js'
import { selfSignedCertificate } from '../harness/tls.js'
import {
  sequentialRoundTrips,
  startTimingRelay,
  uncoveredMs,
  type Span,
  type TimingRelay
} from './timeline.js'

const here = dirname(fileURLToPath(import.meta.url))
const DIST = join(here, '..', 'dist')
const SEED_SCRIPT = join(here, 'seed-path.mjs')
const GH_FALLBACK = join(here, 'gh-fallback.mjs')
const RESULTS = join(here, 'results.json')
const TIME = '/usr/bin/time'
const BASH = '/bin/bash'
const run$ = promisify(execFile)

const { values: args } = parseArgs({
  options: {
    latency: { type: 'string', default: '50' },
    runs: { type: 'string', default: '10' },
    'gh-fallback': { type: 'boolean', default: false },
    node: { type: 'string' }
  }
})
/** The runtime action.yml names (node24, which `npm test` installs) when it is there, for both paths. */
const NODE = args.node ?? (existsSync(NODE24) ? NODE24 : process.execPath)
const nodeVersion = (await run$(NODE, ['--version'])).stdout.trim()
const latencyMs = Number(args.latency)
const runs = Number(args.runs)
if (!Number.isInteger(latencyMs) || latencyMs < 0 || !Number.isInteger(runs) || runs < 1) {
  console.error(
    'usage: npm run bench -- [--latency MS (integer >= 0)] [--runs N (integer >= 1)] [--gh-fallback] [--node PATH]'
  )
  process.exit(2)
}
if (!existsSync(ACTION_ENTRY)) {
  console.error('dist/index.js is missing: run `npm run bundle` first.')
  process.exit(1)
}

type PathName = 'action' | 'seed'

interface RunRecord {
  path: PathName
  /** 0-based among the measured runs of this path; -1 for the warm-up. */
  index: number
  wallMs: number
  exitCode: number | null
  /** Token requests, as the OAuth server counted them. */
  tokenRequests: number
  githubRequests: number
  sequentialRoundTrips: number
  /**
   * From launch to the first request reaching a server (process start-up and work before it). Includes
   * the millisecond or so of temporary-directory setup before the spawn, which the wall time does not.
   */
  beforeFirstRequestMs: number
  /** Between the first request's start and the last answer, time covered by no request: client-side work. */
  betweenRequestsMs: number
  /** Between the first request's start and the last answer, time at least one request was open. */
  inRequestsMs: number
  /** From the last answer to the process's exit. */
  afterLastAnswerMs: number
  spans: Span[]
}

interface Measured {
  wallMs: number
  exitCode: number | null
  stdout: string
  stderr: string
}

// ── Setup ────────────────────────────────────────────────────────────────────────────────────────────

const work = await mkdtemp(join(tmpdir(), 'refresh-oauth-secrets-bench-'))
let fx: Fixture | undefined
let relay: TimingRelay | undefined
try {
  const { key, cert, certFile } = await selfSignedCertificate(work)
  const tls = { key, cert }

  const ghVersion = args['gh-fallback'] ? undefined : await installedGh()
  const seedClient = ghVersion
    ? `real gh (${ghVersion})`
    : `bench/gh-fallback.mjs, one Node process per secret (${args['gh-fallback'] ? '--gh-fallback' : 'gh not found'})`

  fx = await startFixture({ oauth: { latencyMs }, github: { latencyMs, tls } })
  relay = await startTimingRelay(fx.oauth.url)
  const tokenUrl = `${relay.url}${new URL(fx.oauth.tokenUrl).pathname}`
  const ghHost = `localhost:${new URL(fx.github.url).port}`
  const actionEnv = { NODE_EXTRA_CA_CERTS: certFile }

  const fixture = fx
  const oauthLog = relay.requests
  const storedRefreshToken = () => fixture.github.secrets(fixture.repo).WIZARD_REFRESH_TOKEN ?? ''

  /** Runs one path once, with the log positions before and after, and checks the chain still holds. */
  async function measure(path: PathName, index: number, launch: () => Promise<Measured>): Promise<RunRecord> {
    const spent = storedRefreshToken()
    const github0 = fixture.github.requests.length
    const oauth0 = oauthLog.length
    const tokens0 = fixture.oauth.tokenRequests
    const launchedAt = Date.now()
    const result = await launch()
    const stored = storedRefreshToken()
    const access = fixture.github.secrets(fixture.repo).WIZARD_OAUTH_TOKEN ?? ''
    const chained =
      stored !== spent &&
      (await fixture.oauth.isRefreshTokenLive(stored)) &&
      (await fixture.oauth.isAccessTokenLive(access))
    if (result.exitCode !== 0 || !chained) {
      throw new Error(
        `${path} run ${index} ${result.exitCode === 0 ? 'left no live refresh token stored' : `exited with ${result.exitCode}`}:\n` +
          `${result.stdout}\n${result.stderr}`
      )
    }
    const spans: Span[] = [
      ...oauthLog.slice(oauth0).map((r) => ({ server: 'oauth' as const, ...r })),
      ...fixture.github.requests.slice(github0).map((r) => ({ server: 'github' as const, ...r }))
    ].sort((a, b) => a.startedAt - b.startedAt)
    const first = Math.min(...spans.map((s) => s.startedAt))
    const last = Math.max(...spans.map((s) => s.endedAt))
    const between = uncoveredMs(spans, first, last)
    const beforeFirst = first - launchedAt
    return {
      path,
      index,
      wallMs: result.wallMs,
      exitCode: result.exitCode,
      tokenRequests: fixture.oauth.tokenRequests - tokens0,
      githubRequests: fixture.github.requests.length - github0,
      sequentialRoundTrips: sequentialRoundTrips(spans),
      beforeFirstRequestMs: beforeFirst,
      betweenRequestsMs: between,
      inRequestsMs: last - first - between,
      afterLastAnswerMs: result.wallMs - beforeFirst - (last - first),
      spans
    }
  }

  const action =
    (node: string = NODE, env: Record<string, string> = {}) =>
    async (): Promise<Measured> => {
      const run = await fixture.run({ 'token-url': tokenUrl }, { node, env: { ...actionEnv, ...env } })
      return { wallMs: run.durationMs, exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr }
    }

  const seed = async (): Promise<Measured> => {
    // A fresh, empty gh configuration per run, as on a fresh runner; made before the clock starts.
    const ghConfig = await mkdtemp(join(work, 'gh-config-'))
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: work,
      SEED_TOKEN_URL: tokenUrl,
      SEED_CLIENT_ID: fixture.oauth.publicClientId,
      WIZARD_REFRESH_TOKEN: storedRefreshToken(),
      SEED_REPO: `${ghHost}/${REPOSITORY}`,
      // gh: trust the throwaway certificate, no stored login, the PAT for a GitHub Enterprise host.
      SSL_CERT_FILE: certFile,
      GH_CONFIG_DIR: ghConfig,
      GH_ENTERPRISE_TOKEN: PAT,
      GH_HOST: ghHost,
      GH_NO_UPDATE_NOTIFIER: '1',
      GH_PROMPT_DISABLED: '1',
      NO_COLOR: '1'
    }
    if (!ghVersion) {
      env.SEED_GH_COMMAND = JSON.stringify([NODE, GH_FALLBACK])
      env.NODE_EXTRA_CA_CERTS = certFile
    }
    const result = await timedSpawn(NODE, [SEED_SCRIPT], env, work)
    await rm(ghConfig, { recursive: true, force: true })
    return result
  }

  // ── The two paths, alternately ─────────────────────────────────────────────────────────────────────

  const total = runs * 2 + 2
  let done = 0
  const progress = (what: string) => {
    done++
    if (process.stderr.isTTY) process.stderr.write(`\r  ${done}/${total} ${what}          `)
  }
  // One unmeasured run of each first, so neither pays for a cold disk cache or a first-time JIT.
  await measure('action', -1, action())
  progress('action warm-up')
  await measure('seed', -1, seed)
  progress('seed warm-up')
  const records: RunRecord[] = []
  for (let i = 0; i < runs; i++) {
    records.push(await measure('action', i, action()))
    progress('action')
    records.push(await measure('seed', i, seed))
    progress('seed path')
  }
  if (process.stderr.isTTY) process.stderr.write('\n')

  // ── Peak RSS of the action's process ───────────────────────────────────────────────────────────────
  // Separate runs, so the wrapper's own cost never lands in the wall times above. GNU time's %M is the
  // child's ru_maxrss from wait4 (KiB). The wrapper is bash, not sh: dash drops the runner's
  // `INPUT_REFRESH-TOKEN`-style variables (not shell names) from the environment it passes on. Without
  // /usr/bin/time or bash, a preloaded hook reads VmHWM from /proc/self/status in the process's 'exit'
  // handler, just before it exits.
  const rssFile = join(work, 'rss')
  let rssMethod: string
  let rssRun: () => Promise<Measured>
  if (existsSync(TIME) && existsSync(BASH)) {
    rssMethod = `${TIME} -f %M (ru_maxrss)`
    const wrapper = join(work, 'node-under-time.sh')
    await writeFile(wrapper, `#!${BASH}\nexec ${TIME} -f %M -o "$BENCH_RSS_FILE" "$BENCH_NODE" "$@"\n`)
    await chmod(wrapper, 0o755)
    rssRun = action(wrapper, { BENCH_RSS_FILE: rssFile, BENCH_NODE: NODE })
  } else {
    rssMethod = '/proc/self/status VmHWM at exit (preloaded hook)'
    const hook = join(work, 'vmhwm.cjs')
    await writeFile(
      hook,
      "process.on('exit', () => { const fs = require('fs'); const m = /VmHWM:\\s+(\\d+)/.exec(" +
        "fs.readFileSync('/proc/self/status', 'utf8')); fs.writeFileSync(process.env.BENCH_RSS_FILE, m ? m[1] : '') })\n"
    )
    rssRun = action(undefined, { BENCH_RSS_FILE: rssFile, NODE_OPTIONS: `--require ${hook}` })
  }
  const rssKiB: number[] = []
  for (let i = 0; i < runs; i++) {
    await rm(rssFile, { force: true })
    await measure('action', i, rssRun)
    const text = (await readFile(rssFile, 'utf8')).trim().split('\n').pop() ?? ''
    rssKiB.push(Number(text))
  }

  // ── Cold start: the bundle stopping at input validation, against an empty Node ─────────────────────
  // No refresh-token or writer-token and an unknown zone: the action must fail on its inputs before any
  // network call. GITHUB_API_URL and https_proxy point at 127.0.0.1 in case it ever did not.
  const coldEnv = { GITHUB_API_URL: fixture.github.url, https_proxy: 'http://127.0.0.1:9' }
  const coldBundle = async () => {
    const run = await runAction({ inputs: { zone: 'mars' }, env: coldEnv, node: NODE })
    return {
      ms: run.durationMs,
      exitCode: run.exitCode,
      namedZone: /zone/i.test(`${run.stdout}${run.stderr}`)
    }
  }
  const emptyEnv = { PATH: process.env.PATH ?? '', HOME: work }
  const coldNode = () => timedSpawn(NODE, ['-e', ''], emptyEnv, work)
  const github0 = fixture.github.requests.length
  await coldBundle()
  await coldNode()
  const cold: { bundle: number[]; node: number[]; exitCodes: (number | null)[]; namedZone: boolean } = {
    bundle: [],
    node: [],
    exitCodes: [],
    namedZone: true
  }
  for (let i = 0; i < runs; i++) {
    const bundle = await coldBundle()
    cold.bundle.push(bundle.ms)
    cold.exitCodes.push(bundle.exitCode)
    cold.namedZone &&= bundle.namedZone
    cold.node.push((await coldNode()).wallMs)
  }
  const coldRequests = fixture.github.requests.length - github0

  // ── The sealed box's start-up, which the action starts as its first request goes out ──────────────
  // libsodium-wrappers as the bundle's lazy chunk holds it: import and `ready` (WebAssembly compiled), in
  // a fresh process each time. Off the critical path when it is shorter than the first round trip.
  const sodiumScript =
    "const t = performance.now(); const m = await import('libsodium-wrappers'); await (m.default ?? m).ready; " +
    'process.stdout.write(String(performance.now() - t))'
  const sodiumMs: number[] = []
  for (let i = 0; i < runs; i++) {
    const { stdout } = await run$(NODE, ['--input-type=module', '-e', sodiumScript], {
      cwd: join(here, '..')
    })
    sodiumMs.push(Number(stdout))
  }
  // The first round trip: from the first request to the last answer among those sent before any answer.
  const firstRoundTripMs = median(
    records
      .filter((r) => r.path === 'action')
      .map((r) => {
        const first = Math.min(...r.spans.map((span) => span.startedAt))
        const firstAnswer = Math.min(...r.spans.map((span) => span.endedAt))
        const together = r.spans.filter((span) => span.startedAt < firstAnswer)
        return Math.max(...together.map((span) => span.endedAt)) - first
      })
  )

  // ── Bundle size ───────────────────────────────────────────────────────────────────────────────────
  const bundleFiles = await Promise.all(
    (await readdir(DIST))
      .filter((name) => name.endsWith('.js'))
      .sort((a, b) => (a === 'index.js' ? -1 : b === 'index.js' ? 1 : a.localeCompare(b)))
      .map(async (name) => {
        const file = join(DIST, name)
        return { name, bytes: (await stat(file)).size, gzipBytes: gzipSync(await readFile(file)).length }
      })
  )
  const bundleBytes = bundleFiles.reduce((sum, f) => sum + f.bytes, 0)
  const bundleGzipBytes = bundleFiles.reduce((sum, f) => sum + f.gzipBytes, 0)

  // ── Report ────────────────────────────────────────────────────────────────────────────────────────
  const of = (path: PathName) => records.filter((r) => r.path === path)
  const summarize = (path: PathName) => {
    const list = of(path)
    const wall = list.map((r) => r.wallMs)
    return {
      wallMs: { median: median(wall), min: Math.min(...wall), max: Math.max(...wall) },
      tokenRequests: range(list.map((r) => r.tokenRequests)),
      githubRequests: range(list.map((r) => r.githubRequests)),
      requests: range(list.map((r) => r.tokenRequests + r.githubRequests)),
      sequentialRoundTrips: range(list.map((r) => r.sequentialRoundTrips)),
      beforeFirstRequestMs: median(list.map((r) => r.beforeFirstRequestMs)),
      betweenRequestsMs: median(list.map((r) => r.betweenRequestsMs)),
      inRequestsMs: median(list.map((r) => r.inRequestsMs)),
      afterLastAnswerMs: median(list.map((r) => r.afterLastAnswerMs)),
      requestOrder: list[0]?.spans.map(
        (s) => `${s.method} ${s.server === 'oauth' ? 'token' : shortPath(s.path)}`
      )
    }
  }
  const summary = { action: summarize('action'), seed: summarize('seed') }
  const ratio = summary.seed.wallMs.median / summary.action.wallMs.median
  const rssMiB = rssKiB.map((k) => k / 1024)
  const coldMedian = median(cold.bundle)
  const nodeMedian = median(cold.node)

  const ms = (value: number) => `${Math.round(value)} ms`
  const count = (r: { min: number; max: number }) => (r.min === r.max ? `${r.min}` : `${r.min}–${r.max}`)
  const requestsCell = (s: typeof summary.action) =>
    `${count(s.requests)} (${count(s.tokenRequests)} token + ${count(s.githubRequests)} GitHub)`
  const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`
  const rows: string[][] = [
    ['', 'action (dist/index.js)', `seed path (node + ${ghVersion ? 'gh' : 'fallback'} ×3)`, 'seed / action'],
    [
      'wall time, median',
      ms(summary.action.wallMs.median),
      ms(summary.seed.wallMs.median),
      `${ratio.toFixed(2)}×`
    ],
    [
      'wall time, min–max',
      `${Math.round(summary.action.wallMs.min)}–${ms(summary.action.wallMs.max)}`,
      `${Math.round(summary.seed.wallMs.min)}–${ms(summary.seed.wallMs.max)}`,
      ''
    ],
    ['requests', requestsCell(summary.action), requestsCell(summary.seed), ''],
    [
      'sequential round trips',
      count(summary.action.sequentialRoundTrips),
      count(summary.seed.sequentialRoundTrips),
      ''
    ],
    [
      '  launch → first request',
      ms(summary.action.beforeFirstRequestMs),
      ms(summary.seed.beforeFirstRequestMs),
      ''
    ],
    ['  in requests', ms(summary.action.inRequestsMs), ms(summary.seed.inRequestsMs), ''],
    ['  between requests', ms(summary.action.betweenRequestsMs), ms(summary.seed.betweenRequestsMs), ''],
    ['  last answer → exit', ms(summary.action.afterLastAnswerMs), ms(summary.seed.afterLastAnswerMs), ''],
    [
      'peak RSS, median (max)',
      `${median(rssMiB).toFixed(1)} MiB (${Math.max(...rssMiB).toFixed(1)})`,
      '–',
      ''
    ],
    ['bundle size', `${kB(bundleBytes)} (${bundleFiles.length} files; gzip ${kB(bundleGzipBytes)})`, '–', ''],
    ['cold start, median', `${ms(coldMedian)} (node -e '': ${ms(nodeMedian)})`, '–', ''],
    ['  over an empty Node', `+${ms(coldMedian - nodeMedian)}`, '–', ''],
    [
      'sealed box ready (hidden)',
      `${ms(median(sodiumMs))}, under the first round trip (${ms(firstRoundTripMs)})`,
      '–',
      ''
    ]
  ]
  console.log(
    `\nrefresh-oauth-secrets benchmark: ${latencyMs} ms added to every request on both servers, ${runs} runs of each ` +
      `path, alternating, after one warm-up each; Node ${nodeVersion}, ${cpus().length} CPUs`
  )
  console.log(`seed path measured with: ${seedClient}\n`)
  console.log(table(rows))
  console.log(
    `\nrequest order, action:    ${summary.action.requestOrder?.join(' → ')}` +
      `\nrequest order, seed path: ${summary.seed.requestOrder?.join(' → ')}` +
      '\n\nsequential round trips: the longest chain of requests each starting after the previous was answered' +
      ' (server-side times; see bench/timeline.ts).' +
      '\nlaunch → first request + in requests + between requests + last answer → exit = wall time (medians of each).' +
      `\npeak RSS: ${runs} separate runs of the action under ${rssMethod}.` +
      `\nbundle: ${bundleFiles.map((f) => `${f.name} ${kB(f.bytes)}`).join(', ')} (kB = 1000 bytes).` +
      `\ncold start: dist/index.js with only INPUT_ZONE=mars (exit ${[...new Set(cold.exitCodes)].join('/')}, ` +
      `${cold.namedZone ? 'failed on the zone input' : 'DID NOT name the zone input'}, ${coldRequests} requests), ` +
      `median of ${runs}, alternating with node -e ''.` +
      `\nsealed box ready: importing libsodium-wrappers and awaiting ready in a fresh process, median of ${runs}; ` +
      'the action starts it as its first requests go out, so it adds nothing while it is shorter than that round trip.' +
      `\nEvery run chained: each spent the refresh token the previous one stored, and left a live one stored.` +
      `\nFigures also in ${RESULTS}`
  )

  const results = {
    generatedAt: new Date().toISOString(),
    node: nodeVersion,
    cpus: cpus().length,
    latencyMs,
    runs,
    seedClient,
    chaining:
      'one fixture; every run spends the refresh token the previous run stored and must leave a live one',
    roundTrips:
      'longest chain of requests each starting at or after the previous one was answered (bench/timeline.ts)',
    summary: { ...summary, ratioSeedOverAction: ratio },
    peakRss: { method: rssMethod, kib: rssKiB, medianMiB: median(rssMiB), maxMiB: Math.max(...rssMiB) },
    bundle: { files: bundleFiles, bytes: bundleBytes, gzipBytes: bundleGzipBytes },
    sealedBoxReady: { ms: sodiumMs, medianMs: median(sodiumMs), firstRoundTripMedianMs: firstRoundTripMs },
    coldStart: {
      inputs: { zone: 'mars' },
      bundleMs: cold.bundle,
      nodeEmptyMs: cold.node,
      medianMs: coldMedian,
      nodeEmptyMedianMs: nodeMedian,
      exitCodes: cold.exitCodes,
      failedOnZoneInput: cold.namedZone,
      requests: coldRequests
    },
    runRecords: records
  }
  await writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`)
} finally {
  await relay?.close()
  await fx?.close()
  await rm(work, { recursive: true, force: true })
}

// ── Helpers ──────────────────────────────────────────────────────────────────────────────────────────

/** `gh --version`'s first line, or undefined when there is no working gh on PATH. */
async function installedGh(): Promise<string | undefined> {
  try {
    const { stdout } = await run$('gh', ['--version'], {
      env: { ...process.env, GH_NO_UPDATE_NOTIFIER: '1' }
    })
    return stdout.split('\n')[0]?.trim()
  } catch {
    return undefined
  }
}

/** Runs a process as harness/run-action.ts runs the bundle, timed the same way: spawn to close. */
async function timedSpawn(
  command: string,
  argv: string[],
  env: Record<string, string>,
  cwd: string
): Promise<Measured> {
  const run = await spawnCollected(command, argv, { env, cwd })
  return { wallMs: run.durationMs, exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2
}

function range(values: number[]): { min: number; max: number } {
  return { min: Math.min(...values), max: Math.max(...values) }
}

/** `/repos/octo/widgets/actions/secrets/NAME` → `NAME`, for the request-order lines. */
function shortPath(path: string): string {
  return path.replace(/^\/repos\/[^/]+\/[^/]+\/actions\/secrets\//, '')
}

function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)))
  const line = (row: string[]) =>
    row
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  │  ')
      .trimEnd()
  const rule = widths.map((w) => '─'.repeat(w)).join('──┼──')
  return [line(rows[0] ?? []), rule, ...rows.slice(1).map(line)].join('\n')
}
