/**
 * The bundle, run the way the runner runs it, under node24 (the runtime action.yml names), only for what a
 * process alone shows: the runner's file commands and masks, the runner's signals and a real SIGKILL, the
 * lazy libsodium chunk, and proxies. Every other behaviour is proven in-process (__tests__/scenarios).
 * Signals hit their phase by construction: the stand-ins tell the test when a request arrives.
 */
import type { ChildProcess } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import {
  exposedByRun,
  JOB_TOKEN,
  leakedValues,
  PAT,
  startFixture,
  type Fixture
} from '../../harness/fixture.js'
import { startForwardProxy, type ForwardProxy } from '../../harness/proxy.js'
import { freshBundle } from '../../harness/fresh-bundle.mjs'
import { NODE24, NODE24_AVAILABLE } from '../../harness/runtimes.js'
import { selfSignedCertificate } from '../../harness/tls.js'
import { fingerprint } from '../../src/lease/fingerprint.js'
import { withRecoveryKey } from '../support/recovery-key.js'

const describeNode24 = NODE24_AVAILABLE ? describe : describe.skip

/** A bundle of the current src/, built here (never a stale dist/), while the other suites run on the other worker. */
let entries: { action: string; check: string }
beforeAll(async () => {
  entries = await freshBundle()
}, 180_000)

it('has the node24 runtime that action.yml names (npm test installs it: node harness/ensure-node24.mjs)', () => {
  if (!NODE24_AVAILABLE) return
  expect(existsSync(NODE24)).toBe(true)
  expect(execFileSync(NODE24, ['--version'], { encoding: 'utf8' })).toMatch(/^v24\./)
})

describeNode24('the bundle under node24', () => {
  let fx: Fixture
  beforeEach(async () => {
    fx = await startFixture()
  })
  afterEach(async () => fx.close())

  it('rotates through the runner’s file commands: outputs, summary, masks; exit 0; no value in any output', async () => {
    const seeded = fx.initialRefreshToken
    const result = await fx.run(
      { 'client-secret': '' },
      {
        node: NODE24,
        entry: entries.action,
        env: {
          GITHUB_SERVER_URL: 'https://github.example',
          GITHUB_RUN_ID: '4242',
          GITHUB_RUN_ATTEMPT: '2',
          GITHUB_WORKFLOW: 'Refresh OAuth token',
          GITHUB_WORKFLOW_REF: 'octo/widgets/.github/workflows/refresh-oauth-token.yml@refs/heads/main'
        }
      }
    )
    expect(result.exitCode).toBe(0)
    // The claim names its run for a person reading it.
    const claim = JSON.parse(
      fx.github.variables(fx.repo.repository)[`WIZARD_CLAIM_${fingerprint(seeded)}`] ?? '{}'
    )
    expect(claim.holder).toBe('workflow "Refresh OAuth token" run 4242 attempt 2')
    const stored = fx.github.secrets(fx.repo)
    expect(await fx.oauth.isRefreshTokenLive(stored.WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
    expect(fx.oauth.presented).toEqual([seeded])
    expect(result.outputs).toMatchObject({
      status: 'rotated',
      healthy: 'true',
      'refresh-token-rotated': 'true'
    })
    expect(result.outputs['access-token']).toBe(stored.WIZARD_OAUTH_TOKEN)
    expect(result.summary).toContain('Healthy: the stored access token is valid until')
    for (const value of [seeded, PAT, JOB_TOKEN, stored.WIZARD_REFRESH_TOKEN, stored.WIZARD_OAUTH_TOKEN])
      expect(result.masked).toContain(value)
    expect(
      leakedValues(exposedByRun(result), [
        seeded,
        PAT,
        JOB_TOKEN,
        stored.WIZARD_REFRESH_TOKEN,
        stored.WIZARD_OAUTH_TOKEN
      ])
    ).toEqual([])
  })

  it('loads libsodium lazily, from its own chunk: without it, bad input is still reported, and a rotation stops before the grant', async () => {
    const work = await mkdtemp(join(tmpdir(), 'bundle-'))
    try {
      await cp(dirname(entries.action), work, { recursive: true })
      const chunks = (await readdir(work)).filter((file) => /^\d+\.index\.js$/.test(file))
      expect(chunks.length).toBeGreaterThan(0)
      for (const chunk of chunks) await rm(join(work, chunk))
      const entry = join(work, 'index.js')
      const bad = await fx.run({ zone: 'mars', 'token-url': '' }, { node: NODE24, entry })
      expect(bad.outputs['error-kind']).toBe('input')
      const run = await fx.run({}, { node: NODE24, entry })
      expect(run.exitCode).toBe(1)
      expect(run.outputs['error-kind']).toBe('preflight')
      expect(fx.oauth.presented).toEqual([])
    } finally {
      await rm(work, { recursive: true, force: true })
    }
  })

  describe('the runner’s cancel', () => {
    /** SIGINT now, SIGTERM and SIGKILL after the runner's gaps (shortened; their order is what matters). */
    function cancel(child: ChildProcess, gaps = { sigterm: 400, sigkill: 400 }): void {
      child.kill('SIGINT')
      setTimeout(() => child.exitCode === null && child.kill('SIGTERM'), gaps.sigterm)
      setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), gaps.sigterm + gaps.sigkill)
    }

    it('before the grant, while the claim is being created: ends cancelled before SIGKILL, the claim given back, nothing spent', async () => {
      let child: ChildProcess | undefined
      fx.github.injectFault({ method: 'POST', body: /_CLAIM_/ }, { kind: 'delay', ms: 300 })
      fx.github.onRequest((request, body) => {
        if (request.method === 'POST' && body.includes('_CLAIM_') && child)
          cancel(child, { sigterm: 800, sigkill: 3000 })
      })
      const result = await fx.run(
        {},
        { node: NODE24, entry: entries.action, onSpawn: (spawned) => (child = spawned) }
      )
      expect(result.signal).toBeNull()
      expect(result.exitCode).toBe(1)
      expect(result.outputs).toMatchObject({ status: 'cancelled', 'error-kind': 'cancelled' })
      expect(fx.oauth.presented).toEqual([])
      expect(
        Object.keys(fx.github.variables(fx.repo.repository)).filter((n) => n.includes('_CLAIM_'))
      ).toEqual([])
    })

    it('while the grant is out: waits for the answer, stores the new refresh token, exits', async () => {
      let child: ChildProcess | undefined
      fx.oauth.injectFault({ kind: 'slow-answer', delayMs: 300 })
      fx.oauth.onTokenRequest(() => child && cancel(child, { sigterm: 5000, sigkill: 5000 }))
      const result = await fx.run(
        {},
        { node: NODE24, entry: entries.action, onSpawn: (spawned) => (child = spawned) }
      )
      expect(result.signal).toBeNull()
      expect(result.outputs.status).toBe('rotated')
      expect(await fx.oauth.isRefreshTokenLive(fx.storedRefreshToken())).toBe(true)
    })

    it('with the successor in hand and its write hanging, killed: the recovery line came first and opens to a live token; the claim says received', async () => {
      await withRecoveryKey(async (keys) => {
        let child: ChildProcess | undefined
        const held = fx.initialRefreshToken
        fx.github.injectFault({ method: 'PUT', path: /\/secrets\/WIZARD_REFRESH_TOKEN$/ }, { kind: 'hang' })
        fx.github.onRequest((request) => {
          if (request.method === 'PUT' && request.path.endsWith('/secrets/WIZARD_REFRESH_TOKEN') && child)
            cancel(child)
        })
        const result = await fx.run(
          { 'recovery-public-key': keys.publicKey },
          { node: NODE24, entry: entries.action, onSpawn: (spawned) => (child = spawned) }
        )
        expect(result.signal).toBe('SIGKILL')
        const sealed = /sealed to recovery-public-key: (\S+)/.exec(result.stdout)?.[1] ?? ''
        const opened = await keys.open(sealed)
        expect(await fx.oauth.isRefreshTokenLive(opened)).toBe(true)
        expect(leakedValues(exposedByRun(result), [opened, held])).toEqual([])
        const claim = JSON.parse(
          fx.github.variables(fx.repo.repository)[`WIZARD_CLAIM_${fingerprint(held)}`] ?? '{}'
        )
        expect(claim).toMatchObject({ state: 'received', next: fingerprint(opened) })
        // What the kill left behind holds: the next run never presents the spent token. It waits for the
        // claim's holder (which cannot finish: it was killed), and a cancel ends that wait at once.
        fx.github.clearFaults()
        let next: ChildProcess | undefined
        const claimName = `WIZARD_CLAIM_${fingerprint(held)}`
        fx.github.onRequest((request) => {
          if (request.method === 'GET' && request.path.endsWith(`/variables/${claimName}`) && next)
            cancel(next, { sigterm: 7500, sigkill: 2500 })
        })
        const waited = await fx.run(
          { 'refresh-token': held },
          { node: NODE24, entry: entries.action, onSpawn: (spawned) => (next = spawned) }
        )
        expect(waited.signal).toBeNull()
        expect(waited.outputs).toMatchObject({ status: 'cancelled', 'error-kind': 'cancelled' })
        // Ended by the SIGINT itself, at the wait's next second, not by the SIGTERM the runner sends 7.5 s on.
        expect(waited.stdout).toMatch(/SIGINT received/)
        expect(waited.stdout).not.toMatch(/SIGTERM received/)
        expect(fx.oauth.presented).toEqual([held])
      })
    })
  })
})

/**
 * The runner's proxy variables, honoured by @actions/http-client (the grant) and by @actions/github's fetch
 * (every GitHub call). Both go direct to a loopback host, so the action is given names under `.proxied.test`:
 * only the test proxy knows them (it maps them to 127.0.0.1 and refuses every other host), so a request
 * reaches its server only through the proxy, and nothing leaves this machine or asks DNS. Non-loopback hosts
 * must be https, so both servers serve TLS with a certificate for those names (NODE_EXTRA_CA_CERTS).
 */
const OAUTH_HOST = 'oauth.proxied.test'
const GITHUB_HOST = 'github.proxied.test'

describeNode24('behind a proxy, under node24', () => {
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

  const named = (url: string, hostname: string) => {
    const renamed = new URL(url)
    renamed.hostname = hostname
    return renamed.href.replace(/\/$/, '')
  }
  const port = (url: string) => new URL(url).port
  const runByName = (env: Record<string, string>) => {
    const apiUrl = named(fixture.github.url, GITHUB_HOST)
    return fixture.run(
      { 'token-url': named(fixture.oauth.tokenUrl, OAUTH_HOST), 'github-api-url': apiUrl },
      {
        node: NODE24,
        entry: entries.action,
        env: { GITHUB_API_URL: apiUrl, NODE_EXTRA_CA_CERTS: certFile, ...env }
      }
    )
  }

  it('sends the grant and every GitHub call through HTTPS_PROXY as CONNECT tunnels, verifies the certificates, and rotates', async () => {
    const result = await runByName({ HTTPS_PROXY: proxy.url })
    expect(result.exitCode).toBe(0)
    expect(await fixture.oauth.isRefreshTokenLive(fixture.storedRefreshToken())).toBe(true)
    const oauthTunnel = `CONNECT ${OAUTH_HOST}:${port(fixture.oauth.url)}`
    const githubTunnel = `CONNECT ${GITHUB_HOST}:${port(fixture.github.url)}`
    expect(proxy.seen).toContain(oauthTunnel)
    expect(proxy.seen).toContain(githubTunnel)
    expect(proxy.seen.filter((line) => line !== oauthTunnel && line !== githubTunnel)).toEqual([])
    expect(proxy.refused).toEqual([])
  })

  it('masks the proxy password and keeps it out of every message when the proxy cannot be reached; nothing spent', async () => {
    const closed = await startForwardProxy()
    await closed.close()
    const password = 'pr0xy-s3cret'
    // GitHub cannot be reached through it, and the run would retry for minutes: once it has said so (with the
    // proxy's error), the runner's cancel ends it, as it would any run.
    const apiUrl = named(fixture.github.url, GITHUB_HOST)
    const result = await fixture.run(
      { 'token-url': named(fixture.oauth.tokenUrl, OAUTH_HOST), 'github-api-url': apiUrl },
      {
        node: NODE24,
        entry: entries.action,
        env: {
          GITHUB_API_URL: apiUrl,
          NODE_EXTRA_CA_CERTS: certFile,
          HTTPS_PROXY: `http://robot:${password}@${new URL(closed.url).host}`
        },
        onSpawn: (child) => {
          let said = false
          child.stdout?.on('data', (chunk: Buffer) => {
            if (said || !/trying again/.test(chunk.toString())) return
            said = true
            child.kill('SIGINT')
            setTimeout(() => child.exitCode === null && child.kill('SIGTERM'), 300)
          })
        }
      }
    )
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/trying again/)
    expect(result.outputs['error-kind']).toBe('cancelled')
    expect(result.masked).toContain(password)
    expect(leakedValues(exposedByRun(result), [password])).toEqual([])
    expect(fixture.oauth.tokenRequests).toBe(0)
    expect(await fixture.oauth.isRefreshTokenLive(fixture.initialRefreshToken)).toBe(true)
  })
})

describeNode24('the check action’s bundle under node24', () => {
  const runCheck = async (inputs: Record<string, string>) => {
    const { runAction } = await import('../../harness/run-action.js')
    return runAction({ inputs, node: NODE24, entry: entries.check, actionFile: 'check/action.yml' })
  }

  it('healthy: exit 0 and the outputs, with no token and no request at all', async () => {
    const result = await runCheck({ 'expires-at': new Date(Date.now() + 3600_000).toISOString() })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.healthy).toBe('true')
    expect(Number(result.outputs['expires-in'])).toBeGreaterThan(3500)
  })

  it('too little left: the step fails with the reason', async () => {
    const result = await runCheck({
      'expires-at': new Date(Date.now() + 60_000).toISOString(),
      'valid-for': '30m'
    })
    expect(result.exitCode).toBe(1)
    expect(result.outputs.healthy).toBe('false')
    expect(result.stdout).toMatch(
      /::error::The stored access token expires at .* less than valid-for \(30m\)/
    )
  })

  it('an hour left, but the next rotation due at 45 minutes left: a 30-minute job is told to wait for it', async () => {
    const result = await runCheck({
      'expires-at': new Date(Date.now() + 3600_000).toISOString(),
      'valid-for': '30m',
      'rotation-skip-if-valid-for': '45m'
    })
    expect(result.exitCode).toBe(1)
    expect(result.outputs.healthy).toBe('false')
    expect(result.stdout).toMatch(/::error::.*Start the job after the next rotation/)
  })
})
