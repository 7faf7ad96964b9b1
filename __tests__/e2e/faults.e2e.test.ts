/**
 * The fault matrix: the committed bundle against the real OAuth server and the GitHub stand-in, with
 * faults injected at both. Every scenario states what is left behind: which secrets changed, whether the
 * stored refresh token is live at the OAuth server, how many grants reached it, the exit code,
 * status/error-kind, and that no token value reached the log, the summary or an output.
 */
import { leakedValues, PAT, startFixture } from '../../harness/fixture.js'
import type { OAuthFault } from '../../harness/oauth-server.js'
import type { GitHubFault } from '../../harness/github-server.js'
import { runnerCancel, type ActionRun } from '../../harness/run-action.js'
import { RUNTIMES } from '../../harness/runtimes.js'
import { useFixturePerTest } from '../support/fixture-per-test.js'

const oauthError = (status: number, error: string, description = 'refused'): OAuthFault => ({
  kind: 'status',
  status,
  body: { error, error_description: description }
})

describe.each(RUNTIMES)('faults, dist/index.js under %s', (_name, node) => {
  const { fx, run } = useFixturePerTest(node)
  const stored = () => fx().github.secrets(fx().repo)
  const storedRefreshIsLive = () => fx().oauth.isRefreshTokenLive(stored().WIZARD_REFRESH_TOKEN ?? '')
  const tokensSeen = (result: ActionRun) => [
    fx().initialRefreshToken,
    PAT,
    stored().WIZARD_REFRESH_TOKEN,
    stored().WIZARD_OAUTH_TOKEN,
    result.outputs['access-token']
  ]

  async function expectRotated(result: ActionRun) {
    expect(result.exitCode).toBe(0)
    expect(result.outputs.status).toBe('rotated')
    expect(stored().WIZARD_REFRESH_TOKEN).not.toBe(fx().initialRefreshToken)
    expect(await storedRefreshIsLive()).toBe(true)
    expect(stored().WIZARD_EXPIRES_AT).toBe(result.outputs['expires-at'])
    expect(leakedValues(result, tokensSeen(result))).toEqual([])
  }

  async function expectUntouched(result: ActionRun, kind: string) {
    expect(result.exitCode).toBe(1)
    expect(result.outputs['error-kind']).toBe(kind)
    const { WIZARD_WRITE_CHECK: _, ...rest } = stored()
    expect(rest).toEqual({ WIZARD_REFRESH_TOKEN: fx().initialRefreshToken })
    expect(await fx().oauth.isRefreshTokenLive(fx().initialRefreshToken)).toBe(true)
    expect(leakedValues(result, tokensSeen(result))).toEqual([])
  }

  describe('transient token-endpoint failures are retried, and a later success rotates', () => {
    it.each<[string, OAuthFault]>([
      ['a 500', oauthError(500, 'server_error')],
      ['a 503 temporarily_unavailable', oauthError(503, 'temporarily_unavailable')],
      ['a 502 with an HTML body', { kind: 'status', status: 502, body: '<html>Bad Gateway</html>' }]
    ])('%s', async (_case, fault) => {
      fx().oauth.injectFault(fault, 2)
      const result = await run()
      await expectRotated(result)
      expect(fx().oauth.tokenRequests).toBe(3)
      expect(fx().oauth.grantsReachedProvider).toBe(1)
      expect(result.stdout).toMatch(/::warning::Token request attempt 1 of 4 failed/)
    })

    it('a connection lost after the grant was sent: sent again only once its whole answer window has passed', async () => {
      fx().oauth.injectFault({ kind: 'reset' })
      const result = await run({ 'request-timeout': '1s' })
      await expectRotated(result)
      expect(fx().oauth.tokenRequests).toBe(2)
      expect(fx().oauth.grantsReachedProvider).toBe(1)
      // The server may still be processing a grant whose connection dropped: the re-send waits out the
      // whole answer window (10 × request-timeout), by when it has answered or given up.
      const [first = 0, second = 0] = fx().oauth.tokenRequestLog.map((request) => request.startedAt)
      expect(second - first).toBeGreaterThanOrEqual(9_500)
      expect(result.stdout).toMatch(/::warning::Token request attempt 1 of 4 failed/)
    })

    it('a 2xx whose body cannot be read: the server processed the grant, so it is never sent again', async () => {
      fx().oauth.injectFault({ kind: 'malformed' })
      const result = await run()
      expect(result.exitCode).toBe(1)
      expect(result.outputs['error-kind']).toBe('unknown')
      expect(fx().oauth.tokenRequests).toBe(1)
      expect(result.stdout).toContain(
        "The grant's outcome is unknown (the token endpoint answered 200 with a body that is not JSON"
      )
      expect(stored().WIZARD_REFRESH_TOKEN).toBe(fx().initialRefreshToken)
      expect(leakedValues(result, tokensSeen(result))).toEqual([])
    })

    // A grant that never answers is never sent again: no-lost-token.e2e.test.ts ("a grant that never answers").

    it('a 429, honouring Retry-After', async () => {
      fx().oauth.injectFault({
        kind: 'status',
        status: 429,
        headers: { 'retry-after': '1' },
        body: { error: 'rate_limited' }
      })
      const result = await run()
      await expectRotated(result)
      expect(result.durationMs).toBeGreaterThanOrEqual(1000)
      expect(result.stdout).toMatch(/retrying in 1\.\d s/)
    })
  })

  it('gives up after max-attempts, leaves the stored refresh token untouched and says the next run retries', async () => {
    fx().oauth.injectFault(oauthError(503, 'temporarily_unavailable'), 10)
    const result = await run({ 'max-attempts': '3' })
    await expectUntouched(result, 'transient')
    expect(fx().oauth.tokenRequests).toBe(3)
    expect(fx().oauth.grantsReachedProvider).toBe(0)
    expect(result.stdout).toContain('3 attempts made. Nothing was written')
    expect(result.stdout).toContain('the next scheduled run will retry')
  })

  it('a Retry-After longer than any backoff ends the retries at once', async () => {
    fx().oauth.injectFault({ kind: 'status', status: 429, headers: { 'retry-after': '3600' }, body: {} }, 10)
    const result = await run()
    await expectUntouched(result, 'transient')
    expect(fx().oauth.tokenRequests).toBe(1)
  })

  it('an answer lost after the server rotated: the retry is refused and the message says why', async () => {
    fx().oauth.injectFault({ kind: 'drop-response' })
    // A lost connection is followed by a re-send only once request-timeout has passed since the send.
    const result = await run({ 'request-timeout': '1s' })
    expect(result.durationMs).toBeGreaterThanOrEqual(1000)
    expect(result.exitCode).toBe(1)
    expect(result.outputs['error-kind']).toBe('terminal')
    expect(result.stdout).toContain('An earlier attempt may have reached the server and rotated the token')
    expect(result.stdout).toContain('gh secret set WIZARD_REFRESH_TOKEN --repo octo/widgets')
    // Spent by the lost attempt, then the family was revoked on reuse: Hydra's behaviour, mirrored.
    expect(await fx().oauth.isRefreshTokenLive(fx().initialRefreshToken)).toBe(false)
    expect(fx().oauth.grantsReachedProvider).toBe(2)
    expect(stored().WIZARD_REFRESH_TOKEN).toBe(fx().initialRefreshToken)
  })

  describe('terminal answers are never retried and say what fixes each', () => {
    const rerun = 'gh workflow run <the rotation workflow> --repo octo/widgets'
    const rebootstrap = 'gh secret set WIZARD_REFRESH_TOKEN --repo octo/widgets   # paste'
    it.each([
      ['unauthorized_client', 400, 'refused the client', 'check client-id and client-secret'],
      [
        'unsupported_grant_type',
        400,
        'does not answer like an OAuth token endpoint',
        'Check the zone and token-url'
      ],
      ['invalid_scope', 400, 'refused the scope', 'Set the scope input'],
      ['scope_not_granted', 403, 'refused the scope', 'Set the scope input'],
      ['invalid_grant', 400, 'no longer accepts this refresh token', rebootstrap]
    ])('%s', async (error, status, what, fix) => {
      fx().oauth.injectFault(oauthError(status, error, 'The refresh token was already used.'))
      const result = await run()
      expect(result.exitCode).toBe(1)
      expect(result.outputs['error-kind']).toBe('terminal')
      expect(fx().oauth.tokenRequests).toBe(1)
      expect(result.stdout).toContain(`${error}: The refresh token was already used.`)
      expect(result.stdout).toContain(what)
      expect(result.stdout).toContain(fix)
      expect(result.stdout).toContain(rerun)
      // Only a refused grant means the token is gone: the others are fixed by an input, not a new sign-in.
      if (error !== 'invalid_grant') expect(result.stdout).not.toContain(rebootstrap)
      expect(stored().WIZARD_REFRESH_TOKEN).toBe(fx().initialRefreshToken)
    })

    it('invalid_client from the real server, for a wrong client secret; the token itself is left unspent', async () => {
      const token = await fx().oauth.mintRefreshToken({ clientId: fx().oauth.confidentialClient.id })
      const result = await run({
        'refresh-token': token,
        'client-id': fx().oauth.confidentialClient.id,
        'client-secret': 'wrong-secret'
      })
      expect(result.exitCode).toBe(1)
      expect(result.outputs['error-kind']).toBe('terminal')
      expect(result.stdout).toContain('401 invalid_client')
      expect(fx().oauth.tokenRequests).toBe(1)
      expect(await fx().oauth.isRefreshTokenLive(token)).toBe(true)
    })
  })

  it("Hydra's concurrent-use refusal is reported as a concurrent run and never retried", async () => {
    fx().oauth.injectFault(
      oauthError(
        400,
        'invalid_request',
        'Failed to refresh token because of multiple concurrent requests using the same token.'
      )
    )
    const result = await run()
    expect(result.exitCode).toBe(1)
    expect(result.outputs['error-kind']).toBe('concurrent')
    expect(fx().oauth.tokenRequests).toBe(1)
    expect(result.stdout).toContain('That run owns the rotation')
  })

  describe('GitHub faults', () => {
    const put = (name: string) => ({ method: 'PUT', path: new RegExp(`/secrets/${name}$`) })

    it('a public-key read that fails twice is retried before anything is spent', async () => {
      fx().github.injectFault({ method: 'GET', path: /public-key$/ }, { kind: 'status', status: 503 }, 2)
      await expectRotated(await run())
    })

    it('a public-key read that keeps failing stops the run before the grant', async () => {
      fx().github.injectFault({ method: 'GET', path: /public-key$/ }, { kind: 'status', status: 502 }, 10)
      const result = await run()
      expect(result.exitCode).toBe(1)
      expect(result.outputs['error-kind']).toBe('transient')
      expect(fx().oauth.tokenRequests).toBe(0)
      expect(stored()).toEqual({ WIZARD_REFRESH_TOKEN: fx().initialRefreshToken })
    })

    it('a renamed repository (301) stops the run before the grant and says to update the input', async () => {
      fx().github.injectFault(
        { method: 'GET', path: /public-key$/ },
        {
          kind: 'status',
          status: 301,
          body: {
            message: 'Moved Permanently',
            url: 'https://api.github.com/repositories/1/actions/secrets/public-key'
          },
          headers: { location: 'https://api.github.com/repositories/1/actions/secrets/public-key' }
        }
      )
      const result = await run()
      expect(result.exitCode).toBe(1)
      expect(result.outputs['error-kind']).toBe('preflight')
      expect(result.stdout).toMatch(/GitHub answered 301: Moved Permanently.*renamed or transferred/)
      expect(fx().oauth.tokenRequests).toBe(0)
      expect(stored()).toEqual({ WIZARD_REFRESH_TOKEN: fx().initialRefreshToken })
    })

    it('a PAT without access to the repository (404) stops the run before the grant', async () => {
      fx().github.addToken('other-repo-pat', { repositories: ['octo/other'] })
      const result = await run({ 'github-token': 'other-repo-pat' })
      expect(result.exitCode).toBe(1)
      expect(result.outputs['error-kind']).toBe('preflight')
      expect(result.stdout).toContain('404')
      expect(fx().oauth.tokenRequests).toBe(0)
    })

    it.each<[string, GitHubFault]>([
      ['a 500', { kind: 'status', status: 500 }],
      ['a 429 with Retry-After', { kind: 'status', status: 429, headers: { 'retry-after': '1' } }],
      [
        'a secondary rate limit (403 + retry-after)',
        {
          kind: 'status',
          status: 403,
          headers: { 'retry-after': '1' },
          body: { message: 'You have exceeded a secondary rate limit' }
        }
      ],
      ['a reset connection', { kind: 'reset' }]
    ])('a refresh-token write that meets %s is retried and lands', async (_case, fault) => {
      fx().github.injectFault(put('WIZARD_REFRESH_TOKEN'), fault)
      await expectRotated(await run())
    })

    it('a write that never answers is cut off by request-timeout and retried', async () => {
      fx().github.injectFault(put('WIZARD_OAUTH_TOKEN'), { kind: 'hang' })
      await expectRotated(await run({ 'request-timeout': '1s' }))
    })

    it('a refresh-token write that always fails: loud failure, the token is lost, and the recovery step', async () => {
      fx().github.injectFault(put('WIZARD_REFRESH_TOKEN'), { kind: 'status', status: 500 }, 1000)
      // The write is patient (default 10m); this outage outlasts a short refresh-token-write-timeout.
      const result = await run({ 'refresh-token-write-timeout': '2s' })
      expect(result.exitCode).toBe(1)
      expect(result.outputs['error-kind']).toBe('store')
      // Tried again and again, far past the max-attempts (4) any other write gets, until the timeout.
      expect(result.stdout).toMatch(/::warning::Writing WIZARD_REFRESH_TOKEN: GitHub answered 500/)
      const attempts = fx().github.requests.filter(
        (r) => r.method === 'PUT' && /WIZARD_REFRESH_TOKEN$/.test(r.path)
      )
      expect(attempts.length).toBeGreaterThan(2 * 4)
      expect(result.durationMs).toBeGreaterThanOrEqual(1000)
      expect(result.stdout).toContain('The new refresh token existed only in this run and is lost')
      expect(result.stdout).toContain('gh secret set WIZARD_REFRESH_TOKEN --repo octo/widgets')
      // Nothing after the failed stage was written, and no fresh expiry sits beside lost tokens: the expiry, if
      // written at all (the rollback), says the rotation time.
      expect(stored().WIZARD_OAUTH_TOKEN).toBeUndefined()
      const expiry = stored().WIZARD_EXPIRES_AT
      expect(expiry === undefined || Date.parse(expiry) <= Date.now()).toBe(true)
      expect(fx().oauth.grantsReachedProvider).toBe(1)
      expect(leakedValues(result, tokensSeen(result))).toEqual([])
    })

    it('an access-token write that always fails: the refresh token is stored and live, the expiry says the rotation time', async () => {
      fx().github.injectFault(put('WIZARD_OAUTH_TOKEN'), { kind: 'status', status: 500 }, 10)
      const variable = 'WIZARD_EXPIRES_AT'
      const before = new Date(Date.now() + 20 * 60_000).toISOString()
      fx().github.setVariable(fx().repo.repository, variable, before)
      const startedAt = Date.now()
      const result = await run({ 'expires-at-variable': variable, 'expires-at': before })
      expect(result.exitCode).toBe(1)
      expect(result.outputs['error-kind']).toBe('store')
      expect(result.outputs['refresh-token-rotated']).toBe('true')
      expect(await storedRefreshIsLive()).toBe(true)
      expect(stored().WIZARD_REFRESH_TOKEN).not.toBe(fx().initialRefreshToken)
      expect(stored().WIZARD_OAUTH_TOKEN).toBeUndefined()
      // The expiry went out beside the access token and landed; it was then pointed at the rotation time,
      // so nobody takes the stale access token for a fresh one, and the variable still moved on from what a
      // queued run saw.
      const secretAt = Date.parse(stored().WIZARD_EXPIRES_AT ?? '')
      expect(secretAt).toBeGreaterThanOrEqual(startedAt - 1000)
      expect(secretAt).toBeLessThanOrEqual(Date.now())
      expect(fx().github.variables(fx().repo.repository)[variable]).toBe(stored().WIZARD_EXPIRES_AT)
      expect(result.outputs['secrets-written']).toBe('WIZARD_REFRESH_TOKEN')
      expect(result.stdout).toContain('now say the rotation time')
      expect(result.stdout).toContain('The stored refresh token is live')
    })

    it('when the expiry cannot be pointed back either, the failure says to set it by hand', async () => {
      fx().github.injectFault(put('WIZARD_OAUTH_TOKEN'), { kind: 'status', status: 500 }, 10)
      // The first expiry write lands; every later one (the rollback and its retries) fails.
      fx().github.injectFault(put('WIZARD_EXPIRES_AT'), { kind: 'status', status: 503 }, 10, 1)
      const result = await run()
      expect(result.exitCode).toBe(1)
      expect(result.outputs['error-kind']).toBe('store')
      expect(await storedRefreshIsLive()).toBe(true)
      expect(result.stdout).toMatch(/back to the rotation time failed too: set it to \S+ by hand/)
    })

    it('an expiry write that always fails: tokens stored, the failure says so', async () => {
      fx().github.injectFault(put('WIZARD_EXPIRES_AT'), { kind: 'status', status: 503 }, 10)
      const result = await run()
      expect(result.exitCode).toBe(1)
      expect(result.outputs['error-kind']).toBe('store')
      expect(await storedRefreshIsLive()).toBe(true)
      expect(await fx().oauth.isAccessTokenLive(stored().WIZARD_OAUTH_TOKEN ?? '')).toBe(true)
    })
  })

  describe('compare-after-lock, thresholds and dry runs', () => {
    const variable = 'WIZARD_EXPIRES_AT'
    const guarded = (overrides: Record<string, string> = {}) => ({
      'expires-at-variable': variable,
      'expires-at': fx().github.variables(fx().repo.repository)[variable] ?? '',
      ...overrides
    })

    it('the first guarded run creates the expiry variable; the next run chains on it', async () => {
      const first = await run(guarded())
      await expectRotated(first)
      expect(fx().github.variables(fx().repo.repository)[variable]).toBe(first.outputs['expires-at'])
      const second = await run(guarded())
      expect(second.outputs.status).toBe('rotated')
      expect(fx().github.variables(fx().repo.repository)[variable]).toBe(second.outputs['expires-at'])
    })

    it('a run that started before another rotated skips without presenting its stale token', async () => {
      const staleInputs = guarded() // what a queued job saw when it started
      const first = await run(guarded())
      expect(first.outputs.status).toBe('rotated')
      const grants = fx().oauth.tokenRequests
      const requestsBefore = fx().github.requests.length

      const stale = await run(staleInputs)
      expect(stale.exitCode).toBe(0)
      expect(stale.outputs.status).toBe('skipped-stale')
      expect(stale.stdout).toMatch(
        /::notice::The variable WIZARD_EXPIRES_AT is .* another run rotated the tokens after this job started/
      )
      expect(fx().oauth.tokenRequests).toBe(grants) // the spent token was never presented
      expect(await storedRefreshIsLive()).toBe(true) // so the family is intact
      expect(stale.summary).toContain('another run already rotated')
      // Its write proof is a sealed write of the check secret; the only thing it deletes is its own lock.
      const staleRequests = fx().github.requests.slice(requestsBefore)
      expect(
        staleRequests
          .filter((r) => r.method !== 'GET')
          .map((r) => `${r.method} ${r.path.split('/').pop()} ${r.status}`)
      ).toEqual(['POST variables 201', 'PUT WIZARD_WRITE_CHECK 204', 'DELETE WIZARD_ROTATION_LOCK 204'])
      expect(stored().WIZARD_WRITE_CHECK).toMatch(/^write checked at /)
      expect(fx().github.variables(fx().repo.repository)).toEqual({ [variable]: first.outputs['expires-at'] })
    })

    it('skip-if-valid-for skips while the current token lives long enough, and rotates when it does not', async () => {
      const inFiftyMinutes = new Date(Date.now() + 50 * 60_000).toISOString()
      fx().github.setVariable(fx().repo.repository, variable, inFiftyMinutes)
      const skipped = await run(guarded({ 'skip-if-valid-for': '15m' }))
      expect(skipped.exitCode).toBe(0)
      expect(skipped.outputs.status).toBe('skipped-valid')
      expect(skipped.outputs['expires-at']).toBe(inFiftyMinutes)
      expect(fx().oauth.tokenRequests).toBe(0)

      const rotated = await run(guarded({ 'skip-if-valid-for': '1h' }))
      expect(rotated.outputs.status).toBe('rotated')
    })

    it('a variable write that keeps failing: every secret rotated, the failure says how to set it by hand', async () => {
      // The expiry variable's create fails for good; the lock's create (the same route) does not. The marker
      // goes out beside the refresh token, so it may be written as patiently: a short timeout ends that.
      fx().github.injectFault(
        { method: 'POST', path: /\/actions\/variables$/, body: /"name":"WIZARD_EXPIRES_AT"/ },
        { kind: 'status', status: 500 },
        1000
      )
      const result = await run(guarded({ 'refresh-token-write-timeout': '2s' }))
      expect(result.exitCode).toBe(1)
      expect(result.outputs['error-kind']).toBe('store')
      expect(result.stdout).toMatch(
        /the variable WIZARD_EXPIRES_AT could not be written .* set WIZARD_EXPIRES_AT by hand to \d{4}-/
      )
      expect(await storedRefreshIsLive()).toBe(true)
      expect(stored().WIZARD_EXPIRES_AT).toBe(result.outputs['expires-at'])
    })

    it('a dry run checks everything and presents nothing', async () => {
      const result = await run(guarded({ 'dry-run': 'true' }))
      expect(result.exitCode).toBe(0)
      expect(result.outputs.status).toBe('dry-run')
      // The marker goes out beside the refresh token, then the rest.
      expect(result.stdout).toContain(
        'would rotate WIZARD_REFRESH_TOKEN, variable WIZARD_EXPIRES_AT, WIZARD_OAUTH_TOKEN, WIZARD_EXPIRES_AT'
      )
      expect(fx().oauth.tokenRequests).toBe(0)
      expect(stored().WIZARD_REFRESH_TOKEN).toBe(fx().initialRefreshToken)
      // Neither the expiry variable nor the lock is left behind.
      expect(fx().github.variables(fx().repo.repository)).toEqual({})
    })
  })

  it('debug logging shows methods, paths, statuses and timings, and no token', async () => {
    fx().oauth.injectFault(oauthError(503, 'temporarily_unavailable'))
    const result = await run({}, { ACTIONS_STEP_DEBUG: 'true', RUNNER_DEBUG: '1' })
    await expectRotated(result)
    expect(result.stdout).toMatch(
      /::debug::GitHub PUT \/repos\/octo\/widgets\/actions\/secrets\/WIZARD_REFRESH_TOKEN → 20[14] in \d+ ms/
    )
    expect(result.stdout).toMatch(
      /::debug::Token POST http:\/\/127\.0\.0\.1:\d+\/oauth2\/token → 503 in \d+ ms \(attempt 1/
    )
  })
})

/**
 * The invariant over random fault schedules (seeded, bounded), with slow answers and cancel moments (SIGINT,
 * then SIGTERM and SIGKILL after the runner's delays): no refresh token is lost or spent twice, so after the
 * run the stored refresh token is live. The one exception is an answer dropped after the server rotated
 * (`drop-response`), which no client can tell from a request that never arrived: then the run must fail
 * saying the token may be gone, with the re-bootstrap steps. A run that presented nothing left the original
 * stored; a rotated run stored a new one; no token byte reaches any log. The schedules run side by side.
 */
describe('random fault schedules', () => {
  const SEED = 20261124
  const SCHEDULES = 24
  function random(seed: number) {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
  }
  const oauthFaults: OAuthFault[] = [
    { kind: 'reset' },
    { kind: 'hang' },
    { kind: 'malformed' },
    { kind: 'drop-response' },
    { kind: 'queue', delayMs: 1500 },
    { kind: 'slow-answer', delayMs: 1500 },
    oauthError(503, 'temporarily_unavailable'),
    { kind: 'status', status: 429, headers: { 'retry-after': '0' }, body: {} },
    { kind: 'transform', transform: ({ expires_in: _, ...rest }) => rest },
    { kind: 'transform', transform: ({ access_token: _, ...rest }) => rest },
    { kind: 'transform', transform: (json) => ({ ...json, expires_in: 1e13 }) }
  ]
  const githubFaults: GitHubFault[] = [
    { kind: 'reset' },
    { kind: 'hang' },
    { kind: 'status', status: 502 },
    { kind: 'status', status: 500 },
    { kind: 'status', status: 429, headers: { 'retry-after': '1' } }
  ]
  const githubPaths = [
    /public-key$/,
    /\/actions\/variables$/, // the lock's create, and the expiry variable's the first time
    /\/variables\/WIZARD_EXPIRES_AT$/,
    /\/variables\/WIZARD_ROTATION_LOCK$/,
    /WIZARD_WRITE_CHECK$/,
    /WIZARD_REFRESH_TOKEN$/,
    /WIZARD_OAUTH_TOKEN$/,
    /WIZARD_EXPIRES_AT$/
  ]

  const pick = <T>(next: () => number, items: T[]): T => items[Math.floor(next() * items.length)] as T
  const schedules = Array.from({ length: SCHEDULES }, (_, i) => {
    const next = random(SEED + i)
    const oauth = Array.from({ length: Math.floor(next() * 3) }, () => pick(next, oauthFaults))
    const github = Array.from({ length: Math.floor(next() * 3) }, () => ({
      path: pick(next, githubPaths),
      fault: pick(next, githubFaults)
    }))
    // Half the runs are cancelled, somewhere in the first 0.8 s (a run without faults takes about 0.4 s).
    const cancelAt = next() < 0.5 ? Math.round(next() * 800) : undefined
    const compareAfterLock = next() < 0.5
    return {
      label:
        `schedule ${i}: oauth [${oauth.map((f) => f.kind)}] github [${github.map((g) => `${g.fault.kind}@${g.path.source}`)}]` +
        `${cancelAt === undefined ? '' : ` SIGINT@${cancelAt}ms`}${compareAfterLock ? ' compare-after-lock' : ''}`,
      oauth,
      github,
      cancelAt,
      compareAfterLock
    }
  })

  it.concurrent.each(schedules.map((s) => [s.label, s] as const))(
    '%s',
    async (_label, schedule) => {
      const fx = await startFixture()
      try {
        for (const fault of schedule.oauth) fx.oauth.injectFault(fault)
        for (const { path, fault } of schedule.github) fx.github.injectFault({ path }, fault)
        const inputs = {
          'request-timeout': '1s',
          ...(schedule.compareAfterLock ? { 'expires-at-variable': 'WIZARD_EXPIRES_AT' } : {})
        }
        const result = await fx.run(inputs, {
          signals: schedule.cancelAt === undefined ? undefined : runnerCancel(schedule.cancelAt)
        })
        const { WIZARD_REFRESH_TOKEN: storedToken = '', WIZARD_OAUTH_TOKEN } = fx.github.secrets(fx.repo)
        const live = await fx.oauth.isRefreshTokenLive(storedToken)
        const answerLost = schedule.oauth.some((fault) => fault.kind === 'drop-response')
        const saysTokenMayBeGone =
          result.exitCode === 1 &&
          result.stdout.includes('gh secret set WIZARD_REFRESH_TOKEN --repo octo/widgets')
        const grants = fx.oauth.grantsReachedProvider
        const outcome = {
          exit: result.exitCode,
          signal: result.signal,
          status: result.outputs.status,
          kind: result.outputs['error-kind'],
          grants,
          live
        }
        // Never lost, never spent twice; a dropped answer is said, with the way back.
        expect({ ...outcome, ok: live || (answerLost && saysTokenMayBeGone) }).toEqual({
          ...outcome,
          ok: true
        })
        expect({ ...outcome, ok: grants <= 1 || answerLost }).toEqual({ ...outcome, ok: true })
        // What is stored matches what happened: nothing presented, nothing changed; rotated, a new one stored.
        if (grants === 0) expect(storedToken).toBe(fx.initialRefreshToken)
        if (result.outputs.status === 'rotated') {
          expect(result.exitCode).toBe(0)
          expect(storedToken).not.toBe(fx.initialRefreshToken)
        }
        if (result.stdout.includes('received before the grant was sent')) {
          expect(fx.oauth.tokenRequests).toBe(0)
          expect(result.exitCode).toBe(1)
        }
        // Only a SIGKILL ends the run from outside, or a SIGINT that came before the action had started (or
        // as the process exited, its run done).
        if (result.signal === 'SIGINT' && result.outputs.status === undefined) {
          expect(fx.github.requests).toEqual([])
        } else if (result.signal !== null && result.signal !== 'SIGINT') {
          expect(result.signal).toBe('SIGKILL')
        }
        expect(
          leakedValues(result, [
            fx.initialRefreshToken,
            PAT,
            storedToken,
            WIZARD_OAUTH_TOKEN,
            result.outputs['access-token']
          ])
        ).toEqual([])
      } finally {
        await fx.close()
      }
    },
    45_000
  )
})
