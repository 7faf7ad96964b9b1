/**
 * The grant under every fault a token endpoint behind a gateway shows: each ambiguous answer ends the run
 * `unknown`, never `transient`, with the token held; only answers that prove the grant never reached the
 * server's processing are retried. Each test states what is left behind.
 */
import { fingerprint } from '../../src/lease/fingerprint.js'
import { ANSWER_WINDOW_MS, UNKNOWN_HOLD_MS } from '../../src/timing.js'
import { CONCURRENT_REFRESH } from '../../harness/oauth-server.js'
import {
  expectChainAlive,
  expectOnePresentationPerToken,
  MINUTE,
  presentationsOf,
  useWorld
} from '../support/world.js'

const world = useWorld()

const claimOf = (w: ReturnType<typeof world>, token: string) =>
  JSON.parse(w.variables()[`WIZARD_CLAIM_${fingerprint(token)}`] ?? 'null') as Record<string, unknown> | null

describe('an ambiguous answer: the server rotated, or may have, and the answer is lost', () => {
  it.each([
    ['answered 502 after it rotated', { kind: 'rotate-then', then: 'status', status: 502 }],
    ['answered 500 after it rotated', { kind: 'rotate-then', then: 'status', status: 500 }],
    ['cut its answer short after it rotated', { kind: 'rotate-then', then: 'cut' }],
    ['grew its answer past 1 MiB after it rotated', { kind: 'rotate-then', then: 'oversize' }],
    ['dropped the connection after it rotated', { kind: 'drop-response' }]
  ] as const)(
    '%s: unknown, not sent again, the token held, the expiry pointed at the send; the run after the hold presents it once more',
    async (_, fault) => {
      const w = world()
      const held = w.fx.storedRefreshToken()
      w.fx.oauth.injectFault(fault)
      const run = await w.run()
      expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'unknown', phase: 'grant-out' })
      expect(w.fx.oauth.presented).toEqual([held])
      expect(w.stored().WIZARD_REFRESH_TOKEN).toBe(held)
      expect(w.stored().WIZARD_OAUTH_TOKEN).toBeUndefined()
      // Hydra revokes the old access token when it rotates: the stored expiry says so, never a stale "valid".
      const sentAt = new Date(w.fx.oauth.tokenRequestLog[0]!.startedAt).toISOString()
      expect(w.variables().WIZARD_EXPIRES_AT).toBe(sentAt)
      expect(w.stored().WIZARD_EXPIRES_AT).toBe(sentAt)
      expect(run.outputs.healthy).toBe('false')
      expect(claimOf(w, held)).toMatchObject({ state: 'unknown' })
      expect(run.failed).toMatch(/^\[unknown\] The grant was sent and no readable answer came/)
      expect(run.failed).toMatch(/The stored expiry says the send\./)

      // Within the hold: not presented, and red (the token may be dead; never green over it).
      await w.clock.advance(UNKNOWN_HOLD_MS - MINUTE)
      const early = await w.run()
      expect(early.outcome).toMatchObject({ status: 'failed', errorKind: 'unknown' })
      expect(early.log).toMatch(/held until/)
      expect(presentationsOf(w).get(held)).toBe(1)

      // After it: presented once more. The first did rotate, so the server revokes the family: red, and the
      // message says what that means. (A server with a rotation grace period would answer with a new pair.)
      await w.clock.advance(MINUTE)
      const second = await w.run()
      expect(presentationsOf(w).get(held)).toBe(2)
      expect(second.outcome).toMatchObject({ status: 'failed', errorKind: 'terminal' })
      expect(second.log).toMatch(/presents it once more/)

      // And never a third time.
      await w.clock.advance(UNKNOWN_HOLD_MS)
      const third = await w.run()
      expect(third.outcome).toMatchObject({ status: 'failed', errorKind: 'terminal' })
      expect(third.failed).toMatch(/It is never presented again/)
      expect(presentationsOf(w).get(held)).toBe(2)
    }
  )

  it('a request queued past the answer window and processed later: held, and nothing presents it while it may still land', async () => {
    const w = world()
    const held = w.fx.storedRefreshToken()
    w.fx.oauth.injectFault({ kind: 'queue', delayMs: ANSWER_WINDOW_MS + 3 * MINUTE })
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'unknown' })
    // A re-run right away, while the request still waits in the queue: held, red, not presented.
    const rerun = await w.run({ inputs: { 'refresh-token': held } })
    expect(rerun.outcome).toMatchObject({ status: 'failed', errorKind: 'unknown' })
    await w.clock.advance(4 * MINUTE)
    // The queued request was processed meanwhile: the server rotated, and nothing stored its answer.
    expect(w.fx.oauth.grantsReachedProvider).toBe(1)
    expect(presentationsOf(w).get(held)).toBe(1)
  })

  it('a request the server never processed (a gateway that hung): after the hold, the one more presentation rotates; chain alive', async () => {
    const w = world()
    const held = w.fx.storedRefreshToken()
    w.fx.oauth.injectFault({ kind: 'hang' })
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'unknown' })
    expect(w.fx.oauth.grantsReachedProvider).toBe(0)
    await w.clock.advance(UNKNOWN_HOLD_MS)
    const second = await w.run()
    expect(second.outcome.status).toBe('rotated')
    expect(presentationsOf(w).get(held)).toBe(2)
    await expectChainAlive(w)
    // The token after it is back to one presentation each.
    await w.clock.advance(MINUTE)
    expect((await w.run()).outcome.status).toBe('rotated')
  })
})

describe("Hydra's answer to a concurrent refresh of one token", () => {
  it.each([
    ['in the description', CONCURRENT_REFRESH.description],
    ['in error_hint (legacy error fields)', CONCURRENT_REFRESH.hint]
  ])(
    '%s: concurrent, not sent again, the token held; the advice names the other user of the token',
    async (_, body) => {
      const w = world()
      const held = w.fx.storedRefreshToken()
      w.fx.oauth.injectFault({ kind: 'status', status: 400, body })
      const run = await w.run()
      expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'concurrent' })
      expect(run.failed).toMatch(/another workflow, a second schedule, a fork, or a local session/)
      expect(presentationsOf(w).get(held)).toBe(1)
      expect(claimOf(w, held)).toMatchObject({ state: 'unknown' })
      expect(w.stored().WIZARD_REFRESH_TOKEN).toBe(held)
    }
  )
})

describe('answers that prove the grant was not processed', () => {
  it('a 429 with Retry-After: sent again after it; rotates', async () => {
    const w = world()
    w.fx.oauth.injectFault({
      kind: 'status',
      status: 429,
      body: { error: 'too_many_requests' },
      headers: { 'retry-after': '30' }
    })
    const started = w.clock.ms
    const run = await w.run()
    expect(run.outcome.status).toBe('rotated')
    expect(
      w.fx.oauth.tokenRequestLog[1]!.startedAt - w.fx.oauth.tokenRequestLog[0]!.startedAt
    ).toBeGreaterThanOrEqual(30_000)
    expect(w.clock.ms - started).toBeLessThan(2 * MINUTE)
    await expectChainAlive(w)
  })

  it('a connection refused (the endpoint down): sent again with backoff, rotates once it is up, and says on which attempt', async () => {
    const w = world()
    const real = w.fx.inputs()['token-url']!
    let refused = 2
    const run = await w.run({
      post: async (request, signal) => {
        if (refused-- > 0) {
          const { TransportError } = await import('../../src/oauth/post.js')
          throw new TransportError('connect ECONNREFUSED 127.0.0.1:1', true)
        }
        const { createTokenPoster } = await import('../../src/oauth/post.js')
        return createTokenPoster('test')({ ...request, url: real }, signal)
      }
    })
    expect(run.outcome.status).toBe('rotated')
    expect(run.summary).toContain('attempt 3')
    expectOnePresentationPerToken(w)
  })

  it('refused for as long as retrying is allowed: transient, nothing spent, the claim given back', async () => {
    const w = world()
    const { TransportError } = await import('../../src/oauth/post.js')
    const run = await w.run({
      post: async () => {
        throw new TransportError('getaddrinfo ENOTFOUND auth.example.com', true)
      }
    })
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'transient' })
    expect(Object.keys(w.variables()).filter((n) => n.includes('_CLAIM_'))).toEqual([])
    expect((await w.run()).outcome.status).toBe('rotated')
  })
})

describe('refusals', () => {
  it('invalid_grant: terminal, with the steps that put a new token back; the claim given back', async () => {
    const w = world()
    w.fx.oauth.injectFault({
      kind: 'status',
      status: 400,
      body: { error: 'invalid_grant', error_description: 'The refresh token is invalid.' }
    })
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'terminal', phase: 'not-rotated' })
    expect(run.failed).toContain('gh secret set WIZARD_REFRESH_TOKEN --repo octo/widgets')
    expect(run.failed).toContain('gh workflow run refresh-oauth-token.yml --repo octo/widgets')
    expect(Object.keys(w.variables()).filter((n) => n.includes('_CLAIM_'))).toEqual([])
  })

  it('invalid_client: the client, not the token, and the token was not spent', async () => {
    const w = world()
    const run = await w.run({ inputs: { 'client-id': 'nobody' } })
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'terminal' })
    expect(run.failed).toMatch(/refused the client/)
    await expect(w.fx.oauth.isRefreshTokenLive(w.fx.storedRefreshToken())).resolves.toBe(true)
  })

  it('a URL that is not a token endpoint (404): the endpoint inputs, not the token', async () => {
    const w = world()
    const run = await w.run({ inputs: { 'token-url': `${w.fx.oauth.url}/nowhere` } })
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'terminal' })
    expect(run.failed).toMatch(/does not answer like an OAuth token endpoint/)
  })
})

describe('answers the server processed and that cannot all be used', () => {
  it('a 2xx without an access token but with a new refresh token: that token is stored, the run fails as response', async () => {
    const w = world()
    const held = w.fx.storedRefreshToken()
    w.fx.oauth.injectFault({ kind: 'transform', transform: ({ access_token: _, ...rest }) => rest })
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'response' })
    expect(w.stored().WIZARD_REFRESH_TOKEN).not.toBe(held)
    await expectChainAlive(w)
    expect(w.variables().WIZARD_EXPIRES_AT).toBe(
      new Date(w.fx.oauth.tokenRequestLog[0]!.startedAt).toISOString()
    )
    expect((await w.run()).outcome.status).toBe('rotated')
    expectOnePresentationPerToken(w)
  })

  it('a 2xx with no expires_in and an opaque token: the tokens are stored, the expiry is not guessed (it says the send)', async () => {
    const w = world()
    w.fx.oauth.injectFault({
      kind: 'transform',
      transform: ({ expires_in: _, ...rest }) => ({ ...rest, access_token: 'opaque-token-value-0000' })
    })
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'response' })
    expect(w.stored().WIZARD_EXPIRES_AT).toBe(
      new Date(w.fx.oauth.tokenRequestLog[0]!.startedAt).toISOString()
    )
    await expectChainAlive(w)
  })
})

describe('a 2xx without a new refresh token', () => {
  it('stores the access token and its expiry, fails as response, and holds the old token as unknown', async () => {
    const w = world()
    const held = w.fx.storedRefreshToken()
    w.fx.oauth.injectFault({ kind: 'transform', transform: ({ refresh_token: _, ...rest }) => rest })
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'response' })
    expect(w.stored().WIZARD_OAUTH_TOKEN).toBeDefined()
    expect(w.stored().WIZARD_REFRESH_TOKEN).toBe(held)
    expect(claimOf(w, held)).toMatchObject({ state: 'unknown' })
    expect(run.failed).toMatch(
      /Stored: WIZARD_OAUTH_TOKEN, WIZARD_EXPIRES_AT, the variable WIZARD_EXPIRES_AT\. A server/
    )
  })

  it('and the access token’s write failing too: says what was not stored, and the expiry stays at the send', async () => {
    const w = world()
    w.fx.oauth.injectFault({ kind: 'transform', transform: ({ refresh_token: _, ...rest }) => rest })
    w.fx.github.injectFault(
      { method: 'PUT', path: /\/secrets\/WIZARD_OAUTH_TOKEN$/ },
      { kind: 'status', status: 500 },
      1000
    )
    const sentAt = w.clock.ms
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'response' })
    expect(run.failed).toMatch(
      /without a new refresh token\. Not stored: WIZARD_OAUTH_TOKEN \(GitHub answered 500/
    )
    expect(run.failed).not.toMatch(/refresh token was stored/)
    expect(run.outputs['secrets-written']).toBe('')
    expect(w.variables().WIZARD_EXPIRES_AT).toBe(new Date(sentAt).toISOString())
  })
})
