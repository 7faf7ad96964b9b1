/**
 * The grant revokes the stored access token (Hydra revokes the old access token on every refresh, and the
 * token server here does the same), while the stored expiry still gives it time. The expiry is pointed at
 * the send before the grant goes out, so nothing after it (a failure, a cancel, a kill) leaves it standing
 * over a revoked token; a grant that never reached the server puts it back.
 */
import type { Cancellation } from '../../src/cancellation.js'
import { TransportError } from '../../src/oauth/post.js'
import type { World } from '../../harness/world.js'
import { expectChainAlive, MINUTE, useWorld } from '../support/world.js'

const world = useWorld()
const EXPIRY_WRITES = [
  { method: 'PUT', path: /\/secrets\/WIZARD_EXPIRES_AT$/ },
  { method: 'PATCH', path: /\/variables\/WIZARD_EXPIRES_AT$/ }
]
const ACCESS_PUT = { method: 'PUT', path: /\/secrets\/WIZARD_OAUTH_TOKEN$/ }

/** A rotation half an hour ago: the stored access token is live, and its expiry half an hour ahead. */
async function halfAnHourAfterARotation(w: World): Promise<{ access: string; expiresAt: string }> {
  expect((await w.run()).outcome.status).toBe('rotated')
  await w.clock.advance(30 * MINUTE)
  const access = w.stored().WIZARD_OAUTH_TOKEN!
  expect(await w.fx.oauth.isAccessTokenLive(access)).toBe(true)
  return { access, expiresAt: w.variables().WIZARD_EXPIRES_AT! }
}

const endpointDown = async (): Promise<never> => {
  throw new TransportError('connect ECONNREFUSED 127.0.0.1:1', true)
}

describe('the stored expiry around the grant', () => {
  it('a grant that never reached the server: the expiry, pointed at the send before it, is put back over the access token that still works; transient', async () => {
    const w = world()
    const before = await halfAnHourAfterARotation(w)
    const run = await w.run({ post: endpointDown })
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'transient', phase: 'not-rotated' })
    // Left behind: the access token and its expiry as they were, both true.
    expect(w.stored().WIZARD_OAUTH_TOKEN).toBe(before.access)
    expect(await w.fx.oauth.isAccessTokenLive(before.access)).toBe(true)
    expect(w.variables().WIZARD_EXPIRES_AT).toBe(before.expiresAt)
    expect(w.stored().WIZARD_EXPIRES_AT).toBe(before.expiresAt)
    expect(run.outputs['secrets-written']).toBe('')
    expect((await w.run()).outcome.status).toBe('rotated')
  })

  it('a grant that never reached the server, and GitHub failing the put back: the expiry says expired, a note says so, the next run rotates', async () => {
    const w = world()
    const before = await halfAnHourAfterARotation(w)
    let sent = false
    const run = await w.run({
      post: async () => {
        sent = true
        for (const match of EXPIRY_WRITES)
          w.fx.github.injectFault(match, { kind: 'status', status: 500 }, 1000)
        return endpointDown()
      }
    })
    w.fx.github.clearFaults()
    expect(sent).toBe(true)
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'transient' })
    expect(run.log).toMatch(/Could not put the stored expiry back/)
    // Left behind: an expiry behind the live access token, never ahead of it.
    expect(Date.parse(w.variables().WIZARD_EXPIRES_AT!)).toBeLessThanOrEqual(w.clock.ms)
    expect(await w.fx.oauth.isAccessTokenLive(before.access)).toBe(true)
    expect((await w.run({ inputs: { 'skip-if-valid-for': '10m' } })).outcome.status).toBe('rotated')
  })

  it('GitHub failing the expiry’s write before the grant: the grant is never sent; transient, nothing spent, the expiry as it was', async () => {
    const w = world()
    const before = await halfAnHourAfterARotation(w)
    w.fx.github.injectFault(EXPIRY_WRITES[1]!, { kind: 'status', status: 502 }, 1000)
    const presented = w.fx.oauth.presented.length
    const run = await w.run()
    w.fx.github.clearFaults()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'transient', phase: 'before-grant' })
    expect(w.fx.oauth.presented).toHaveLength(presented)
    // The secret landed and was put back; the variable never moved.
    expect(w.stored().WIZARD_EXPIRES_AT).toBe(before.expiresAt)
    expect(w.variables().WIZARD_EXPIRES_AT).toBe(before.expiresAt)
    await expectChainAlive(w)
  })

  it('a cancel as the expiry is pointed at the send: the grant is never sent, the expiry put back', async () => {
    const w = world()
    const before = await halfAnHourAfterARotation(w)
    let cancellation: Cancellation | undefined
    w.fx.github.injectFault(EXPIRY_WRITES[1]!, { kind: 'delay', ms: 1000 })
    w.clock.at(w.clock.ms + 500, () => cancellation!.request('SIGINT'))
    const presented = w.fx.oauth.presented.length
    const run = await w.run({ onStart: (c) => (cancellation = c) })
    expect(run.outcome).toMatchObject({ status: 'cancelled', phase: 'before-grant' })
    expect(w.fx.oauth.presented).toHaveLength(presented)
    expect(w.variables().WIZARD_EXPIRES_AT).toBe(before.expiresAt)
    expect(w.stored().WIZARD_EXPIRES_AT).toBe(before.expiresAt)
  })

  it('SIGINT and SIGTERM while the access token’s write waits out a rate limit: what a SIGKILL leaves says expired, never the revoked token’s old half hour', async () => {
    const w = world()
    const before = await halfAnHourAfterARotation(w)
    w.fx.github.injectFault(ACCESS_PUT, {
      kind: 'status',
      status: 403,
      body: { message: 'You have exceeded a secondary rate limit.' },
      headers: { 'retry-after': '300' }
    })
    let cancellation: Cancellation | undefined
    let sentAt = 0
    let atSigkill: { expiresAt: string | undefined; access: string | undefined } | undefined
    w.fx.oauth.onTokenRequest(() => {
      sentAt = w.clock.ms
      w.clock.at(sentAt + 10_000, () => cancellation!.request('SIGINT'))
      w.clock.at(sentAt + 17_500, () => cancellation!.request('SIGTERM'))
      // The runner's SIGKILL, 7.5 s after SIGTERM: what the process has left by then is what stays.
      w.clock.at(sentAt + 25_000, () => {
        atSigkill = { expiresAt: w.variables().WIZARD_EXPIRES_AT, access: w.stored().WIZARD_OAUTH_TOKEN }
      })
    })
    await w.run({ onStart: (c) => (cancellation = c) })
    expect(atSigkill).toEqual({ expiresAt: new Date(sentAt).toISOString(), access: before.access })
    expect(await w.fx.oauth.isAccessTokenLive(before.access)).toBe(false)
    await expectChainAlive(w)
  })

  it('refused (invalid_grant), which revokes the stored access token with the family: the expiry stays at the send', async () => {
    const w = world()
    const before = await halfAnHourAfterARotation(w)
    w.fx.oauth.injectFault({
      kind: 'status',
      status: 400,
      body: { error: 'invalid_grant', error_description: 'The refresh token is invalid.' }
    })
    const sentAt = w.clock.ms
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'terminal' })
    expect(w.variables().WIZARD_EXPIRES_AT).toBe(new Date(sentAt).toISOString())
    expect(w.variables().WIZARD_EXPIRES_AT).not.toBe(before.expiresAt)
  })

  it('an expiry already past is left where it is (never moved ahead), and nothing is put back', async () => {
    const w = world()
    expect((await w.run()).outcome.status).toBe('rotated')
    await w.clock.advance(70 * MINUTE)
    const past = w.variables().WIZARD_EXPIRES_AT!
    const writes: string[] = []
    w.fx.github.onRequest((request) => {
      if (/WIZARD_EXPIRES_AT$/.test(request.path) && request.method !== 'GET') writes.push(request.path)
    })
    const run = await w.run({ post: endpointDown })
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'transient' })
    expect(w.variables().WIZARD_EXPIRES_AT).toBe(past)
    // Written once before the grant, at the value it had (a read may lag a rotation moments ago); no put back.
    expect(writes).toHaveLength(2)
  })
})
