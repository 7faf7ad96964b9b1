/**
 * The pipeline in-process: `run()` with a recording stand-in for `@actions/core`, and the real edges
 * (Octokit with its plugins, @actions/http-client, libsodium) against the real OAuth server and the
 * GitHub stand-in on 127.0.0.1. Every scenario states what is left behind. The same scenarios run against
 * the bundle in __tests__/e2e; these watch the source itself.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { Cancellation } from '../src/cancellation.js'
import { createTokenPoster } from '../src/oauth/post-token.js'
import { usePipeline } from './support/in-process.js'

const pipeline = usePipeline()
const { stored, variables, runOnce } = pipeline
let fx: ReturnType<typeof pipeline.fx>
beforeEach(() => {
  fx = pipeline.fx()
})

describe('run(): a rotation', () => {
  it('rotates: refresh token, access token and real expiry stored, every new token masked, nothing leaked', async () => {
    const sentAt = Date.now()
    const { report, seen, leaks } = await runOnce()
    expect(report.status).toBe('rotated')
    expect(seen.failed).toBeUndefined()
    const after = stored()
    expect(after.WIZARD_REFRESH_TOKEN).not.toBe(fx.initialRefreshToken)
    expect(await fx.oauth.isRefreshTokenLive(after.WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
    expect(await fx.oauth.isAccessTokenLive(after.WIZARD_OAUTH_TOKEN ?? '')).toBe(true)
    const expiresAt = Date.parse(after.WIZARD_EXPIRES_AT ?? '')
    expect(expiresAt).toBeGreaterThanOrEqual(sentAt + 3600_000)
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000)
    expect(seen.masked).toEqual(
      expect.arrayContaining([fx.initialRefreshToken, after.WIZARD_REFRESH_TOKEN, after.WIZARD_OAUTH_TOKEN])
    )
    expect(seen.outputs).toMatchObject({
      status: 'rotated',
      'access-token': after.WIZARD_OAUTH_TOKEN,
      'expires-at': after.WIZARD_EXPIRES_AT,
      'refresh-token-rotated': 'true',
      'secrets-written': 'WIZARD_REFRESH_TOKEN,WIZARD_OAUTH_TOKEN,WIZARD_EXPIRES_AT',
      'error-kind': ''
    })
    expect(seen.summary).toContain('OAuth secrets rotated on octo/widgets')
    expect(leaks([fx.initialRefreshToken, after.WIZARD_REFRESH_TOKEN, after.WIZARD_OAUTH_TOKEN])).toEqual([])
  })

  it('writes the refresh token alone and first, then the rest at once', async () => {
    await runOnce({ 'write-check-secret': '' })
    const puts = fx.github.requests.filter((request) => request.method === 'PUT')
    expect(puts.map((request) => request.path.split('/').pop())).toEqual([
      'WIZARD_REFRESH_TOKEN',
      ...['WIZARD_OAUTH_TOKEN', 'WIZARD_EXPIRES_AT']
    ])
    const [first, ...rest] = puts
    for (const later of rest) expect(later.startedAt).toBeGreaterThanOrEqual(first?.endedAt ?? Infinity)
  })

  it('chains: the next run uses what this one stored; each proves the write path with a sealed write first', async () => {
    await runOnce()
    const firstCheck = stored().WIZARD_WRITE_CHECK
    const { report, log } = await runOnce()
    expect(report.status).toBe('rotated')
    expect(stored().WIZARD_WRITE_CHECK).toMatch(/^write checked at /)
    expect(stored().WIZARD_WRITE_CHECK).not.toBe(firstCheck)
    expect(log).toMatch(
      /debug: GitHub PUT \/repos\/octo\/widgets\/actions\/secrets\/WIZARD_WRITE_CHECK → 204/
    )
    expect(await fx.oauth.isRefreshTokenLive(stored().WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
  })

  it("writes an environment's secrets and the id token when asked", async () => {
    const token = await fx.oauth.mintRefreshToken({ scope: 'openid offline_access' })
    const target = { repository: fx.repo.repository, environment: 'production' }
    const { report } = await runOnce({
      'refresh-token': token,
      environment: 'production',
      'id-token-secret': 'WIZARD_ID_TOKEN'
    })
    expect(report.status).toBe('rotated')
    const env = fx.github.secrets(target)
    expect(Object.keys(env).sort()).toEqual(
      [
        'WIZARD_EXPIRES_AT',
        'WIZARD_ID_TOKEN',
        'WIZARD_OAUTH_TOKEN',
        'WIZARD_REFRESH_TOKEN',
        'WIZARD_WRITE_CHECK'
      ].sort()
    )
    expect(await fx.oauth.isRefreshTokenLive(env.WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
  })

  it('keeps the stored refresh token when the server does not rotate it', async () => {
    fx.oauth.injectFault({ kind: 'transform', transform: ({ refresh_token: _, ...rest }) => rest })
    const { report, seen } = await runOnce()
    expect(report.status).toBe('rotated')
    expect(seen.outputs['refresh-token-rotated']).toBe('false')
    expect(stored().WIZARD_REFRESH_TOKEN).toBe(fx.initialRefreshToken)
    expect(seen.summary).toContain('did not issue a new refresh token')
  })

  it('rides out transient token-endpoint failures and says so', async () => {
    fx.oauth.injectFault({ kind: 'status', status: 503, body: { error: 'temporarily_unavailable' } }, 2)
    const { report, seen } = await runOnce()
    expect(report.status).toBe('rotated')
    expect(fx.oauth.tokenRequests).toBe(3)
    expect(seen.lines.filter((line) => line.startsWith('warning: Token request attempt'))).toHaveLength(2)
    expect(seen.summary).toContain('succeeded on attempt 3')
  })

  it('retries a GitHub write that fails transiently, through plugin-retry', async () => {
    fx.github.injectFault({ method: 'PUT', path: /WIZARD_OAUTH_TOKEN$/ }, { kind: 'status', status: 502 }, 2)
    const { report, log } = await runOnce()
    expect(report.status).toBe('rotated')
    expect(log).toMatch(
      /warning: GitHub PUT \S+WIZARD_OAUTH_TOKEN failed on attempt 1 of 4 \(502\); retrying/
    )
    expect(await fx.oauth.isAccessTokenLive(stored().WIZARD_OAUTH_TOKEN ?? '')).toBe(true)
  })
})

describe('run(): stops before the grant', () => {
  it('on bad input, before any request, naming every bad input', async () => {
    const { report, seen } = await runOnce({ zone: 'mars', 'max-attempts': '0' })
    expect(report).toMatchObject({ status: 'failed', errorKind: 'input' })
    expect(seen.failed).toMatch(/Input "zone" \(got "mars"\) must be one of: us, eu/)
    expect(seen.failed).toMatch(/Input "max-attempts"/)
    expect(fx.github.requests).toEqual([])
    expect(fx.oauth.tokenRequests).toBe(0)
  })

  it('on a writer token that cannot write secrets: preflight, nothing spent', async () => {
    fx.github.addToken('read-only', { canWriteSecrets: false })
    const { report, seen } = await runOnce({ 'github-token': 'read-only' })
    expect(report).toMatchObject({ status: 'failed', errorKind: 'preflight' })
    expect(seen.failed).toContain('Nothing was changed and the refresh token was not used')
    expect(fx.oauth.tokenRequests).toBe(0)
    expect(await fx.oauth.isRefreshTokenLive(fx.initialRefreshToken)).toBe(true)
  })

  it('on a GitHub that cannot be reached: transient, nothing spent', async () => {
    fx.github.injectFault({ method: 'GET', path: /public-key$/ }, { kind: 'status', status: 503 }, 10)
    const { report } = await runOnce({ 'max-attempts': '2' })
    expect(report).toMatchObject({ status: 'failed', errorKind: 'transient' })
    expect(fx.oauth.tokenRequests).toBe(0)
  })

  it('in a dry run, saying what it would write', async () => {
    const { report, seen } = await runOnce({ 'dry-run': 'true', 'expires-at-variable': 'WIZARD_EXPIRES_AT' })
    expect(report.status).toBe('dry-run')
    expect(seen.lines.join('\n')).toContain(
      'would rotate WIZARD_REFRESH_TOKEN, variable WIZARD_EXPIRES_AT, WIZARD_OAUTH_TOKEN, WIZARD_EXPIRES_AT'
    )
    expect(fx.oauth.tokenRequests).toBe(0)
    expect(stored().WIZARD_REFRESH_TOKEN).toBe(fx.initialRefreshToken)
  })

  it('skips when another run rotated after this job started (compare after lock)', async () => {
    const seenAtStart = new Date(Date.now() + 5 * 60_000).toISOString()
    const rotatedSince = new Date(Date.now() + 60 * 60_000).toISOString()
    fx.github.setVariable(fx.repo.repository, 'WIZARD_EXPIRES_AT', rotatedSince)
    const { report, seen } = await runOnce({
      'expires-at-variable': 'WIZARD_EXPIRES_AT',
      'expires-at': seenAtStart
    })
    expect(report.status).toBe('skipped-stale')
    expect(seen.lines.join('\n')).toContain(`notice: The variable WIZARD_EXPIRES_AT is "${rotatedSince}"`)
    expect(fx.oauth.tokenRequests).toBe(0)
    expect(variables().WIZARD_ROTATION_LOCK).toBeUndefined()
  })

  it('fails red instead of skipping when the stored expiry is past and later than what the job saw (wiring)', async () => {
    const dead = new Date(Date.now() - 10 * 60_000).toISOString()
    fx.github.setVariable(fx.repo.repository, 'WIZARD_EXPIRES_AT', dead)
    const { report, seen } = await runOnce({ 'expires-at-variable': 'WIZARD_EXPIRES_AT', 'expires-at': '' })
    expect(report).toMatchObject({ status: 'failed', errorKind: 'input' })
    expect(seen.failed).toContain('expires-at: ${{ vars.WIZARD_EXPIRES_AT }}')
    expect(fx.oauth.tokenRequests).toBe(0)
    expect(await fx.oauth.isRefreshTokenLive(fx.initialRefreshToken)).toBe(true)
  })

  it('skips while the current token is valid for longer than skip-if-valid-for', async () => {
    const later = new Date(Date.now() + 50 * 60_000).toISOString()
    const { report, seen } = await runOnce({ 'expires-at': later, 'skip-if-valid-for': '15m' })
    expect(report.status).toBe('skipped-valid')
    expect(seen.outputs['expires-at']).toBe(later)
    expect(fx.oauth.tokenRequests).toBe(0)
  })
})

describe('run(): failures after the grant keep the refresh token', () => {
  it('an unusable answer that carries a new refresh token: that token is stored before failing', async () => {
    fx.oauth.injectFault({ kind: 'transform', transform: ({ access_token: _, ...rest }) => rest })
    const { report, seen, leaks } = await runOnce()
    expect(report).toMatchObject({ status: 'failed', errorKind: 'response', refreshTokenRotated: true })
    const after = stored()
    expect(after.WIZARD_REFRESH_TOKEN).not.toBe(fx.initialRefreshToken)
    expect(await fx.oauth.isRefreshTokenLive(after.WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
    expect(after.WIZARD_OAUTH_TOKEN).toBeUndefined()
    expect(seen.masked).toContain(after.WIZARD_REFRESH_TOKEN)
    expect(leaks([after.WIZARD_REFRESH_TOKEN])).toEqual([])
  })

  it('an answer without any expiry: the tokens are stored, the expiry is not guessed', async () => {
    fx.oauth.injectFault({ kind: 'transform', transform: ({ expires_in: _, ...rest }) => rest })
    const { report, seen } = await runOnce()
    expect(report).toMatchObject({ status: 'failed', errorKind: 'response' })
    expect(seen.failed).toContain('the expiry was not written rather than guessed')
    expect(stored().WIZARD_EXPIRES_AT).toBeUndefined()
    expect(await fx.oauth.isRefreshTokenLive(stored().WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
  })

  it('a refused grant: terminal, with the recovery steps for this repository', async () => {
    fx.oauth.injectFault({
      kind: 'status',
      status: 400,
      body: { error: 'invalid_grant', error_description: 'The refresh token was already used.' }
    })
    const { report, seen } = await runOnce()
    expect(report).toMatchObject({ status: 'failed', errorKind: 'terminal' })
    expect(seen.failed).toContain('gh secret set WIZARD_REFRESH_TOKEN --repo octo/widgets')
    expect(stored().WIZARD_REFRESH_TOKEN).toBe(fx.initialRefreshToken)
  })

  it('a token endpoint that is not an OAuth server (404): terminal, pointing at the endpoint inputs', async () => {
    fx.oauth.injectFault({ kind: 'status', status: 404, body: '<html>Not Found</html>' })
    const { report, seen } = await runOnce()
    expect(report).toMatchObject({ status: 'failed', errorKind: 'terminal' })
    expect(seen.failed).toContain(
      'Check the zone and token-url inputs; the refresh token was most likely not spent'
    )
    expect(seen.failed).not.toContain('<html>')
  })

  it('a refresh-token write that keeps failing: a loud store failure that says the token is lost', async () => {
    fx.github.injectFault(
      { method: 'PUT', path: /WIZARD_REFRESH_TOKEN$/ },
      { kind: 'status', status: 500 },
      1000
    )
    const { report, seen } = await runOnce({ 'max-attempts': '2', 'refresh-token-write-timeout': '3s' })
    expect(report).toMatchObject({ status: 'failed', errorKind: 'store', refreshTokenRotated: false })
    expect(
      seen.lines.filter((line) => /warning: Writing WIZARD_REFRESH_TOKEN: GitHub answered 500/.test(line))
        .length
    ).toBeGreaterThan(0)
    expect(seen.failed).toContain('The new refresh token existed only in this run and is lost')
    expect(stored().WIZARD_OAUTH_TOKEN).toBeUndefined()
  })

  it('a refresh-token write that meets an outage longer than max-attempts: patient, it lands', async () => {
    fx.github.injectFault(
      { method: 'PUT', path: /WIZARD_REFRESH_TOKEN$/ },
      { kind: 'status', status: 503 },
      6
    )
    const { report, seen } = await runOnce({ 'max-attempts': '1' })
    expect(report.status).toBe('rotated')
    expect(
      seen.lines.filter((line) => line.startsWith('warning: Writing WIZARD_REFRESH_TOKEN'))
    ).toHaveLength(6)
    expect(await fx.oauth.isRefreshTokenLive(stored().WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
  })

  it('a refresh-token write refused because the key changed: the key is read again, the token sealed again', async () => {
    const original = fx.github.publicKey(fx.repo)
    // GitHub rotates the repository's key while the grant is out: the key this run read no longer opens.
    const rotateKeyAfterCheck = () => {
      if (fx.github.publicKey(fx.repo).key_id === original.key_id) fx.github.rotateKey(fx.repo)
    }
    const { report, seen } = await runOnce(
      {},
      {
        deps: {
          createTokenPoster: (options) => {
            const post = createTokenPoster(options)
            return async (request) => {
              rotateKeyAfterCheck()
              return post(request)
            }
          }
        }
      }
    )
    expect(report.status).toBe('rotated')
    expect(seen.lines.join('\n')).toContain(
      'warning: GitHub refused the sealed WIZARD_REFRESH_TOKEN (GitHub answered 422'
    )
    expect(fx.github.publicKey(fx.repo).key_id).not.toBe(original.key_id)
    expect(await fx.oauth.isRefreshTokenLive(stored().WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
  })

  it('an access-token write that keeps failing: the expiry is pointed back at the rotation time', async () => {
    fx.github.injectFault({ method: 'PUT', path: /WIZARD_OAUTH_TOKEN$/ }, { kind: 'status', status: 500 }, 10)
    const { report, seen } = await runOnce({ 'max-attempts': '2' })
    expect(report).toMatchObject({ status: 'failed', errorKind: 'store', refreshTokenRotated: true })
    expect(seen.failed).toContain('now says the rotation time')
    expect(Date.parse(stored().WIZARD_EXPIRES_AT ?? '')).toBeLessThanOrEqual(Date.now())
    expect(await fx.oauth.isRefreshTokenLive(stored().WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
  })
})

describe('run(): the report itself', () => {
  it('a job summary that cannot be written is a warning, never the run’s failure', async () => {
    const { report, seen } = await runOnce({}, { summaryFails: true })
    expect(report.status).toBe('rotated')
    expect(seen.failed).toBeUndefined()
    expect(seen.lines.join('\n')).toContain('warning: Could not write the job summary')
  })

  it('an unexpected error ends in a failed report with a message, not a rejection', async () => {
    const { report, seen } = await runOnce(
      {},
      {
        deps: {
          createOctokit: () => {
            throw new TypeError('boom')
          }
        }
      }
    )
    expect(report).toMatchObject({ status: 'failed', errorKind: 'transient' })
    expect(seen.failed).toContain('Unexpected failure: TypeError: boom')
  })

  it('debug lines name each request, its status and attempt, and never a token', async () => {
    fx.oauth.injectFault({ kind: 'status', status: 503, body: { error: 'temporarily_unavailable' } })
    const { log, seen } = await runOnce({ 'expires-at-variable': 'WIZARD_EXPIRES_AT' })
    const debug = seen.lines.filter((line) => line.startsWith('debug: ')).join('\n')
    expect(log).toMatch(/debug: Token POST \S+ → 503 in \d+ ms \(attempt 1/)
    expect(debug).toMatch(
      /debug: GitHub POST \/repos\/octo\/widgets\/actions\/variables → 201 in \d+ ms \(attempt 1\)/
    )
    expect(variables().WIZARD_EXPIRES_AT).toBe(stored().WIZARD_EXPIRES_AT)
    for (const token of [
      fx.initialRefreshToken,
      stored().WIZARD_REFRESH_TOKEN,
      stored().WIZARD_OAUTH_TOKEN
    ]) {
      expect(debug).not.toContain(token)
    }
  })
})

describe('run(): one rotation at a time (the lock)', () => {
  it('takes the lock in the first round trip and gives it back once the refresh token is stored', async () => {
    const { report } = await runOnce()
    expect(report.status).toBe('rotated')
    expect(variables().WIZARD_ROTATION_LOCK).toBeUndefined()
    const lockCalls = fx.github.requests.filter(
      (request) => request.path.includes('WIZARD_ROTATION_LOCK') || request.path.endsWith('/variables')
    )
    expect(lockCalls.map((request) => request.method)).toEqual(['POST', 'DELETE'])
    const refresh = fx.github.requests.find(
      (request) => request.method === 'PUT' && request.path.endsWith('WIZARD_REFRESH_TOKEN')
    )
    const release = fx.github.requests.find((request) => request.method === 'DELETE')
    expect(release?.startedAt).toBeGreaterThanOrEqual(refresh?.endedAt ?? Infinity)
  })

  it('skips, without presenting the token, while another run holds the lock', async () => {
    const until = new Date(Date.now() + 10 * 60_000).toISOString()
    fx.github.setVariable(
      fx.repo.repository,
      'WIZARD_ROTATION_LOCK',
      JSON.stringify({ holder: 'run 41', until, nonce: 'n41' })
    )
    const { report, seen } = await runOnce()
    expect(report.status).toBe('skipped-locked')
    expect(seen.failed).toBeUndefined()
    expect(seen.lines.join('\n')).toContain(
      `notice: Another run holds the lock WIZARD_ROTATION_LOCK (run 41, until ${until})`
    )
    expect(fx.oauth.tokenRequests).toBe(0)
    expect(variables().WIZARD_ROTATION_LOCK).toContain('run 41')
    expect(await fx.oauth.isRefreshTokenLive(fx.initialRefreshToken)).toBe(true)
  })

  it('takes over a lock whose holder ran out of time (killed), and says so', async () => {
    const until = new Date(Date.now() - 60_000).toISOString()
    fx.github.setVariable(
      fx.repo.repository,
      'WIZARD_ROTATION_LOCK',
      JSON.stringify({ holder: 'run 40', until, nonce: 'n40' })
    )
    const { report, seen } = await runOnce()
    expect(report.status).toBe('rotated')
    expect(seen.lines.join('\n')).toContain('warning: The lock WIZARD_ROTATION_LOCK was held by run 40')
    expect(variables().WIZARD_ROTATION_LOCK).toBeUndefined()
  })

  it('two runs started together with the same token: one rotates, the other skips; the family survives', async () => {
    const [first, second] = await Promise.all([runOnce(), runOnce()])
    expect([first.report.status, second.report.status].sort()).toEqual(['rotated', 'skipped-locked'])
    expect(fx.oauth.grantsReachedProvider).toBe(1)
    expect(await fx.oauth.isRefreshTokenLive(stored().WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
  })

  it('a writer token without "Variables: write" stops before the grant, naming the permission and the way out', async () => {
    fx.github.injectFault(
      { method: 'POST', path: /\/actions\/variables$/ },
      {
        kind: 'status',
        status: 403,
        body: { message: 'Resource not accessible by personal access token' }
      }
    )
    const { report, seen } = await runOnce()
    expect(report).toMatchObject({ status: 'failed', errorKind: 'preflight' })
    expect(seen.failed).toContain('cannot take the lock variable WIZARD_ROTATION_LOCK')
    expect(seen.failed).toContain('"Variables: read and write"')
    expect(fx.oauth.tokenRequests).toBe(0)
  })

  it('gives the lock back when the preflight fails after taking it', async () => {
    fx.github.injectFault(
      { method: 'PUT', path: /WIZARD_WRITE_CHECK$/ },
      { kind: 'status', status: 403, body: { message: 'Resource not accessible by personal access token' } }
    )
    const { report } = await runOnce()
    expect(report).toMatchObject({ status: 'failed', errorKind: 'preflight' })
    expect(variables().WIZARD_ROTATION_LOCK).toBeUndefined()
  })
})

describe('run(): a refresh token spent and not stored is never presented again', () => {
  it('the lock stays over the spent token: the next run fails without presenting it; a new token takes over', async () => {
    fx.github.injectFault(
      { method: 'PUT', path: /WIZARD_REFRESH_TOKEN$/ },
      { kind: 'status', status: 500 },
      1000
    )
    const lost = await runOnce({ 'max-attempts': '1', 'refresh-token-write-timeout': '1s' })
    expect(lost.report).toMatchObject({ status: 'failed', errorKind: 'store' })
    expect(variables().WIZARD_ROTATION_LOCK).toContain('"spent"')
    const grants = fx.oauth.tokenRequests

    const again = await runOnce()
    expect(again.report).toMatchObject({ status: 'failed', errorKind: 'store' })
    expect(again.seen.failed).toContain('The refresh token this job holds was spent by')
    expect(fx.oauth.tokenRequests).toBe(grants)

    // A person signs in again and stores a new refresh token.
    const fresh = await fx.oauth.mintRefreshToken()
    fx.github.setSecret(fx.repo, 'WIZARD_REFRESH_TOKEN', fresh)
    fx.github.clearFaults()
    const recovered = await runOnce({ 'refresh-token': fresh })
    expect(recovered.report.status).toBe('rotated')
    expect(recovered.seen.lines.join('\n')).toContain('over a refresh token it spent and could not replace')
    expect(variables().WIZARD_ROTATION_LOCK).toBeUndefined()
  })
})

describe('run(): a cancel', () => {
  it('before the grant: stops without sending it, and gives the lock back', async () => {
    const { stops, report } = await runOnce(
      {},
      {
        deps: {
          createTokenPoster: () => async () => {
            throw new Error('the grant must not be sent')
          }
        },
        cancel: (cancellation) => {
          // The cancel lands while the preflight's requests are out.
          setTimeout(() => cancellation.request('SIGINT'), 1)
        }
      }
    )
    expect(report).toMatchObject({ status: 'cancelled', errorKind: 'cancelled' })
    expect(fx.oauth.tokenRequests).toBe(0)
    await sleep(50)
    expect(stops).toEqual(['The run was cancelled before the grant was sent: nothing was spent or written.'])
    expect(variables().WIZARD_ROTATION_LOCK).toBeUndefined()
    expect(await fx.oauth.isRefreshTokenLive(fx.initialRefreshToken)).toBe(true)
  })

  it('while the lock is being taken: the lock it took is given back', async () => {
    const { report } = await runOnce(
      {},
      {
        deps: {
          createTokenPoster: () => async () => {
            throw new Error('the grant must not be sent')
          }
        },
        cancel: (cancellation) => void cancellation.request('SIGINT')
      }
    )
    expect(report.status).toBe('cancelled')
    await sleep(100)
    expect(variables().WIZARD_ROTATION_LOCK).toBeUndefined()
    expect(fx.oauth.tokenRequests).toBe(0)
  })

  it('after the grant was sent: finishes the refresh-token write first, and says so', async () => {
    let cancel: Cancellation | undefined
    const { report, seen, stops } = await runOnce(
      {},
      {
        cancel: (cancellation) => (cancel = cancellation),
        deps: {
          createTokenPoster: (options) => {
            const post = createTokenPoster(options)
            return async (request) => {
              const answer = post(request)
              cancel?.request('SIGINT')
              const result = await answer
              cancel?.request('SIGTERM')
              return result
            }
          }
        }
      }
    )
    expect(report.status).toBe('rotated')
    expect(stops).toEqual([])
    expect(seen.lines.join('\n')).toContain(
      'warning: SIGINT received after the grant was sent: finishing the one write that cannot be redone'
    )
    expect(await fx.oauth.isRefreshTokenLive(stored().WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
  })
})

describe('run(): one grant per refresh token', () => {
  it('a grant queued at the server past request-timeout is waited for, never sent twice', async () => {
    fx.oauth.injectFault({ kind: 'queue', delayMs: 1500 })
    const { report, seen } = await runOnce({ 'request-timeout': '1s' })
    expect(report.status).toBe('rotated')
    expect(fx.oauth.tokenRequests).toBe(1)
    expect(fx.oauth.grantsReachedProvider).toBe(1)
    expect(seen.lines.join('\n')).toContain(
      'warning: No answer to the grant after 1 s (request-timeout). Waiting for it'
    )
    expect(await fx.oauth.isRefreshTokenLive(stored().WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
  })

  it('a grant processed at once and answered after request-timeout: stored, one grant', async () => {
    fx.oauth.injectFault({ kind: 'slow-answer', delayMs: 1500 })
    const { report } = await runOnce({ 'request-timeout': '1s' })
    expect(report.status).toBe('rotated')
    expect(fx.oauth.tokenRequests).toBe(1)
    expect(await fx.oauth.isRefreshTokenLive(stored().WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
  })

  it('no answer at all: the outcome is unknown, the grant is not sent again, nothing is written', async () => {
    fx.oauth.injectFault({ kind: 'hang' })
    const started = Date.now()
    const { report, seen } = await runOnce({ 'request-timeout': '1s' })
    expect(report).toMatchObject({ status: 'failed', errorKind: 'unknown' })
    expect(Date.now() - started).toBeGreaterThanOrEqual(10_000)
    expect(fx.oauth.tokenRequests).toBe(1)
    expect(seen.failed).toContain('whether the server rotated the refresh token cannot be told')
    expect(stored().WIZARD_REFRESH_TOKEN).toBe(fx.initialRefreshToken)
    // The hung request never reached the provider: the next run rotates with the stored token.
    expect((await runOnce()).report.status).toBe('rotated')
  }, 30_000)

  it('a connection refused before anything was sent is retried at once', async () => {
    const { report } = await runOnce(
      {},
      {
        deps: {
          createTokenPoster: (options) => {
            const post = createTokenPoster(options)
            let calls = 0
            return async (request) => {
              if (calls++ === 0)
                throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })
              return post(request)
            }
          }
        }
      }
    )
    expect(report.status).toBe('rotated')
    expect(fx.oauth.tokenRequests).toBe(1)
  })

  it('a connection lost after sending: sent again only once request-timeout has passed since the first', async () => {
    fx.oauth.injectFault({ kind: 'reset' })
    const started = Date.now()
    const { report } = await runOnce({ 'request-timeout': '1s' })
    expect(report.status).toBe('rotated')
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
    expect(fx.oauth.tokenRequests).toBe(2)
  })
})

describe('run(): every rotation moves the marker a queued run compares', () => {
  const guarded = () => ({
    'expires-at-variable': 'WIZARD_EXPIRES_AT',
    'expires-at': variables().WIZARD_EXPIRES_AT ?? ''
  })

  it.each<[string, (json: Record<string, unknown>) => Record<string, unknown>]>([
    ['an unusable answer (no access token)', ({ access_token: _, ...rest }) => rest],
    ['an answer without an expiry', ({ expires_in: _, ...rest }) => rest],
    ['an absurd expires_in (1e13)', (json) => ({ ...json, expires_in: 1e13 })],
    ['an expires_in of 2^53-1', (json) => ({ ...json, expires_in: Number.MAX_SAFE_INTEGER })]
  ])(
    '%s: the new refresh token is stored, the marker moves, and a run queued behind skips',
    async (_case, transform) => {
      await runOnce(guarded()) // a first full rotation creates the marker
      const queuedSaw = guarded()
      const queuedToken = stored().WIZARD_REFRESH_TOKEN ?? ''
      fx.oauth.injectFault({ kind: 'transform', transform })
      const partial = await runOnce(guarded())
      expect(partial.report).toMatchObject({
        status: 'failed',
        errorKind: 'response',
        refreshTokenRotated: true
      })
      const saved = stored().WIZARD_REFRESH_TOKEN ?? ''
      expect(saved).not.toBe(queuedToken)
      expect(variables().WIZARD_EXPIRES_AT).not.toBe(queuedSaw['expires-at'])
      expect(partial.seen.failed).not.toMatch(/RangeError|at \w+ \(/)
      const queued = await runOnce({ ...queuedSaw, 'refresh-token': queuedToken })
      expect(queued.report.status).toBe('skipped-stale')
      expect(await fx.oauth.isRefreshTokenLive(saved)).toBe(true)
    }
  )
})
