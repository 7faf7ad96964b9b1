/**
 * End to end: the committed dist/index.js, run as the runner runs it, against a real OAuth server
 * (oidc-provider, rotation on) and a GitHub stand-in that opens every sealed secret with libsodium.
 * Each scenario states what is left behind.
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { existsSync } from 'node:fs'
import { ENVIRONMENT, leakedValues, PAT, startFixture, type Fixture } from '../../harness/fixture.js'
import type { RequestRecord } from '../../harness/github-server.js'
import { sequentialRoundTrips } from '../../bench/timeline.js'
import { startForwardProxy, type ForwardProxy } from '../../harness/proxy.js'
import { NODE24 as node24, NODE24_AVAILABLE, RUNTIMES as runtimes } from '../../harness/runtimes.js'
import { selfSignedCertificate } from '../../harness/tls.js'
import { useFixturePerTest } from '../support/fixture-per-test.js'

it('has the node24 runtime that action.yml names (npm test installs it: node harness/ensure-node24.mjs)', () => {
  expect(existsSync(node24)).toBe(true)
  expect(execFileSync(node24, ['--version'], { encoding: 'utf8' })).toMatch(/^v24\./)
})

describe.each(runtimes)('dist/index.js under %s', (_name, node) => {
  const { fx, run } = useFixturePerTest(node)

  it('exchanges the stored refresh token and rotates every secret with live values and the real expiry', async () => {
    const before = fx().initialRefreshToken
    const result = await run()

    expect(result.exitCode).toBe(0)
    const stored = fx().github.secrets(fx().repo)
    const refresh = stored.WIZARD_REFRESH_TOKEN ?? ''
    const access = stored.WIZARD_OAUTH_TOKEN ?? ''
    expect(refresh).not.toBe(before)
    expect(await fx().oauth.isRefreshTokenLive(refresh)).toBe(true)
    expect(await fx().oauth.isRefreshTokenLive(before)).toBe(false)
    expect(await fx().oauth.isAccessTokenLive(access)).toBe(true)
    expect(fx().oauth.grantsReachedProvider).toBe(1)

    // The stored expiry is the server's lifetime counted from the send time: never later than the truth.
    const serverLeft = (await fx().oauth.accessTokenExpiresIn(access)) ?? NaN
    const storedLeft = (Date.parse(stored.WIZARD_EXPIRES_AT ?? '') - Date.now()) / 1000
    expect(storedLeft).toBeLessThanOrEqual(serverLeft + 1)
    expect(storedLeft).toBeGreaterThan(serverLeft - 5)

    expect(result.outputs).toMatchObject({
      status: 'rotated',
      'access-token': access,
      'expires-at': stored.WIZARD_EXPIRES_AT,
      'refresh-token-rotated': 'true',
      'error-kind': ''
    })
    // The refresh token first; the access token and the expiry go out together after it, so they are listed
    // in the order GitHub answered them.
    const [first, ...rest] = (result.outputs['secrets-written'] ?? '').split(',')
    expect(first).toBe('WIZARD_REFRESH_TOKEN')
    expect(rest.sort()).toEqual(['WIZARD_EXPIRES_AT', 'WIZARD_OAUTH_TOKEN'])
    // The lock was taken and given back.
    expect(fx().github.variables(fx().repo.repository)).toEqual({})
    expect(Number(result.outputs['expires-in'])).toBe(3600)
    // Every new value was masked, and none reached the log, the summary or another output.
    expect(result.masked).toEqual(expect.arrayContaining([before, PAT, refresh, access]))
    expect(leakedValues(result, [before, PAT, refresh, access])).toEqual([])
    expect(result.summary).toContain('WIZARD_REFRESH_TOKEN')
    expect(result.summary).toContain(stored.WIZARD_EXPIRES_AT)
  })

  it('proves it can write before the grant, then writes the refresh token first and the rest after it', async () => {
    for (let round = 0; round < 2; round++) {
      const seen = fx().github.requests.length
      const grants = fx().oauth.tokenRequestLog.length
      expect((await run()).exitCode).toBe(0)
      const requests = fx().github.requests.slice(seen)
      const puts = requests.filter((r) => r.method === 'PUT')
      // Every run, the first one and the next (the check secret exists then): a value sealed with the key the
      // run uses is written and accepted before the grant; nothing is deleted and put back.
      expect(puts.map((r) => r.path.split('/').pop()).slice(0, 2)).toEqual([
        'WIZARD_WRITE_CHECK',
        'WIZARD_REFRESH_TOKEN'
      ])
      expect(puts[0]?.status).toBe(round === 0 ? 201 : 204)
      expect(puts[0]?.endedAt).toBeLessThanOrEqual(fx().oauth.tokenRequestLog[grants]?.startedAt ?? 0)
      expect(
        puts
          .slice(2)
          .map((r) => r.path.split('/').pop())
          .sort()
      ).toEqual(['WIZARD_EXPIRES_AT', 'WIZARD_OAUTH_TOKEN'])
      expect(requests.filter((r) => r.method === 'DELETE').map((r) => r.path.split('/').pop())).toEqual([
        'WIZARD_ROTATION_LOCK'
      ])
      // One public-key read serves the preflight and every seal.
      expect(requests.filter((r) => r.path.endsWith('/public-key'))).toHaveLength(1)
      expect(fx().github.secrets(fx().repo).WIZARD_WRITE_CHECK).toMatch(/^write checked at \d{4}-/)
    }
  })

  it('rotates again on the next run with the token the last run stored (the hourly chain)', async () => {
    expect((await run()).exitCode).toBe(0)
    expect((await run()).exitCode).toBe(0)
    expect(
      await fx().oauth.isRefreshTokenLive(fx().github.secrets(fx().repo).WIZARD_REFRESH_TOKEN ?? '')
    ).toBe(true)
    expect(fx().oauth.grantsReachedProvider).toBe(2)
  })

  it("authenticates a confidential client with Basic and writes an environment's secrets, id token included", async () => {
    const env = { repository: fx().repo.repository, environment: ENVIRONMENT }
    const before = fx().initialRefreshToken
    const result = await run({
      'client-id': fx().oauth.confidentialClient.id,
      'client-secret': fx().oauth.confidentialClient.secret,
      'refresh-token': await fx().oauth.mintRefreshToken({ clientId: fx().oauth.confidentialClient.id }),
      environment: ENVIRONMENT,
      'id-token-secret': 'WIZARD_ID_TOKEN',
      'access-token-secret': 'CI_ACCESS',
      'refresh-token-secret': 'CI_REFRESH',
      'expires-at-secret': ''
    })
    expect(result.exitCode).toBe(0)
    const stored = fx().github.secrets(env)
    expect(Object.keys(stored).sort()).toEqual([
      'CI_ACCESS',
      'CI_REFRESH',
      'WIZARD_ID_TOKEN',
      'WIZARD_WRITE_CHECK'
    ])
    expect(await fx().oauth.isRefreshTokenLive(stored.CI_REFRESH ?? '')).toBe(true)
    expect(stored.WIZARD_ID_TOKEN?.split('.')).toHaveLength(3)
    // The repository's own secrets are untouched.
    expect(fx().github.secrets(fx().repo)).toEqual({ WIZARD_REFRESH_TOKEN: before })
    expect(fx().github.secrets(env).WIZARD_WRITE_CHECK).toBeDefined()
    expect(result.masked).toContain(fx().oauth.confidentialClient.secret)
    expect(
      leakedValues(result, [fx().oauth.confidentialClient.secret, stored.CI_REFRESH, stored.WIZARD_ID_TOKEN])
    ).toEqual([])
  })

  it('keeps the stored refresh token when the server does not issue a new one', async () => {
    fx().oauth.injectFault({
      kind: 'transform',
      transform: ({ refresh_token: _, ...rest }: Record<string, unknown>) => rest
    })
    const result = await run()
    expect(result.exitCode).toBe(0)
    expect(result.outputs['refresh-token-rotated']).toBe('false')
    expect(result.outputs['secrets-written']).toBe('WIZARD_OAUTH_TOKEN,WIZARD_EXPIRES_AT')
    expect(fx().github.secrets(fx().repo).WIZARD_REFRESH_TOKEN).toBe(fx().initialRefreshToken)
    // oidc-provider always rotates, so here the kept token is spent; against a server that does not
    // rotate it would still be live. What matters is that nothing overwrote it with nothing.
  })

  it('never makes up an expiry: without expires_in or a JWT exp it stores the tokens and fails', async () => {
    fx().oauth.injectFault({
      kind: 'transform',
      transform: ({ expires_in: _, ...rest }: Record<string, unknown>) => rest
    })
    const result = await run()
    expect(result.exitCode).toBe(1)
    expect(result.outputs['error-kind']).toBe('response')
    const stored = fx().github.secrets(fx().repo)
    expect(stored.WIZARD_EXPIRES_AT).toBeUndefined()
    expect(await fx().oauth.isRefreshTokenLive(stored.WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
    expect(result.stdout).toMatch(/no usable expires_in .* the expiry was not written rather than guessed/)
  })

  it('refuses bad input before any network call', async () => {
    const result = await run({ zone: 'mars', 'token-url': '' })
    expect(result.exitCode).toBe(1)
    expect(result.outputs['error-kind']).toBe('input')
    expect(result.stdout).toContain('Input "zone" (got "mars") must be one of: us, eu.')
    expect(fx().oauth.tokenRequests).toBe(0)
    expect(fx().github.requests).toHaveLength(0)
  })

  it('stops before spending the refresh token when the PAT can read the key but not write secrets', async () => {
    // It can take the lock (variables), so it is the sealed write check that stops it.
    fx().github.addToken('read-only-pat', { canWriteSecrets: false, canWriteVariables: true })
    const result = await run({ 'github-token': 'read-only-pat' })
    expect(result.exitCode).toBe(1)
    expect(result.outputs['error-kind']).toBe('preflight')
    expect(result.stdout).toMatch(
      /cannot write secrets on octo\/widgets .*403.*Nothing was changed and the refresh token was not used/
    )
    expect(fx().oauth.tokenRequests).toBe(0)
    expect(fx().github.secrets(fx().repo)).toEqual({ WIZARD_REFRESH_TOKEN: fx().initialRefreshToken })
    expect(await fx().oauth.isRefreshTokenLive(fx().initialRefreshToken)).toBe(true)
    // The lock it took is given back on the way out.
    expect(fx().github.variables(fx().repo.repository)).toEqual({})
  })

  it('stops before spending the refresh token when the PAT can write secrets but not variables (the lock)', async () => {
    fx().github.addToken('secrets-only-pat', { canWriteSecrets: true, canWriteVariables: false })
    const result = await run({ 'github-token': 'secrets-only-pat' })
    expect(result.exitCode).toBe(1)
    expect(result.outputs['error-kind']).toBe('preflight')
    expect(result.stdout).toMatch(
      /cannot take the lock variable WIZARD_ROTATION_LOCK on octo\/widgets .*403.*"Variables: read and write".*Nothing was changed and the refresh token was not used/
    )
    expect(fx().oauth.tokenRequests).toBe(0)
    expect(await fx().oauth.isRefreshTokenLive(fx().initialRefreshToken)).toBe(true)
  })

  it('stops before spending the refresh token when the PAT is expired, and says where to renew it', async () => {
    fx().github.addToken('expired-pat', { expired: true })
    const result = await run({ 'github-token': 'expired-pat' })
    expect(result.exitCode).toBe(1)
    expect(result.outputs['error-kind']).toBe('preflight')
    expect(result.stdout).toMatch(
      /The writer token is expired or revoked \(GitHub answered 401: Bad credentials\)\. Nothing was changed and the refresh token was not used/
    )
    expect(result.stdout).toContain('gh secret set WIZARD_SECRET_REFRESH_PAT --repo octo/widgets')
    expect(fx().oauth.tokenRequests).toBe(0)
    expect(await fx().oauth.isRefreshTokenLive(fx().initialRefreshToken)).toBe(true)
  })

  it('fails terminally with the re-bootstrap commands when the refresh token was revoked', async () => {
    const spent = fx().initialRefreshToken
    expect((await run()).exitCode).toBe(0)
    const result = await run({ 'refresh-token': spent }) // a stale copy: presenting it revokes the family
    expect(result.exitCode).toBe(1)
    expect(result.outputs['error-kind']).toBe('terminal')
    expect(result.stdout).toContain('invalid_grant')
    expect(result.stdout).toContain('gh secret set WIZARD_REFRESH_TOKEN --repo octo/widgets')
    expect(fx().oauth.grantsReachedProvider).toBe(2) // no retry of a terminal answer
    expect(leakedValues(result, [spent])).toEqual([])
  })

  it('fails as transient, with nothing written, when the token endpoint refuses connections', async () => {
    const result = await run({ 'token-url': 'http://127.0.0.1:9/oauth2/token' })
    expect(result.exitCode).toBe(1)
    expect(result.outputs['error-kind']).toBe('transient')
    expect(result.stdout).toContain('the next scheduled run will retry')
    expect(result.stdout).toContain('4 attempts made') // the default bound
    const { WIZARD_WRITE_CHECK: _, ...stored } = fx().github.secrets(fx().repo)
    expect(stored).toEqual({ WIZARD_REFRESH_TOKEN: fx().initialRefreshToken })
    expect(await fx().oauth.isRefreshTokenLive(fx().initialRefreshToken)).toBe(true)
  })

  it('stores the new refresh token of an unusable answer before failing', async () => {
    fx().oauth.injectFault({
      kind: 'transform',
      transform: ({ access_token: _, ...rest }: Record<string, unknown>) => rest
    })
    const result = await run()
    expect(result.exitCode).toBe(1)
    expect(result.outputs['error-kind']).toBe('response')
    const stored = fx().github.secrets(fx().repo)
    expect(stored.WIZARD_REFRESH_TOKEN).not.toBe(fx().initialRefreshToken)
    expect(await fx().oauth.isRefreshTokenLive(stored.WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
  })
})

/**
 * The runner's proxy variables, honoured by @actions/http-client (the grant) and by @actions/github's fetch
 * (every GitHub call). Both always go direct to a loopback host, so the action is given names under
 * `.proxied.test` instead: only the test proxy knows them (it maps them to 127.0.0.1 and refuses every other
 * host), so a request reaches its server only through the proxy, and nothing leaves this machine or asks DNS.
 * Non-loopback hosts must be https (the input schema), so both servers serve TLS with a certificate for those
 * names, which the action trusts through NODE_EXTRA_CA_CERTS.
 *
 * NO_PROXY naming one of these hosts is not tested end to end: the action would then connect to that name
 * itself, which takes a real DNS lookup. Its matching is @actions/http-client's own (`checkBypass`).
 */
const OAUTH_HOST = 'oauth.proxied.test'
const GITHUB_HOST = 'github.proxied.test'
const describeUnderNode24 = NODE24_AVAILABLE ? describe : describe.skip
describeUnderNode24(
  `behind a proxy, to an OAuth server and a GitHub served over TLS as *.proxied.test (node24)${
    NODE24_AVAILABLE ? '' : ' [skipped: no node24 runtime here, see harness/ensure-node24.mjs]'
  }`,
  () => {
    let fixture: Fixture
    let proxy: ForwardProxy
    let work: string
    let certFile: string
    beforeEach(async () => {
      work = await mkdtemp(join(tmpdir(), 'tls-proxy-'))
      const certificate = await selfSignedCertificate(work, [OAUTH_HOST, GITHUB_HOST])
      certFile = certificate.certFile
      ;[fixture, proxy] = await Promise.all([
        startFixture({ tls: { key: certificate.key, cert: certificate.cert } }),
        startForwardProxy()
      ])
    })
    afterEach(async () => {
      await Promise.all([fixture.close(), proxy.close()])
      await rm(work, { recursive: true, force: true })
    })

    /** The same server under another host name (same port and path). */
    const named = (url: string, hostname: string) => {
      const renamed = new URL(url)
      renamed.hostname = hostname
      return renamed.href.replace(/\/$/, '')
    }
    const port = (url: string) => new URL(url).port
    /** A run that reaches both servers by their `.proxied.test` names. */
    const runByName = (env: Record<string, string>) => {
      const apiUrl = named(fixture.github.url, GITHUB_HOST)
      return fixture.run(
        { 'token-url': named(fixture.oauth.tokenUrl, OAUTH_HOST), 'github-api-url': apiUrl },
        { node: node24, env: { GITHUB_API_URL: apiUrl, NODE_EXTRA_CA_CERTS: certFile, ...env } }
      )
    }

    it('sends the grant and every GitHub call through HTTPS_PROXY as CONNECT tunnels, verifies the certificates, and rotates', async () => {
      const result = await runByName({ HTTPS_PROXY: proxy.url })
      expect(result.exitCode).toBe(0)
      const stored = fixture.github.secrets(fixture.repo)
      expect(stored.WIZARD_REFRESH_TOKEN).not.toBe(fixture.initialRefreshToken)
      expect(await fixture.oauth.isRefreshTokenLive(stored.WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
      expect(fixture.oauth.tokenRequests).toBe(1)
      expect(fixture.github.requests.length).toBeGreaterThan(0)
      // Only the proxy can reach these names, so every request the servers saw came through a tunnel.
      const oauthTunnel = `CONNECT ${OAUTH_HOST}:${port(fixture.oauth.url)}`
      const githubTunnel = `CONNECT ${GITHUB_HOST}:${port(fixture.github.url)}`
      expect(proxy.seen).toContain(oauthTunnel)
      expect(proxy.seen).toContain(githubTunnel)
      expect(proxy.seen.filter((line) => line !== oauthTunnel && line !== githubTunnel)).toEqual([])
      expect(proxy.refused).toEqual([])
    })

    it('spends nothing when the tunnelled certificate cannot be verified (no NODE_EXTRA_CA_CERTS)', async () => {
      const result = await runByName({ HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: '' })
      expect(result.exitCode).toBe(1)
      expect(result.stdout).toContain('self-signed certificate')
      expect(proxy.seen).toContain(`CONNECT ${GITHUB_HOST}:${port(fixture.github.url)}`)
      expect(fixture.github.requests).toEqual([])
      expect(fixture.oauth.tokenRequests).toBe(0)
      expect(await fixture.oauth.isRefreshTokenLive(fixture.initialRefreshToken)).toBe(true)
    })

    it('masks the proxy password and keeps it out of every message when the proxy cannot be reached', async () => {
      const closed = await startForwardProxy()
      await closed.close()
      const password = 'pr0xy-s3cret'
      const result = await runByName({ HTTPS_PROXY: `http://robot:${password}@${new URL(closed.url).host}` })
      expect(result.exitCode).toBe(1)
      // GitHub is unreachable, and it comes first: the write path is proved before the grant.
      expect(result.outputs['error-kind']).toBe('transient')
      expect(result.masked).toContain(password)
      expect(leakedValues(result, [password])).toEqual([])
      expect(fixture.oauth.tokenRequests).toBe(0)
      expect(fixture.github.requests).toEqual([])
      expect(await fixture.oauth.isRefreshTokenLive(fixture.initialRefreshToken)).toBe(true)
    })

    it('goes direct to loopback hosts even with HTTP_PROXY and HTTPS_PROXY set (the runner’s own rule, in @actions/http-client)', async () => {
      const result = await fixture.run(
        {},
        {
          node: node24,
          env: { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: certFile }
        }
      )
      expect(new URL(fixture.oauth.tokenUrl).hostname).toBe('127.0.0.1')
      expect(new URL(fixture.github.url).hostname).toBe('127.0.0.1')
      expect(result.exitCode).toBe(0)
      const stored = fixture.github.secrets(fixture.repo)
      expect(await fixture.oauth.isRefreshTokenLive(stored.WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
      expect(proxy.seen).toEqual([])
    })
  }
)

describe('the critical path (GitHub answering after 40 ms)', () => {
  let fixture: Fixture
  beforeEach(async () => {
    fixture = await startFixture({ github: { latencyMs: 40 } })
  })
  afterEach(async () => {
    await fixture.close()
  })

  it('takes five sequential round trips: key read ∥ lock, write check ∥ variable read, grant, refresh token ∥ marker, the rest ∥ lock release', async () => {
    const variable = 'WIZARD_EXPIRES_AT'
    const guarded = () => ({
      'expires-at-variable': variable,
      'expires-at': fixture.github.variables(fixture.repo.repository)[variable] ?? ''
    })
    // A first run creates the check secret and the variable: the second one is the hourly steady state.
    expect((await fixture.run(guarded(), { node: node24 })).exitCode).toBe(0)
    const seen = fixture.github.requests.length
    const grantsSeen = fixture.oauth.tokenRequestLog.length

    const result = await fixture.run(guarded(), { node: node24 })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.status).toBe('rotated')
    const grants = fixture.oauth.tokenRequestLog.slice(grantsSeen)
    expect(grants).toHaveLength(1)
    type Span = Pick<RequestRecord, 'method' | 'path' | 'startedAt' | 'endedAt'>
    const spans: Span[] = [
      ...fixture.github.requests.slice(seen),
      ...grants.map((grant) => ({ ...grant, method: 'POST', path: '/oauth2/token' }))
    ].sort((a, b) => a.startedAt - b.startedAt)
    const name = (r: Span) => `${r.method} ${r.path.split('/').pop()}`
    const rounds = [
      ['GET public-key', 'POST variables'], // the key read, the lock created
      ['GET WIZARD_EXPIRES_AT', 'PUT WIZARD_WRITE_CHECK'], // compare after lock; the sealed write proof
      ['POST token'], // the grant
      ['PATCH WIZARD_EXPIRES_AT', 'PUT WIZARD_REFRESH_TOKEN'], // the refresh token with the marker beside it
      ['DELETE WIZARD_ROTATION_LOCK', 'PUT WIZARD_EXPIRES_AT', 'PUT WIZARD_OAUTH_TOKEN'] // the rest, lock released
    ]
    expect(spans).toHaveLength(rounds.flat().length)
    let at = 0
    const grouped = rounds.map((round) => spans.slice(at, (at += round.length)))
    expect(grouped.map((round) => round.map(name).sort())).toEqual(rounds)
    grouped.forEach((round, i) => {
      // Each round goes out together (its requests overlap at GitHub), and only once the one before it was answered.
      const starts = round.map((r) => r.startedAt)
      const ends = round.map((r) => r.endedAt)
      expect(Math.max(...starts)).toBeLessThan(Math.min(...ends))
      const before = grouped[i - 1]
      if (before)
        expect(Math.min(...starts)).toBeGreaterThanOrEqual(Math.max(...before.map((r) => r.endedAt)))
    })
    expect(sequentialRoundTrips(spans)).toBe(5)
    // The check secret holds the time of this run's check; the lock is gone; the marker is the new expiry.
    expect(fixture.github.secrets(fixture.repo).WIZARD_WRITE_CHECK).toMatch(/^write checked at \d{4}-/)
    expect(fixture.github.variables(fixture.repo.repository)).toEqual({
      [variable]: result.outputs['expires-at']
    })
  })
})
