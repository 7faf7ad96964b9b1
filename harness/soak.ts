/**
 * A year (or a month) of the shipped schedule, in-process on the virtual clock: the real OAuth server
 * (oidc-provider, rotation and reuse detection on) and the GitHub stand-in, with seeded random faults at
 * realistic rates, a person who answers the alert issue, and the invariants checked after every run. The
 * OAuth server's clock is the virtual clock (its `Date` is faked), so token lifetimes are real lifetimes:
 * an access token issued at a run dies an hour later in virtual time, and a refresh token 720 hours later.
 *
 * Faults are keyed by the run and the request they hit (its method, path and how many such requests the run
 * made before), not by arrival order, so a seed replays the same year.
 */
import { fingerprint } from '../src/lease/fingerprint.js'
import type { Outcome } from '../src/outcome.js'
import type { GitHubFault } from './github-server.js'
import { CONCURRENT_REFRESH, type OAuthFault } from './oauth-server.js'
import { PAT } from './fixture.js'
import { startWorld, type World, type WorldRun } from './world.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/**
 * The rates of the seeded events. Per request (GitHub): 5xx bursts, secondary rate limits with a
 * Retry-After of minutes, reads served stale. At the token server, per grant: an answer lost after the
 * server rotated (no client can survive it without a grace period), a grant queued past the answer window,
 * Hydra's concurrent-refresh answer. Per scheduled run: dropped or delayed by GitHub, cancelled at a random
 * request, killed at one, a re-run of an older run holding its old secrets, a manual dispatch racing it.
 */
export const RATES = {
  github5xxBurst: 0.02,
  githubRateLimit: 0.01,
  staleRead: 0.05,
  answerLostAfterRotation: 0.003,
  queuedPastWindow: 0.002,
  concurrentAnswer: 0.001,
  dropped: 0.03,
  cancelled: 0.01,
  killed: 0.002,
  rerun: 0.005,
  race: 0.01
}
export type Rates = typeof RATES

/** Claim variables the repository may hold at once before the soak calls it a leak (GitHub allows 500 variables). */
const CLAIMS_BOUND = 150

/** The schedules played: the shipped hourly cron, and the cadence the README recommends to survive a dropped run. */
export const CADENCES = {
  hourly: { label: 'hourly at :23', minutes: [23], inputs: {} as Record<string, string> },
  recommended: {
    label: 'every 10 minutes, skip-if-valid-for 45m',
    minutes: [3, 13, 23, 33, 43, 53],
    inputs: { 'skip-if-valid-for': '45m' } as Record<string, string>
  }
}
export type CadenceName = keyof typeof CADENCES

export interface SoakOptions {
  days: number
  seed: number
  cadence: CadenceName
  /** A personal access token expires once a year (warned 14 days ahead); an App token never does. */
  writer: 'pat' | 'app'
  rates?: Partial<Rates>
  /** Told of each notable event, for a person watching the soak. */
  trace?: (line: string) => void
}

export interface SoakReport {
  seed: number
  days: number
  cadence: string
  writer: 'pat' | 'app'
  runs: number
  events: Record<string, number>
  chainDeaths: { at: string; cause: string; survivable: boolean; alertedByTheRunThatMetIt: boolean }[]
  personNeeded: { at: string; cause: string; alertedAfterMinutes: number | undefined }[]
  downtime: {
    totalMinutes: number
    longestMinutes: number
    fromSurvivableMinutes: number
    /** The survivable minutes by what kept the chain from rotating (see `holdOf`). */
    survivableByCause: Record<string, number>
  }
  grantsPerToken: { once: number; twice: number; more: number }
  requestsPerRun: { median: number; max: number }
  /** What the guard keeps on the repository, at most: claim variables, and the spent record's bytes. */
  state: { claims: number; recordBytes: number }
  violations: string[]
  wallSeconds: number
}

/** mulberry32: a small seeded generator, the same sequence for the same seed. */
function generator(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A number from the seed and a key: the same fault for the same request of the same run, whatever the order. */
function keyed(seed: number, key: string): () => number {
  let hash = seed >>> 0
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193) >>> 0
  return generator(hash)
}

/** How late GitHub starts a scheduled run: mostly within minutes, sometimes a quarter hour, rarely half an hour. */
function delayOf(random: () => number): number {
  const r = random()
  if (r < 0.7) return Math.floor(random() * 3 * MINUTE)
  if (r < 0.95) return Math.floor((3 + random() * 9) * MINUTE)
  return Math.floor((12 + random() * 18) * MINUTE)
}

export async function soak(options: SoakOptions): Promise<SoakReport> {
  const started = performance.now()
  const rates = { ...RATES, ...options.rates }
  const cadence = CADENCES[options.cadence]
  const random = generator(options.seed)
  const trace = options.trace ?? (() => undefined)
  const events: Record<string, number> = {}
  const count = (event: string) => void (events[event] = (events[event] ?? 0) + 1)
  /** The faults grants met, in order: what a chain death is blamed on (the last since the chain was last healthy). */
  const grantFaults: { at: number; name: string }[] = []

  // Seeded faults, keyed by run and request.
  const occurrences = new Map<string, number>()
  const occurrence = (key: string) => {
    const n = (occurrences.get(key) ?? 0) + 1
    occurrences.set(key, n)
    return n
  }
  // A burst's remaining 5xx answers, per run (runs that overlap do not share one).
  const burstLeft = new Map<string, number>()
  const githubChaos = ({
    method,
    path,
    run
  }: {
    method: string
    path: string
    run: string | undefined
  }): GitHubFault | undefined => {
    if (!run) return undefined
    // Claim names carry a fingerprint of a token the OAuth server minted at random: the key leaves it out,
    // so the same seed meets the same faults.
    const key = `${run} ${method} ${path.replace(/CLAIM_[0-9A-F]{16}/, 'CLAIM_*')}`
    const r = keyed(options.seed, `${key} ${occurrence(key)}`)
    const left = burstLeft.get(run) ?? 0
    if (left > 0) {
      burstLeft.set(run, left - 1)
      return { kind: 'status', status: 502 }
    }
    const roll = r()
    if (roll < rates.github5xxBurst) {
      count('GitHub 5xx burst')
      burstLeft.set(run, Math.floor(r() * 4))
      return { kind: 'status', status: 503 }
    }
    if (roll < rates.github5xxBurst + rates.githubRateLimit) {
      count('GitHub secondary rate limit')
      return {
        kind: 'status',
        status: 403,
        body: {
          message: 'You have exceeded a secondary rate limit.',
          documentation_url: 'https://docs.github.com'
        },
        headers: { 'retry-after': String(60 + Math.floor(r() * 240)) }
      }
    }
    if (roll < rates.github5xxBurst + rates.githubRateLimit + rates.staleRead && method === 'GET') {
      count('stale read')
      return { kind: 'stale', ms: (5 + r() * 115) * 1000 }
    }
    return undefined
  }
  const oauthChaos = (run: string | undefined): OAuthFault | undefined => {
    if (!run) return undefined
    const r = keyed(options.seed, `${run} grant ${occurrence(`${run} grant`)}`)
    const roll = r()
    let fault: OAuthFault | undefined
    let name: string | undefined
    if (roll < rates.answerLostAfterRotation) {
      name = 'grant answer lost after the server rotated'
      fault = r() < 0.5 ? { kind: 'drop-response' } : { kind: 'rotate-then', then: 'status', status: 502 }
    } else if (roll < rates.answerLostAfterRotation + rates.queuedPastWindow) {
      name = 'grant queued past the answer window'
      fault = { kind: 'queue', delayMs: (2 + r() * 6) * MINUTE }
    } else if (roll < rates.answerLostAfterRotation + rates.queuedPastWindow + rates.concurrentAnswer) {
      name = "Hydra's concurrent-refresh answer"
      fault = { kind: 'status', status: 400, body: CONCURRENT_REFRESH.hint }
    }
    if (name) {
      count(name)
      grantFaults.push({ at: clock.ms, name })
      trace(`run ${run}: ${name}`)
    }
    return fault
  }

  const start = new Date(Date.UTC(2027, 0, 1, 0, 0, 0))
  const world: World = await startWorld({
    start: new Date(start.getTime() - 2 * HOUR),
    transport: 'memory',
    github: { contract: false, chaos: githubChaos },
    oauth: { chaos: oauthChaos }
  })
  const { fx, clock } = world
  const repository = fx.repo.repository
  const writerExpiresAt =
    options.writer === 'pat' ? start.getTime() + (150 + random() * 180) * DAY : undefined
  if (writerExpiresAt) fx.github.addToken(PAT, { expiresAt: new Date(writerExpiresAt) })
  let renewal: number | undefined

  const violations: string[] = []
  const chainDeaths: SoakReport['chainDeaths'] = []
  const personNeeded: SoakReport['personNeeded'] = []
  const requestCounts: number[] = []
  /** Each token's presentations, and how the run that made each ended. */
  const presentations = new Map<string, { run: string; ambiguous: boolean }[]>()
  let presentedSeen = 0
  const tokenHistory: string[] = [fx.storedRefreshToken()]
  let alive = true
  let lastHealthy = clock.ms
  let personAt: number | undefined
  let personCause = ''
  let runs = 0

  const state = { claims: 0, recordBytes: 0 }
  // Downtime: the stored access token, and until when it works.
  const downtime = { total: 0, longest: 0, stretch: 0, fromSurvivable: 0 }
  const survivableByCause: Record<string, number> = {}
  /** The runs since the last rotation: what a stretch of survivable downtime is blamed on. */
  let sinceRotation: WorldRun[] = []
  let lastCheck = clock.ms
  let accessUntil = 0
  let downtimeSurvivable = true
  let accounting = false
  const account = async (now: number) => {
    // Downtime counts from the first rotation: before it, no access token was ever stored.
    if (!accounting) {
      lastCheck = now
      if (!world.stored().WIZARD_OAUTH_TOKEN) return
      accounting = true
    }
    const from = Math.max(lastCheck, accessUntil)
    if (now > from) {
      const gap = now - from
      const cause = downtimeSurvivable ? holdOf(sinceRotation) : undefined
      trace(
        `${new Date(now).toISOString()}: the stored access token was dead for ${Math.round(gap / 60000)} min${cause ? ` (survivable: ${cause})` : ''}`
      )
      downtime.total += gap
      downtime.stretch += gap
      if (cause) {
        downtime.fromSurvivable += gap
        survivableByCause[cause] = (survivableByCause[cause] ?? 0) + gap
      }
      downtime.longest = Math.max(downtime.longest, downtime.stretch)
    }
    lastCheck = now
    const access = world.stored().WIZARD_OAUTH_TOKEN
    const left =
      access && (await fx.oauth.isAccessTokenLive(access))
        ? await fx.oauth.accessTokenExpiresIn(access)
        : undefined
    accessUntil = left === undefined ? 0 : now + left * 1000
    if (accessUntil > now) downtime.stretch = 0
  }

  const ambiguous = (run: WorldRun) =>
    run.killed ||
    run.outcome.phase === 'grant-out' ||
    run.outcome.errorKind === 'unknown' ||
    run.outcome.errorKind === 'concurrent'

  async function play(
    kind: string,
    inputs: Record<string, string>,
    extra: { cancelAt?: number; killAt?: number } = {}
  ): Promise<WorldRun & { id: string }> {
    runs++
    const id = `${runs}`
    const run = await world.run({
      id,
      inputs: { ...cadence.inputs, 'alert-issue': 'true', ...inputs },
      random: keyed(options.seed, `jitter ${id}`),
      killAtRequest: extra.killAt,
      onRequest: (n, cancellation) => {
        if (n !== extra.cancelAt) return
        cancellation.request('SIGINT')
        clock.at(clock.ms + 7500, () => cancellation.request('SIGTERM'))
      },
      context: { runLabel: `${kind} run ${id}` }
    })
    requestCounts.push(run.requests)
    return { ...run, id }
  }

  /** What must hold after every run: one presentation per token, honest health, the alert issue open when needed. */
  async function check(
    played: { run: WorldRun & { id: string }; token: string; scheduled: boolean }[]
  ): Promise<void> {
    const now = clock.ms
    const when = new Date(now).toISOString()
    for (const token of fx.oauth.presented.slice(presentedSeen)) {
      const byRun = played.find((entry) => entry.token === token)
      const earlier = presentations.get(token) ?? []
      if (earlier.length === 1 && !earlier[0]?.ambiguous)
        violations.push(
          `${when}: a token presented again after its first presentation had a readable outcome`
        )
      if (earlier.length >= 2) violations.push(`${when}: a token presented a third time`)
      earlier.push({ run: byRun?.run.id ?? '?', ambiguous: byRun ? ambiguous(byRun.run) : true })
      presentations.set(token, earlier)
    }
    presentedSeen = fx.oauth.presented.length
    const stored = fx.storedRefreshToken()
    if (tokenHistory.at(-1) !== stored) tokenHistory.push(stored)
    for (const { run } of played) {
      if (run.killed) continue
      if (run.outputs.healthy === 'true') {
        const access = world.stored().WIZARD_OAUTH_TOKEN
        if (!access || !(await fx.oauth.isAccessTokenLive(access)))
          violations.push(
            `${when}: healthy=true over an access token that does not work (${run.outcome.status})`
          )
      }
    }
    const live = await fx.oauth.isRefreshTokenLive(stored)
    if (live && played.some(({ run }) => run.outcome.status === 'rotated')) {
      lastHealthy = now
      sinceRotation = []
    } else sinceRotation.push(...played.map(({ run }) => run))
    for (const need of personNeeded)
      if (need.alertedAfterMinutes === undefined && issueOpen())
        need.alertedAfterMinutes = Math.round((now - Date.parse(need.at)) / MINUTE)
    if (alive && !live) {
      alive = false
      const fault = grantFaults.filter((entry) => entry.at >= lastHealthy).at(-1)
      const cause = fault?.name ?? describeDeath(played)
      // No client survives a grant the server processed and whose answer never arrived (lost, or queued past
      // the answer window and processed later), nor a kill between the answer and the store, without a
      // rotation grace period at the server.
      const survivable =
        !/answer lost|queued past the answer window|killed between the grant and the store/.test(cause)
      downtimeSurvivable = survivable
      const met = played.find(({ run }) => !run.killed)
      const alerted = issueOpen()
      chainDeaths.push({ at: when, cause, survivable, alertedByTheRunThatMetIt: alerted })
      trace(`${when}: chain death: ${cause}${alerted ? ', alerted' : ''}`)
      if (!alerted && met && !met.run.killed) {
        violations.push(`${when}: the chain died (${cause}) and the run that met it opened no alert`)
        for (const line of met.run.lines)
          if (!line.startsWith('debug:')) trace(`  run ${met.run.id}: ${line}`)
      }
      needPerson(now, `chain death: ${cause}`)
    }
    if (!live && played.some(({ run, scheduled }) => scheduled && !run.killed && !run.failed))
      violations.push(`${when}: a scheduled run ended green over a dead refresh token`)
    // What the guard leaves on the repository stays bounded: claims far below GitHub's 500 variables, the
    // record inside its 48 KB.
    const variables = world.variables()
    const claims = Object.keys(variables).filter((name) => name.startsWith('WIZARD_CLAIM_')).length
    const recordBytes = Buffer.byteLength(variables.WIZARD_REFRESH_TOKEN_SPENT ?? '')
    if (claims > CLAIMS_BOUND && state.claims <= CLAIMS_BOUND)
      violations.push(`${when}: ${claims} claim variables are left on the repository`)
    state.claims = Math.max(state.claims, claims)
    state.recordBytes = Math.max(state.recordBytes, recordBytes)
    // What consumers read: the expiry variable never gives the stored access token more time than it has,
    // and none at all once it is revoked or was never stored.
    const expiresAt = Date.parse(variables.WIZARD_EXPIRES_AT ?? '')
    if (expiresAt > now) {
      const access = world.stored().WIZARD_OAUTH_TOKEN
      const left =
        access && (await fx.oauth.isAccessTokenLive(access))
          ? await fx.oauth.accessTokenExpiresIn(access)
          : undefined
      if (left === undefined || expiresAt > now + left * 1000 + 1000)
        violations.push(
          `${when}: the expiry consumers read says ${new Date(expiresAt).toISOString()}, ahead of the stored ` +
            `access token (${left === undefined ? 'dead' : `${left} s left`})`
        )
    }
    const failed = played.find(
      ({ run, scheduled }) => scheduled && run.outcome.status === 'failed' && needsPerson(run.outcome)
    )
    if (failed)
      needPerson(now, `${failed.run.outcome.errorKind}: ${(failed.run.outcome.message ?? '').slice(0, 80)}`)
  }

  function describeDeath(played: { run: WorldRun }[]): string {
    if (played.some(({ run }) => run.killed)) return 'killed between the grant and the store'
    return `unexplained (${played.map(({ run }) => `${run.outcome.status}/${run.outcome.errorKind ?? ''}`).join(', ')})`
  }

  const issueOpen = () => fx.github.issues(repository).some((issue) => issue.state === 'open')
  const needsPerson = (outcome: Outcome) =>
    outcome.errorKind !== undefined &&
    !['transient', 'store', 'cancelled', 'unknown', 'concurrent'].includes(outcome.errorKind)

  function needPerson(now: number, cause: string): void {
    if (personAt !== undefined) return
    const alertedAfter = issueOpen() ? 0 : undefined
    personNeeded.push({ at: new Date(now).toISOString(), cause, alertedAfterMinutes: alertedAfter })
    // A person answers within a working day.
    personAt = now + (1 + random() * 11) * HOUR
    personCause = cause
  }

  /**
   * The person, doing what the alert issue says: renews an expired writer token; deletes the claim a red of
   * the guard names (they stored the token by hand); or signs in again and seeds a fresh token (after a
   * chain death). They act at their own time, not a run's.
   */
  async function personActs(): Promise<void> {
    if (personAt === undefined || clock.ms < personAt) return
    personAt = undefined
    if (writerExpiresAt && clock.ms >= writerExpiresAt && renewal !== undefined) {
      renewal = clock.ms
      return
    }
    const stored = fx.storedRefreshToken()
    if (alive && (await fx.oauth.isRefreshTokenLive(stored))) {
      if (/^guard/.test(personCause)) {
        for (const name of Object.keys(world.variables()))
          if (name.startsWith(`WIZARD_CLAIM_${fingerprint(stored)}`))
            fx.github.deleteVariable(repository, name)
        trace(`${new Date(clock.ms).toISOString()}: a person deleted the claim the red named`)
      }
      return
    }
    const fresh = await fx.oauth.mintRefreshToken()
    fx.github.setSecret(fx.repo, 'WIZARD_REFRESH_TOKEN', fresh)
    const wasDead = !alive
    alive = true
    tokenHistory.push(fresh)
    trace(`${new Date(clock.ms).toISOString()}: a person seeded a new token (${personCause})`)
    // Then, as the red's instructions say, runs the workflow once: the minutes until it has stored an access
    // token still belong to the death, not to a survivable event. GitHub starts a dispatched job a minute or
    // so after the command (its secrets are read then): never within the second the secret was written,
    // which the guard could not tell from a silent holder's own store (a `same-second` red).
    await clock.advance(MINUTE + Math.floor(random() * 2 * MINUTE))
    const dispatched = await play('dispatch', { 'refresh-token': fresh })
    trace(
      `${new Date(clock.ms).toISOString()} run ${dispatched.id}: ${dispatched.outcome.status} (the person's)`
    )
    await check([{ run: dispatched, token: fresh, scheduled: false }])
    await account(clock.ms)
    // Unless the person's own run met a death of its own: its minutes belong to that one.
    if (wasDead && alive) downtimeSurvivable = true
  }

  const end = start.getTime() + options.days * DAY
  for (let hour = start.getTime(); hour < end; hour += HOUR) {
    for (const minute of cadence.minutes) {
      const slot = hour + minute * MINUTE
      if (random() < rates.dropped) {
        count('scheduled run dropped')
        continue
      }
      const at = slot + delayOf(random)
      if (at <= clock.ms) continue // a run still queued behind a late one: the newer replaces it
      if (personAt !== undefined && personAt < at) {
        await clock.advance(personAt - clock.ms)
        await account(clock.ms)
        await personActs()
      }
      await clock.advance(at - clock.ms)
      await account(clock.ms)
      if (writerExpiresAt && renewal !== undefined && clock.ms >= renewal) {
        fx.github.addToken(PAT, { expiresAt: new Date(clock.ms + 365 * DAY) })
        renewal = undefined
        count('writer token renewed')
      }
      const token = fx.storedRefreshToken()
      const group: { run: Promise<WorldRun & { id: string }>; token: string; scheduled: boolean }[] = []
      const roll = random()
      const cancelAt = roll < rates.cancelled ? 1 + Math.floor(random() * 12) : undefined
      const killAt =
        roll >= rates.cancelled && roll < rates.cancelled + rates.killed
          ? 1 + Math.floor(random() * 12)
          : undefined
      if (cancelAt) count('cancelled by the runner')
      if (killAt) count('killed')
      group.push({
        run: play('scheduled', { 'refresh-token': token }, { cancelAt, killAt }),
        token,
        scheduled: true
      })
      if (random() < rates.race) {
        count('manual dispatch racing the schedule')
        group.push({ run: play('dispatch', { 'refresh-token': token }), token, scheduled: false })
      }
      if (random() < rates.rerun && tokenHistory.length > 2) {
        count('re-run holding old secrets')
        const old = tokenHistory[Math.max(0, tokenHistory.length - 2 - Math.floor(random() * 48))] ?? token
        group.push({ run: play('re-run', { 'refresh-token': old }), token: old, scheduled: false })
      }
      const played = await Promise.all(group.map(async (entry) => ({ ...entry, run: await entry.run })))
      for (const { run } of played)
        trace(
          `${new Date(clock.ms).toISOString()} run ${run.id}: ${run.outcome.status}${run.outcome.errorKind ? ` (${run.outcome.errorKind})` : ''}${run.killed ? ' killed' : ''}`
        )
      await check(played)
      await account(clock.ms)
      const warned = played.some(({ run }) => /The writer token \(the secret/.test(run.log))
      if (writerExpiresAt && warned && renewal === undefined && clock.ms < writerExpiresAt + DAY) {
        renewal = clock.ms + random() * 10 * DAY
        count('writer token expiry warned')
      }
    }
  }
  await account(end)
  await world.close()

  const perToken = [...presentations.values()].map((list) => list.length)
  const sorted = [...requestCounts].sort((a, b) => a - b)
  return {
    seed: options.seed,
    days: options.days,
    cadence: cadence.label,
    writer: options.writer,
    runs,
    events,
    chainDeaths,
    personNeeded,
    downtime: {
      totalMinutes: Math.round(downtime.total / MINUTE),
      longestMinutes: Math.round(downtime.longest / MINUTE),
      fromSurvivableMinutes: Math.round(downtime.fromSurvivable / MINUTE),
      survivableByCause: Object.fromEntries(
        Object.entries(survivableByCause).map(([cause, ms]) => [cause, Math.round(ms / MINUTE)])
      )
    },
    grantsPerToken: {
      once: perToken.filter((n) => n === 1).length,
      twice: perToken.filter((n) => n === 2).length,
      more: perToken.filter((n) => n > 2).length
    },
    requestsPerRun: { median: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted.at(-1) ?? 0 },
    state,
    violations,
    wallSeconds: Math.round((performance.now() - started) / 100) / 10
  }
}

/**
 * What kept a healthy chain from rotating while its access token was dead, from the runs since the last
 * rotation: a killed run's claim (held for the run's whole budget, since a holder that received the successor
 * may still be storing it), an unknown outcome's hold, runs that failed (GitHub trouble, a cancel), or no run
 * that could rotate at all (GitHub dropped or delayed the schedule, or every run skipped).
 */
function holdOf(runs: WorldRun[]): string {
  if (runs.some((run) => run.killed)) return "a killed run's claim"
  if (runs.some((run) => ['unknown', 'concurrent'].includes(run.outcome.errorKind ?? '')))
    return 'an unknown outcome held'
  if (runs.some((run) => run.outcome.status === 'failed' || run.outcome.status === 'cancelled'))
    return 'failed or cancelled runs'
  return 'no run (the schedule dropped or delayed)'
}

/** Counts by cause, most frequent first: "answer lost 26, queued 17". */
function tally<T>(items: T[], key: (item: T) => string): string {
  const counts = new Map<string, number>()
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1)
  return mostFirst([...counts])
}

/** "name 26, name 17": amounts by name, the largest first, each with its unit. */
function mostFirst(amounts: [string, number][], unit = ''): string {
  return [...amounts]
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${n}${unit}`)
    .join(', ')
}

/** "3 min", or "0–42 min" when they differ. */
function span(minutes: number[]): string {
  if (!minutes.length) return '-'
  const [low, high] = [Math.min(...minutes), Math.max(...minutes)]
  return low === high ? `${low} min` : `${low}–${high} min`
}

/** " (a killed run's claim 30 min, …)": the survivable minutes by cause, most first. */
function survivableCauses(report: SoakReport): string {
  const causes = Object.entries(report.downtime.survivableByCause).filter(([, minutes]) => minutes > 0)
  return causes.length ? ` (${mostFirst(causes, ' min')})` : ''
}

/** The report as one table with the seed, then each chain death and person-needed event on its own line. */
export function formatReport(report: SoakReport): string {
  const deaths = report.chainDeaths
  const needs = report.personNeeded
  const alertDelays = needs.flatMap((need) =>
    need.alertedAfterMinutes === undefined ? [] : [need.alertedAfterMinutes]
  )
  const neverAlerted = needs.length - alertDelays.length
  const lines = [
    `soak: ${report.days} days, seed ${report.seed}, ${report.cadence}, writer ${report.writer === 'pat' ? 'personal access token' : 'GitHub App token'}`,
    `| measure | value |`,
    `| --- | --- |`,
    `| runs | ${report.runs} |`,
    `| chain deaths | ${deaths.length}${deaths.length ? ` (${tally(deaths, (d) => `${d.cause}${d.survivable ? ' (survivable!)' : ''}`)}); ${deaths.filter((d) => d.alertedByTheRunThatMetIt).length} alerted by the run that met it` : ''} |`,
    `| person needed | ${needs.length}${needs.length ? ` (${tally(needs, (n) => n.cause.replace(/:.*$/, ''))}); alerted after ${span(alertDelays)}${neverAlerted ? `, ${neverAlerted} never alerted!` : ''}` : ''} |`,
    `| consumer downtime | ${report.downtime.totalMinutes} min in all, ${report.downtime.longestMinutes} min at most in one stretch, ${report.downtime.fromSurvivableMinutes} min from survivable events${survivableCauses(report)} |`,
    `| grants per token | ${report.grantsPerToken.once} once, ${report.grantsPerToken.twice} twice (after an unknown outcome), ${report.grantsPerToken.more} more |`,
    `| requests per run | median ${report.requestsPerRun.median}, max ${report.requestsPerRun.max} |`,
    `| state kept | ${report.state.claims} claim variables at most, spent record ${(report.state.recordBytes / 1024).toFixed(1)} KB at most |`,
    `| events | ${Object.entries(report.events)
      .map(([name, n]) => `${name} ${n}`)
      .join(', ')} |`,
    `| invariant violations | ${report.violations.length} |`,
    `| wall time | ${report.wallSeconds} s |`,
    '',
    ...deaths.map(
      (d) =>
        `- chain death ${d.at}: ${d.cause}${d.survivable ? ' (survivable!)' : ''}${d.alertedByTheRunThatMetIt ? ', alerted by the run that met it' : ''}`
    ),
    ...needs.map(
      (n) =>
        `- person needed ${n.at}: ${n.cause}, ${n.alertedAfterMinutes === undefined ? 'never alerted!' : `alerted after ${n.alertedAfterMinutes} min`}`
    ),
    ...report.violations.map((v) => `- violation ${v}`)
  ]
  return lines.join('\n')
}
