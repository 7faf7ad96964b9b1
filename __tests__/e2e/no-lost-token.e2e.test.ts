/**
 * Issue #10, end to end: the moments around the grant where a hostile world used to lose the refresh token,
 * each played against the real OAuth server (oidc-provider, rotation on, reuse revokes the family) and the
 * GitHub stand-in, with the bundle run as the runner runs it. Every scenario ends with the stored refresh
 * token live at the OAuth server (or the original unspent), and no token byte in any log, summary or output.
 * The cancel sweep is in cancel.e2e.test.ts.
 */
import { leakedValues, PAT, type Fixture } from '../../harness/fixture.js'
import type { GitHubFault } from '../../harness/github-server.js'
import type { OAuthFault } from '../../harness/oauth-server.js'
import type { ActionRun } from '../../harness/run-action.js'
import { NODE24, NODE24_AVAILABLE, RUNTIMES } from '../../harness/runtimes.js'
import { useFixturePerTest, withFixture } from '../support/fixture-per-test.js'

const VARIABLE = 'WIZARD_EXPIRES_AT'
const LOCK = 'WIZARD_ROTATION_LOCK'
const refreshTokenPut = { method: 'PUT', path: /\/secrets\/WIZARD_REFRESH_TOKEN$/ }

const stored = (fx: Fixture) => fx.github.secrets(fx.repo)
const variables = (fx: Fixture) => fx.github.variables(fx.repo.repository)
const storedRefreshIsLive = (fx: Fixture) =>
  fx.oauth.isRefreshTokenLive(stored(fx).WIZARD_REFRESH_TOKEN ?? '')
/** Inputs of a run with compare-after-lock wired as the README says: `expires-at: ${{ vars.WIZARD_EXPIRES_AT }}`. */
const guarded = (fx: Fixture) => ({
  'expires-at-variable': VARIABLE,
  'expires-at': variables(fx)[VARIABLE] ?? ''
})

/** Every token the runs handled, and the writer token: none may reach a log, the summary or another output. */
function expectNoLeaks(fx: Fixture, runs: ActionRun[], alsoHandled: (string | undefined)[] = []) {
  const { WIZARD_REFRESH_TOKEN, WIZARD_OAUTH_TOKEN } = stored(fx)
  const secrets = [fx.initialRefreshToken, PAT, WIZARD_REFRESH_TOKEN, WIZARD_OAUTH_TOKEN, ...alsoHandled]
  for (const run of runs) {
    expect(leakedValues(run, [...secrets, ...runs.map((other) => other.outputs['access-token'])])).toEqual([])
  }
}

async function expectRotated(fx: Fixture, result: ActionRun) {
  expect(result.exitCode).toBe(0)
  expect(result.outputs.status).toBe('rotated')
  expect(stored(fx).WIZARD_REFRESH_TOKEN).not.toBe(fx.initialRefreshToken)
  expect(await storedRefreshIsLive(fx)).toBe(true)
  expect(stored(fx).WIZARD_OAUTH_TOKEN).toBe(result.outputs['access-token'])
  expect(await fx.oauth.isAccessTokenLive(stored(fx).WIZARD_OAUTH_TOKEN ?? '')).toBe(true)
  expect(variables(fx)[LOCK]).toBeUndefined()
  expectNoLeaks(fx, [result])
}

/** Nothing spent and nothing written but the write check: the original refresh token is stored and unspent. */
async function expectUnspent(fx: Fixture, result: ActionRun, kind: string) {
  expect(result.exitCode).toBe(1)
  expect(result.outputs['error-kind']).toBe(kind)
  const { WIZARD_WRITE_CHECK: _, ...rest } = stored(fx)
  expect(rest).toEqual({ WIZARD_REFRESH_TOKEN: fx.initialRefreshToken })
  expect(await fx.oauth.isRefreshTokenLive(fx.initialRefreshToken)).toBe(true)
  expect(variables(fx)[LOCK]).toBeUndefined()
  expectNoLeaks(fx, [result])
}

describe.each(RUNTIMES)('no moment around the grant loses the refresh token, under %s', (_name, node) => {
  const { fx, run } = useFixturePerTest(node)

  describe('one grant per token: a slow answer is waited for, never sent again', () => {
    it.each<[string, OAuthFault]>([
      ['queued at the server past request-timeout', { kind: 'queue', delayMs: 1500 }],
      ['processed at once and answered after request-timeout', { kind: 'slow-answer', delayMs: 1500 }]
    ])('a grant %s: rotated, with exactly one grant', async (_case, fault) => {
      fx().oauth.injectFault(fault)
      const result = await run({ 'request-timeout': '1s' })
      await expectRotated(fx(), result)
      expect(fx().oauth.tokenRequests).toBe(1)
      expect(fx().oauth.grantsReachedProvider).toBe(1)
      expect(result.durationMs).toBeGreaterThanOrEqual(1500)
      expect(result.stdout).toContain(
        '::warning::No answer to the grant after 1 s (request-timeout). Waiting for it, up to 10 s, instead of sending it again'
      )
    })
  })

  it('two runs launched together with the same token, three times over, without and with compare-after-lock: one rotates, the other skips; the family survives', async () => {
    // Both runs start together and each takes a few hundred milliseconds, the grant alone 150 ms.
    await withFixture({ github: { latencyMs: 40 }, oauth: { latencyMs: 150 } }, async (together) => {
      for (const compareAfterLock of [false, true]) {
        for (let round = 1; round <= 3; round++) {
          const grants = together.oauth.grantsReachedProvider
          const before = stored(together).WIZARD_REFRESH_TOKEN
          const inputs = compareAfterLock ? guarded(together) : {}
          const results = await Promise.all([together.run(inputs, { node }), together.run(inputs, { node })])
          const label = `${compareAfterLock ? 'with' : 'without'} compare-after-lock, round ${round}`
          const statuses = results.map((result) => result.outputs.status).sort()
          expect({ label, statuses }).toEqual({
            label,
            statuses: ['rotated', expect.stringMatching(/^skipped-(locked|stale)$/)]
          })
          // At most one run presented the token: exactly one grant reached the provider.
          expect({ label, grants: together.oauth.grantsReachedProvider - grants }).toEqual({
            label,
            grants: 1
          })
          for (const result of results) expect(result.exitCode).toBe(0)
          const skipped = results.find((result) => result.outputs.status !== 'rotated')
          expect(skipped?.stdout).toMatch(
            /::notice::(Another run holds the lock WIZARD_ROTATION_LOCK|The variable)/
          )
          expect(stored(together).WIZARD_REFRESH_TOKEN).not.toBe(before)
          expect(await storedRefreshIsLive(together)).toBe(true)
          expect(variables(together)[LOCK]).toBeUndefined()
          expectNoLeaks(together, results, [before])
        }
      }
    })
  })

  describe('every rotation moves the marker: a run queued behind a partial rotation skips', () => {
    it.each<[string, (json: Record<string, unknown>) => Record<string, unknown>]>([
      [
        'an unusable answer (no access token; the refresh token is salvaged)',
        ({ access_token: _, ...rest }) => rest
      ],
      ['an answer without expires_in', ({ expires_in: _, ...rest }) => rest],
      ['an absurd expires_in (1e13)', (json) => ({ ...json, expires_in: 1e13 })],
      ['an expires_in of 2^53-1', (json) => ({ ...json, expires_in: Number.MAX_SAFE_INTEGER })]
    ])('%s', async (_case, transform) => {
      // A first, whole rotation creates the marker; then a run is queued with what it shows.
      expect((await run(guarded(fx()))).outputs.status).toBe('rotated')
      const queuedSaw = { ...guarded(fx()), 'refresh-token': stored(fx()).WIZARD_REFRESH_TOKEN ?? '' }
      const markerBefore = variables(fx())[VARIABLE]

      fx().oauth.injectFault({ kind: 'transform', transform })
      const partial = await run(guarded(fx()))
      expect(partial.exitCode).toBe(1)
      expect(partial.outputs['error-kind']).toBe('response')
      expect(partial.outputs['refresh-token-rotated']).toBe('true')
      const saved = stored(fx()).WIZARD_REFRESH_TOKEN ?? ''
      expect(saved).not.toBe(queuedSaw['refresh-token'])
      expect(await fx().oauth.isRefreshTokenLive(saved)).toBe(true)
      expect(variables(fx())[VARIABLE]).not.toBe(markerBefore)
      expect(variables(fx())[LOCK]).toBeUndefined()
      // A problem reported, never a crash.
      expect(`${partial.stdout}\n${partial.stderr}`).not.toMatch(/RangeError|^\s+at /m)
      expect(partial.stdout).toMatch(/^::error::\[response\] /m)

      const grants = fx().oauth.grantsReachedProvider
      const queued = await run(queuedSaw)
      expect(queued.exitCode).toBe(0)
      expect(queued.outputs.status).toMatch(/^skipped-(stale|locked)$/)
      expect(fx().oauth.grantsReachedProvider).toBe(grants)
      expect(stored(fx()).WIZARD_REFRESH_TOKEN).toBe(saved)
      expect(await fx().oauth.isRefreshTokenLive(saved)).toBe(true)
      expectNoLeaks(fx(), [partial, queued], [queuedSaw['refresh-token']])
    })
  })

  describe('the key', () => {
    it('rotated by GitHub while the grant is out: the run reads the key again, seals again and lands every secret', async () => {
      const original = fx().github.publicKey(fx().repo)
      fx().oauth.onTokenRequest(() => fx().github.rotateKey(fx().repo))
      const result = await run()
      await expectRotated(fx(), result)
      expect(fx().github.publicKey(fx().repo).key_id).not.toBe(original.key_id)
      expect(result.stdout).toContain(
        '::warning::GitHub refused the sealed WIZARD_REFRESH_TOKEN (GitHub answered 422'
      )
      // Read once for the preflight, once after the refusal; every later value was sealed with the new key.
      expect(fx().github.requests.filter((r) => r.path.endsWith('/public-key'))).toHaveLength(2)
      expect(stored(fx()).WIZARD_EXPIRES_AT).toBe(result.outputs['expires-at'])
      expect(fx().oauth.tokenRequests).toBe(1)
    })

    it('that GitHub does not open: caught by the sealed write check, before the grant', async () => {
      const stale = fx().github.publicKey(fx().repo)
      fx().github.rotateKey(fx().repo)
      // GitHub hands out a key it no longer opens values for (its key_id is refused too).
      fx().github.injectFault(
        { method: 'GET', path: /public-key$/ },
        { kind: 'status', status: 200, body: stale }
      )
      const result = await run()
      await expectUnspent(fx(), result, 'preflight')
      expect(result.stdout).toMatch(
        /::error::\[preflight\] .*422.*Nothing was changed and the refresh token was not used/
      )
      expect(fx().oauth.tokenRequests).toBe(0)
    })
  })

  it('a misconfigured compare-after-lock (the variable set, expires-at not wired) fails red instead of skipping over a dead token', async () => {
    const dead = new Date(Date.now() - 10 * 60_000).toISOString()
    fx().github.setVariable(fx().repo.repository, VARIABLE, dead)
    const result = await run({ 'expires-at-variable': VARIABLE, 'expires-at': '' })
    await expectUnspent(fx(), result, 'input')
    expect(result.outputs.status).toBe('failed')
    expect(result.stdout).toContain('expires-at: ${{ vars.WIZARD_EXPIRES_AT }}')
    expect(fx().oauth.tokenRequests).toBe(0)
    expect(variables(fx())[VARIABLE]).toBe(dead)
  })

  it('a refresh-token write that meets a burst of 503s, with max-attempts 1: patient, it lands', async () => {
    fx().github.injectFault(refreshTokenPut, { kind: 'status', status: 503 }, 8)
    const result = await run({ 'max-attempts': '1', 'retry-delay': '10ms' })
    await expectRotated(fx(), result)
    expect(result.stdout.match(/::warning::Writing WIZARD_REFRESH_TOKEN: GitHub answered 503/g)).toHaveLength(
      8
    )
    expect(fx().oauth.tokenRequests).toBe(1)
  })
})

/**
 * The long waits, side by side (Jest runs `it.concurrent` tests of one block together): each spends its
 * time waiting on a server, so together they take about as long as the longest.
 */
describe('long waits', () => {
  it.concurrent.each(RUNTIMES)(
    'a grant that never answers, under %s: outcome unknown, one request, nothing written; the next run rotates',
    async (_name, node) => {
      await withFixture({}, async (fx) => {
        fx.oauth.injectFault({ kind: 'hang' })
        const result = await fx.run({ 'request-timeout': '1s' }, { node })
        // Awaited for 10 × request-timeout, never sent again.
        expect(result.durationMs).toBeGreaterThanOrEqual(10_000)
        await expectUnspent(fx, result, 'unknown')
        expect(fx.oauth.tokenRequests).toBe(1)
        expect(result.stdout).toMatch(/::error::\[unknown\] .*unknown.*not sent again/)
        // The request never reached the provider, so the stored token still works.
        await expectRotated(fx, await fx.run({}, { node }))
      })
    },
    40_000
  )

  const node24 = NODE24_AVAILABLE ? it.concurrent : it.concurrent.skip
  node24.each<[string, GitHubFault]>([
    ['a 429', { kind: 'status', status: 429, headers: { 'retry-after': '60' } }],
    [
      'a secondary rate limit (403)',
      {
        kind: 'status',
        status: 403,
        headers: { 'retry-after': '60' },
        body: {
          message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
        }
      }
    ]
  ])(
    'Retry-After 60 on the refresh-token write (%s, node24): the run waits it out, holding the lock, and lands it',
    async (_case, fault) => {
      await withFixture({}, async (fx) => {
        fx.github.injectFault(refreshTokenPut, fault)
        let lockedMidway: string | undefined
        const midway = setTimeout(() => (lockedMidway = variables(fx)[LOCK]), 30_000)
        const result = await fx.run({}, { node: NODE24 }).finally(() => clearTimeout(midway))
        expect(result.durationMs).toBeGreaterThanOrEqual(60_000)
        await expectRotated(fx, result)
        expect(result.stdout).toMatch(
          /::warning::Writing WIZARD_REFRESH_TOKEN: rate limited \(GitHub asks to wait 60 s\)/
        )
        expect(
          fx.github.requests.filter((r) => r.method === 'PUT' && refreshTokenPut.path.test(r.path))
        ).toHaveLength(2)
        // While it waited, a run started then would have found the lock held and skipped.
        expect(lockedMidway).toBeDefined()
      })
    },
    120_000
  )
})
