/**
 * After the grant: the new refresh token is stored first and patiently, or handed to its owner; the expiry
 * never moves ahead of it; nothing after the grant ends `transient`.
 */
import { fingerprint } from '../../src/lease/fingerprint.js'
import { parseRecord } from '../../src/lease/record.js'
import { CLAIM_HOLD_MS, RELEASE_SETTLE_MS } from '../../src/timing.js'
import { expectChainAlive, expectOneLiveChain, MINUTE, presentationsOf, useWorld } from '../support/world.js'
import { withRecoveryKey } from '../support/recovery-key.js'
import type { WorldRun } from '../../harness/world.js'

const world = useWorld()
const REFRESH_PUT = { method: 'PUT', path: /\/secrets\/WIZARD_REFRESH_TOKEN$/ }

describe('the refresh-token write', () => {
  it('rides out a rate limit of minutes (403, Retry-After 300) and an outage of minutes: it lands; rotated', async () => {
    const w = world()
    w.fx.github.injectFault(REFRESH_PUT, {
      kind: 'status',
      status: 403,
      body: {
        message: 'You have exceeded a secondary rate limit.',
        documentation_url: 'https://docs.github.com'
      },
      headers: { 'retry-after': '300' }
    })
    w.fx.github.injectFault(REFRESH_PUT, { kind: 'status', status: 503 }, 6)
    const started = w.clock.ms
    const run = await w.run()
    expect(run.outcome.status).toBe('rotated')
    expect(w.clock.ms - started).toBeGreaterThanOrEqual(5 * MINUTE)
    expect(run.log).toMatch(/rate limited for 300 s\); trying again in 5m/)
    await expectChainAlive(w)
  })

  it('whose answer is lost after it landed: sent again (a PUT is the same twice); rotated', async () => {
    const w = world()
    w.fx.github.injectFault(REFRESH_PUT, { kind: 'lose-answer' })
    expect((await w.run()).outcome.status).toBe('rotated')
    await expectChainAlive(w)
  })

  it('refused because the repository’s key changed while the grant was out: the key is read again, sealed again; rotated', async () => {
    const w = world()
    w.fx.oauth.onTokenRequest(() => w.fx.github.rotateKey(w.fx.repo))
    const run = await w.run()
    expect(run.outcome.status).toBe('rotated')
    expect(run.log).toMatch(/the repository's key changed; reading it again/)
    await expectChainAlive(w)
  })

  it('failing for longer than it may try: lost, the recovery line printed and openable, the claim says received, the record lists the token as lost, the expiry never ahead', async () => {
    await withRecoveryKey(async (keys) => {
      const w = world()
      const held = w.fx.storedRefreshToken()
      w.fx.github.injectFault(REFRESH_PUT, { kind: 'status', status: 502 }, 1000)
      const run = await w.run({ inputs: { 'recovery-public-key': keys.publicKey } })
      expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'lost', phase: 'successor-received' })
      expect(w.stored().WIZARD_REFRESH_TOKEN).toBe(held)
      expect(w.stored().WIZARD_OAUTH_TOKEN).toBeUndefined()
      expect(w.variables().WIZARD_EXPIRES_AT).toBe(
        new Date(w.fx.oauth.tokenRequestLog[0]!.startedAt).toISOString()
      )
      const claim = JSON.parse(w.variables()[`WIZARD_CLAIM_${fingerprint(held)}`] ?? '{}')
      expect(claim).toMatchObject({ state: 'received' })
      expect(parseRecord(w.variables().WIZARD_REFRESH_TOKEN_SPENT)).toMatchObject({
        kind: 'read',
        entries: [{ fingerprint: fingerprint(held), stored: false }]
      })

      // The recovery line opens, with the private key, to the live successor.
      const sealed = /sealed to recovery-public-key: (\S+)/.exec(run.log)?.[1] ?? ''
      const opened = await keys.open(sealed)
      expect(fingerprint(opened)).toBe(claim.next)
      expect(await w.fx.oauth.isRefreshTokenLive(opened)).toBe(true)
      expect(run.leaks([opened, held])).toEqual([])

      // Every later run holding the spent token never presents it: red, since the record says it is lost.
      w.fx.github.clearFaults()
      const soon = await w.run({ inputs: { 'refresh-token': held } })
      expect(soon.outcome).toMatchObject({ status: 'failed', errorKind: 'lost' })
      await w.clock.advance(CLAIM_HOLD_MS)
      const later = await w.run({ inputs: { 'refresh-token': held } })
      expect(later.outcome).toMatchObject({ status: 'failed', errorKind: 'lost' })
      expect(presentationsOf(w).get(held)).toBe(1)
      // The person stores the recovered token: the chain goes on from it.
      w.fx.github.setSecret(w.fx.repo, 'WIZARD_REFRESH_TOKEN', opened)
      expect((await w.run()).outcome.status).toBe('rotated')
      await expectOneLiveChain(w)
    })
  })

  it('failing with no recovery key: lost, with the sign-in steps; nothing claims a fresh token', async () => {
    const w = world()
    w.fx.github.injectFault(REFRESH_PUT, { kind: 'status', status: 500 }, 1000)
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'lost' })
    expect(run.failed).toMatch(/existed only in this run and is lost/)
    expect(run.failed).toContain('gh secret set WIZARD_REFRESH_TOKEN --repo octo/widgets')
    expect(run.outputs.healthy).toBe('false')
  })
})

describe('a write over the successor applied late', () => {
  it('the refresh-token write’s first attempt timing out and applied 90 s after it was sent, after its retry answered: no run rotates the successor until it cannot land, so it never puts the spent token back', async () => {
    // Found by a hostile review: the reservation was given back once the retry answered, the next run rotated
    // the successor, and the late first attempt stored the spent successor over its successor: the chain died.
    const w = world()
    expect((await w.run()).outcome.status).toBe('rotated')
    await w.clock.advance(30 * MINUTE)
    w.fx.github.injectFault(REFRESH_PUT, { kind: 'delay', ms: 90_000 }, 1)
    expect((await w.run({ id: 'first' })).outcome.status).toBe('rotated')
    // Left behind: the successor's reservation says released, kept until it has settled.
    const presented = w.fx.oauth.presented.length
    const second = await w.run({ id: 'second', inputs: { 'skip-if-valid-for': '65m' } })
    expect(second.outcome.status).toBe('failed')
    expect(w.fx.oauth.presented).toHaveLength(presented)
    await w.clock.advance(RELEASE_SETTLE_MS)
    expect((await w.run({ id: 'third', inputs: { 'skip-if-valid-for': '65m' } })).outcome.status).toBe(
      'rotated'
    )
    await expectOneLiveChain(w)
  })
})

describe('a write over the successor applied late, and a second run at once', () => {
  it('the reservation’s create unanswered and its retry slow, the refresh-token write’s first attempt applied 90 s late, a second run starting as its retry lands: the write waited for the reservation, so no run rotates the successor under the late attempt', async () => {
    // Found by a hostile review: the second run claimed and rotated the successor before the reservation
    // landed, and the late first attempt then stored the spent successor over its successor.
    const w = world()
    expect((await w.run()).outcome.status).toBe('rotated')
    await w.clock.advance(30 * MINUTE)
    const RESERVE = { method: 'POST', path: /\/variables$/, body: /reserved/ }
    w.fx.github.injectFault(REFRESH_PUT, { kind: 'delay', ms: 90_000 }, 1)
    w.fx.github.injectFault(RESERVE, { kind: 'hang' }, 1)
    w.fx.github.injectFault(RESERVE, { kind: 'delay', ms: 15_000 }, 1)
    let second: Promise<WorldRun> | undefined
    let puts = 0
    w.fx.github.onRequest((request) => {
      if (second || request.method !== 'PUT' || !/WIZARD_REFRESH_TOKEN$/.test(request.path)) return
      if (++puts === 2) w.clock.at(w.clock.ms + 1000, () => void (second = w.run({ id: 'second' })))
    })
    expect((await w.run({ id: 'first' })).outcome.status).toBe('rotated')
    for (let i = 0; !second && i < 120; i++) await w.clock.advance(1000)
    await second
    await w.clock.advance(3 * MINUTE)
    // Left behind: the late attempt landed long ago; the stored refresh token is live, whichever run stored it.
    await expectOneLiveChain(w)
    await w.clock.advance(RELEASE_SETTLE_MS)
    expect((await w.run({ id: 'third', inputs: { 'skip-if-valid-for': '65m' } })).outcome.status).toBe(
      'rotated'
    )
    await expectOneLiveChain(w)
  })
})

describe('the writes after the refresh token', () => {
  it('an access-token write that fails: the expiry, pointed at the send before the grant, stays there; store, chain safe, never transient', async () => {
    const w = world()
    // Half an hour after a rotation, the stored expiry gives the access token the grant revokes another half.
    expect((await w.run()).outcome.status).toBe('rotated')
    await w.clock.advance(30 * MINUTE)
    w.fx.github.injectFault(
      { method: 'PUT', path: /\/secrets\/WIZARD_OAUTH_TOKEN$/ },
      { kind: 'status', status: 500 },
      100
    )
    const sentAt = w.clock.ms
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'store' })
    await expectChainAlive(w)
    expect(w.stored().WIZARD_EXPIRES_AT).toBe(new Date(sentAt).toISOString())
    expect(w.variables().WIZARD_EXPIRES_AT).toBe(new Date(sentAt).toISOString())
    expect(run.outputs['secrets-written']).toBe('WIZARD_REFRESH_TOKEN')
    expect(run.failed).toMatch(/An expiry not written still says when the grant was sent/)
    w.fx.github.clearFaults()
    // The 500s may have been applied late: the successor's reservation stays released until they cannot land.
    await w.clock.advance(RELEASE_SETTLE_MS)
    expect((await w.run()).outcome.status).toBe('rotated')
  })

  it('the claim and the record could not be written: rotated all the same, with a note; the next rotation catches up', async () => {
    const w = world()
    const held = w.fx.storedRefreshToken()
    w.fx.github.injectFault({ method: 'PATCH', path: /_CLAIM_/ }, { kind: 'status', status: 500 }, 1000)
    const run = await w.run()
    expect(run.outcome.status).toBe('rotated')
    expect(run.log).toMatch(/Could not write the variable WIZARD_CLAIM_/)
    w.fx.github.clearFaults()
    // A re-run holding the spent token, after the hold: the secret was written after the claim, so it is outdated.
    await w.clock.advance(CLAIM_HOLD_MS)
    const rerun = await w.run({ inputs: { 'refresh-token': held } })
    expect(rerun.outcome.status).toBe('skipped-spent')
    expect(presentationsOf(w).get(held)).toBe(1)
  })
})
