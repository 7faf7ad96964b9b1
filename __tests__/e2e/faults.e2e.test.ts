/**
 * The fault matrix: the committed bundle against the real OAuth server and the GitHub stand-in, with
 * faults injected at both. Every scenario states what is left behind: which secrets changed, whether the
 * stored refresh token is live at the OAuth server, how many grants reached it, the exit code,
 * status/error-kind, and that no token value reached the log, the summary or an output.
 */
import { leakedValues, PAT, startFixture } from '../../harness/fixture.js'
import type { OAuthFault } from '../../harness/oauth-server.js'
import type { GitHubFault } from '../../harness/github-server.js'
import type { ActionRun } from '../../harness/run-action.js'
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
      ['a reset connection', { kind: 'reset' }],
      ['a 500', oauthError(500, 'server_error')],
      ['a 503 temporarily_unavailable', oauthError(503, 'temporarily_unavailable')],
      ['a 502 with an HTML body', { kind: 'status', status: 502, body: '<html>Bad Gateway</html>' }],
      ['a body that is not JSON', { kind: 'malformed' }]
    ])('%s', async (_case, fault) => {
      fx().oauth.injectFault(fault, 2)
      const result = await run()
      await expectRotated(result)
      expect(fx().oauth.tokenRequests).toBe(3)
      expect(fx().oauth.grantsReachedProvider).toBe(1)
      expect(result.stdout).toMatch(/::warning::Token request attempt 1 of 4 failed/)
    })

    it('a request that never answers, cut off by request-timeout', async () => {
      fx().oauth.injectFault({ kind: 'hang' })
      const result = await run({ 'request-timeout': '1s' })
      await expectRotated(result)
      expect(fx().oauth.tokenRequests).toBe(2)
      expect(result.durationMs).toBeGreaterThanOrEqual(1000)
    })

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
    const result = await run()
    expect(result.exitCode).toBe(1)
    expect(result.outputs['error-kind']).toBe('terminal')
    expect(result.stdout).toContain('An earlier attempt may have reached the server and rotated the token')
    expect(result.stdout).toContain('gh secret set WIZARD_REFRESH_TOKEN --repo octo/widgets')
    // Spent by the lost attempt, then the family was revoked on reuse: Hydra's behaviour, mirrored.
    expect(await fx().oauth.isRefreshTokenLive(fx().initialRefreshToken)).toBe(false)
    expect(fx().oauth.grantsReachedProvider).toBe(2)
    expect(stored().WIZARD_REFRESH_TOKEN).toBe(fx().initialRefreshToken)
  })

  describe('terminal answers are never retried and say how to re-bootstrap', () => {
    it.each([
      ['unauthorized_client', 400],
      ['unsupported_grant_type', 400],
      ['invalid_scope', 400],
      ['scope_not_granted', 403],
      ['invalid_grant', 400]
    ])('%s', async (error, status) => {
      fx().oauth.injectFault(oauthError(status, error, 'The refresh token was already used.'))
      const result = await run()
      expect(result.exitCode).toBe(1)
      expect(result.outputs['error-kind']).toBe('terminal')
      expect(fx().oauth.tokenRequests).toBe(1)
      expect(result.stdout).toContain(`${error}: The refresh token was already used.`)
      expect(result.stdout).toContain('gh secret set WIZARD_REFRESH_TOKEN --repo octo/widgets   # paste')
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
      fx().github.injectFault(put('WIZARD_REFRESH_TOKEN'), { kind: 'status', status: 500 }, 10)
      const result = await run()
      expect(result.exitCode).toBe(1)
      expect(result.outputs['error-kind']).toBe('store')
      expect(result.stdout).toContain('The new refresh token existed only in this run and is lost')
      expect(result.stdout).toContain('gh secret set WIZARD_REFRESH_TOKEN --repo octo/widgets')
      // Nothing after the failed stage was written: a stale expiry never sits beside lost tokens.
      expect(stored().WIZARD_OAUTH_TOKEN).toBeUndefined()
      expect(stored().WIZARD_EXPIRES_AT).toBeUndefined()
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

      const stale = await run(staleInputs)
      expect(stale.exitCode).toBe(0)
      expect(stale.outputs.status).toBe('skipped-stale')
      expect(stale.stdout).toMatch(
        /::notice::The variable WIZARD_EXPIRES_AT is .* another run rotated the tokens after this job started/
      )
      expect(fx().oauth.tokenRequests).toBe(grants) // the spent token was never presented
      expect(await storedRefreshIsLive()).toBe(true) // so the family is intact
      expect(stale.summary).toContain('another run already rotated')
      // Its write proof deleted the check secret; a skipped run puts it back for the next one.
      expect(fx().github.requests.some((r) => r.method === 'DELETE' && r.status === 204)).toBe(true)
      expect(stored().WIZARD_WRITE_CHECK).toMatch(/^write checked at /)
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
      fx().github.injectFault(
        { method: 'POST', path: /\/actions\/variables$/ },
        { kind: 'status', status: 500 },
        10
      )
      const result = await run(guarded())
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
      expect(result.stdout).toContain(
        'would rotate WIZARD_REFRESH_TOKEN, WIZARD_OAUTH_TOKEN, WIZARD_EXPIRES_AT, variable WIZARD_EXPIRES_AT'
      )
      expect(fx().oauth.tokenRequests).toBe(0)
      expect(stored().WIZARD_REFRESH_TOKEN).toBe(fx().initialRefreshToken)
      expect(fx().github.variables(fx().repo.repository)[variable]).toBeUndefined()
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
 * The invariant over random fault schedules (seeded, bounded): after any run, the stored refresh token is
 * live, or the run failed before presenting the token, or it failed with the terminal message.
 */
describe('random fault schedules', () => {
  const SEED = 20261124
  const SCHEDULES = 16
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
    oauthError(503, 'temporarily_unavailable'),
    { kind: 'status', status: 429, headers: { 'retry-after': '0' }, body: {} },
    { kind: 'transform', transform: ({ expires_in: _, ...rest }) => rest },
    { kind: 'transform', transform: ({ access_token: _, ...rest }) => rest }
  ]
  const githubFaults: GitHubFault[] = [
    { kind: 'reset' },
    { kind: 'hang' },
    { kind: 'status', status: 502 },
    { kind: 'status', status: 500 }
  ]
  const githubPaths = [
    /public-key$/,
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
    return {
      label: `schedule ${i}: oauth [${oauth.map((f) => f.kind)}] github [${github.map((g) => `${g.fault.kind}@${g.path.source}`)}]`,
      oauth,
      github
    }
  })

  it.each(schedules.map((s) => [s.label, s] as const))('%s', async (_label, schedule) => {
    const fx = await startFixture()
    try {
      for (const fault of schedule.oauth) fx.oauth.injectFault(fault)
      for (const { path, fault } of schedule.github) fx.github.injectFault({ path }, fault)
      const result = await fx.run({ 'request-timeout': '1s' })
      const storedToken = fx.github.secrets(fx.repo).WIZARD_REFRESH_TOKEN ?? ''
      const live = await fx.oauth.isRefreshTokenLive(storedToken)
      const failedBeforePresenting = result.exitCode === 1 && fx.oauth.tokenRequests === 0
      const terminal =
        result.exitCode === 1 &&
        result.outputs['error-kind'] === 'terminal' &&
        result.stdout.includes('gh secret set')
      expect({ live, failedBeforePresenting, terminal, kind: result.outputs['error-kind'] }).toEqual(
        expect.objectContaining(
          live
            ? { live: true }
            : failedBeforePresenting
              ? { failedBeforePresenting: true }
              : { terminal: true }
        )
      )
      expect(live || failedBeforePresenting || terminal).toBe(true)
      const { WIZARD_REFRESH_TOKEN, WIZARD_OAUTH_TOKEN } = fx.github.secrets(fx.repo)
      expect(
        leakedValues(result, [fx.initialRefreshToken, PAT, WIZARD_REFRESH_TOKEN, WIZARD_OAUTH_TOKEN])
      ).toEqual([])
    } finally {
      await fx.close()
    }
  })
})
