/**
 * A cancelled run, end to end: the bundle as a child process, cancelled the way the runner cancels a step
 * (SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after that), at many moments across one run, against the real
 * OAuth server and the GitHub stand-in. Whatever the moment, the refresh token is never both spent and lost:
 * either the original is unspent and still stored, or a new one is stored and live. Before the grant the run
 * stops (`cancelled`, exit 1) and gives back its lock; once the grant is out it finishes.
 */
import type { ChildProcess } from 'node:child_process'
import { leakedValues, PAT, type Fixture } from '../../harness/fixture.js'
import { runnerCancel, type ActionRun } from '../../harness/run-action.js'
import { RUNTIMES } from '../../harness/runtimes.js'
import { withFixture } from '../support/fixture-per-test.js'

/** GitHub and the OAuth server answer after these delays, so one run lasts a few hundred milliseconds. */
const GITHUB_LATENCY_MS = 40
const OAUTH_LATENCY_MS = 60
const SERVERS = { github: { latencyMs: GITHUB_LATENCY_MS }, oauth: { latencyMs: OAUTH_LATENCY_MS } }
const LOCK = 'WIZARD_ROTATION_LOCK'

/** What a cancelled run did, read off its log: where the SIGINT found it. */
type Moment =
  | 'before the action started' // killed by the signal before its handlers were installed
  | 'before the grant' // stopped without presenting the token
  | 'after the grant was sent' // finished the refresh-token write first
  | 'after the refresh token was stored' // finished the last writes
  | 'as the process exited' // the run was done and Node exiting: the signal ended it, or went unhandled
  | 'after the run ended' // the signal was never sent

function momentOf(result: ActionRun): Moment {
  if (result.signalsSent.length === 0) return 'after the run ended'
  if (result.signal === 'SIGINT' && result.outputs.status === undefined) return 'before the action started'
  if (result.stdout.includes('SIGINT received before the grant was sent')) return 'before the grant'
  if (result.stdout.includes('SIGINT received after the grant was sent')) return 'after the grant was sent'
  if (result.stdout.includes('SIGINT received: the new refresh token is stored')) {
    return 'after the refresh token was stored'
  }
  // The run was done and Node was exiting: the signal ended the process, or was never handled at all.
  return 'as the process exited'
}

/**
 * Every rule a cancelled run must keep, as a list of the ones it broke (empty when it kept them all), so a
 * sweep reports every moment that went wrong at once.
 */
async function brokenRules(fx: Fixture, result: ActionRun, original: string): Promise<string[]> {
  const broken: string[] = []
  const rule = (kept: boolean, text: string) => void (kept || broken.push(text))
  const stored = fx.github.secrets(fx.repo)
  const storedToken = stored.WIZARD_REFRESH_TOKEN ?? ''
  const live = await fx.oauth.isRefreshTokenLive(storedToken)
  const grants = fx.oauth.tokenRequests
  const moment = momentOf(result)

  // The one invariant: never both spent and lost.
  rule(live, 'the stored refresh token is not live (spent and lost, or revoked)')
  rule(grants <= 1, `the grant was sent ${grants} times`)
  rule(
    grants === 0 ? storedToken === original : storedToken !== original,
    grants === 0
      ? 'no grant, yet the stored refresh token changed'
      : 'a grant, yet the new token was not stored'
  )
  rule(
    leakedValues(result, [original, PAT, storedToken, stored.WIZARD_OAUTH_TOKEN]).length === 0,
    'a token reached the log, the summary or an output'
  )
  rule(fx.github.variables(fx.repo.repository)[LOCK] === undefined, 'the lock was left held')

  // The exit code and the status say what happened.
  const status = `exit ${result.exitCode}${result.signal ? ` (${result.signal})` : ''}, status ${result.outputs.status}`
  switch (moment) {
    case 'before the action started':
      rule(fx.github.requests.length === 0 && grants === 0, 'requests went out before the handlers existed')
      break
    case 'before the grant':
      rule(grants === 0, 'the run said it stopped before the grant, yet sent it')
      rule(
        result.exitCode === 1 &&
          result.outputs.status === 'cancelled' &&
          result.outputs['error-kind'] === 'cancelled',
        `stopped before the grant with ${status}, not exit 1 and status cancelled`
      )
      rule(
        result.stdout.includes('::error::[cancelled] The run was cancelled before the grant was sent'),
        'no error annotation saying the run was cancelled before the grant'
      )
      break
    case 'as the process exited': {
      const lastAnswer = Math.max(...fx.github.requests.map((request) => request.endedAt))
      rule(
        (result.signalsSent[0]?.at ?? 0) >= lastAnswer,
        'a SIGINT during the run went unanswered (no handler?)'
      )
      rule(
        result.outputs.status === 'rotated' && grants === 1,
        `the signal came as the process exited, but the run had not rotated first (${status})`
      )
      break
    }
    default:
      rule(
        result.exitCode === 0 && result.outputs.status === 'rotated' && grants === 1,
        `${moment}, but ended with ${status} after ${grants} grants, not a rotation`
      )
  }
  return broken
}

describe.each(RUNTIMES)('a cancelled run, dist/index.js under %s', (_name, node) => {
  it('SIGINT at any moment, then SIGTERM and SIGKILL as the runner sends them: the refresh token is never spent and lost', async () => {
    // One run without a cancel first, to learn this machine's timings: when the first GitHub request, the
    // grant and the end come after the spawn.
    const timings = await withFixture(SERVERS, async (fx) => {
      const result = await fx.run({}, { node })
      expect(result.outputs.status).toBe('rotated')
      return {
        firstRequest: (fx.github.requests[0]?.startedAt ?? 0) - result.spawnedAt,
        grant: (fx.oauth.tokenRequestLog[0]?.startedAt ?? 0) - result.spawnedAt,
        end: result.durationMs
      }
    })
    // From the spawn to past the end: evenly across the run, and closer together around the grant.
    const from = Math.round(timings.firstRequest * 0.8)
    const to = Math.round(timings.end + 80)
    const moments = [
      0,
      ...Array.from({ length: 8 }, (_, i) => Math.round(from + ((to - from) * i) / 7)),
      ...[-15, 10, 35].map((offset) => Math.round(timings.grant + offset))
    ].sort((a, b) => a - b)

    const outcomes: { at: number; moment: Moment; broken: string[] }[] = []
    for (const at of moments) {
      await withFixture(SERVERS, async (fx) => {
        const original = fx.initialRefreshToken
        const result = await fx.run({}, { node, signals: runnerCancel(at) })
        const broken = await brokenRules(fx, result, original)
        // The next scheduled run is not blocked by this one and rotates with what this one left stored.
        if (broken.length === 0) {
          const next = await fx.run({}, { node })
          if (next.outputs.status !== 'rotated') {
            broken.push(`the next run ended ${next.outputs.status}: ${next.outputs['error-kind']}`)
          } else if (
            !(await fx.oauth.isRefreshTokenLive(fx.github.secrets(fx.repo).WIZARD_REFRESH_TOKEN ?? ''))
          ) {
            broken.push('the next run did not leave a live refresh token')
          }
        }
        outcomes.push({ at, moment: momentOf(result), broken })
      })
    }
    const report = outcomes.map(
      ({ at, moment, broken }) => `${at} ms, ${moment}: ${broken.join('; ') || 'ok'}`
    )
    expect(report).toEqual(outcomes.map(({ at, moment }) => `${at} ms, ${moment}: ok`))
    // The sweep reached both sides of the grant.
    const seen = new Set(outcomes.map((outcome) => outcome.moment))
    expect(seen).toContain('before the grant')
    expect(seen).toContain('after the grant was sent')
  }, 60_000)

  it('SIGINT as the grant is sent and SIGTERM while the refresh-token write waits out a 503 burst: it lands before the SIGKILL', async () => {
    await withFixture({}, async (fx) => {
      let child: ChildProcess | undefined
      const sent: string[] = []
      // The runner's gaps, shortened: SIGTERM 300 ms after SIGINT, SIGKILL 5 s after that (the write lands first).
      fx.oauth.onTokenRequest(() => {
        const signal = (name: NodeJS.Signals) => {
          if (child && child.exitCode === null && child.kill(name)) sent.push(name)
        }
        signal('SIGINT')
        setTimeout(() => signal('SIGTERM'), 300)
        setTimeout(() => signal('SIGKILL'), 5300).unref()
      })
      fx.github.injectFault(
        { method: 'PUT', path: /\/secrets\/WIZARD_REFRESH_TOKEN$/ },
        { kind: 'status', status: 503 },
        6
      )
      const result = await fx.run({ 'max-attempts': '1' }, { node, onSpawn: (spawned) => (child = spawned) })
      expect(sent).toEqual(['SIGINT', 'SIGTERM'])
      expect(result.exitCode).toBe(0)
      expect(result.outputs.status).toBe('rotated')
      expect(result.stdout).toContain(
        '::warning::SIGINT received after the grant was sent: finishing the one write that cannot be redone'
      )
      expect(result.stdout).toContain('::warning::SIGTERM received after the grant was sent')
      const stored = fx.github.secrets(fx.repo)
      expect(stored.WIZARD_REFRESH_TOKEN).not.toBe(fx.initialRefreshToken)
      expect(await fx.oauth.isRefreshTokenLive(stored.WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
      expect(fx.oauth.tokenRequests).toBe(1)
      expect(fx.github.variables(fx.repo.repository)[LOCK]).toBeUndefined()
      expect(
        leakedValues(result, [
          fx.initialRefreshToken,
          PAT,
          stored.WIZARD_REFRESH_TOKEN,
          stored.WIZARD_OAUTH_TOKEN
        ])
      ).toEqual([])
    })
  })
})
