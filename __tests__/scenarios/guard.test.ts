/**
 * The one promise under the world's hostility: two runs at once, GitHub's reads lagging behind its writes,
 * re-runs holding old secrets, a claim whose create landed and whose answer was lost. Each test states what
 * is left behind: which secrets changed, whether the stored refresh token is live, how often the server saw
 * each token.
 */
import { fingerprint } from '../../src/lease/fingerprint.js'
import type { World, WorldRun } from '../../harness/world.js'
import { CLAIM_HOLD_MS, RELEASE_SETTLE_MS } from '../../src/timing.js'
import {
  DAY,
  expectChainAlive,
  expectOneLiveChain,
  HOUR,
  MINUTE,
  presentationsOf,
  useWorld
} from '../support/world.js'

describe('two runs at once', () => {
  const world = useWorld()

  it('started together with the same token: one rotates, the other skips without presenting; one presentation, chain alive', async () => {
    const w = world()
    const held = w.fx.storedRefreshToken()
    const [a, b] = await Promise.all([
      w.run({ inputs: { 'refresh-token': held } }),
      w.run({ inputs: { 'refresh-token': held } })
    ])
    const statuses = [a.outcome.status, b.outcome.status].sort()
    // The other run waited on the winner's claim until it showed the successor stored: green, and true.
    expect(statuses).toEqual(['rotated', 'skipped-spent'])
    expect(w.fx.oauth.presented).toEqual([held])
    await expectChainAlive(w)
  })

  it('five at once, on a GitHub whose reads lag a minute: one presentation at most, and the skipped ones exit green', async () => {
    const w = world()
    await w.run()
    await w.clock.advance(HOUR)
    w.fx.github.setStaleReads(MINUTE)
    const held = w.fx.storedRefreshToken()
    const runs = await Promise.all(
      Array.from({ length: 5 }, () => w.run({ inputs: { 'refresh-token': held } }))
    )
    expect(runs.filter((run) => run.outcome.status === 'rotated')).toHaveLength(1)
    expect(runs.filter((run) => run.failed)).toEqual([])
    expect(presentationsOf(w).get(held)).toBe(1)
    await expectChainAlive(w)
  })

  it('the very first runs, at once, on a GitHub whose reads lag: none presents while the spent record cannot be read; then one does', async () => {
    const w = world()
    w.fx.github.setStaleReads(MINUTE)
    const held = w.fx.storedRefreshToken()
    const runs = await Promise.all(
      Array.from({ length: 3 }, () => w.run({ inputs: { 'refresh-token': held } }))
    )
    expect(runs.filter((run) => run.failed)).toEqual([])
    expect(presentationsOf(w).get(held) ?? 0).toBeLessThanOrEqual(1)
    await w.clock.advance(CLAIM_HOLD_MS)
    await w.run()
    await expectOneLiveChain(w)
  })
})

describe('a holder killed after its grant', () => {
  const world = useWorld()

  it('the next run waits for it, then ends red (never green over what may be a dead token); after the hold one more presentation says what happened', async () => {
    const w = world()
    const held = w.fx.storedRefreshToken()
    // Killed as its grant goes out: the server rotates, and nothing stores the successor.
    const killed = await w.run({ killAtGrant: true })
    expect(killed.killed).toBe(true)
    expect(w.fx.oauth.presented).toEqual([held])

    await w.clock.advance(MINUTE)
    const next = await w.run({ inputs: { 'refresh-token': held } })
    expect(next.outcome).toMatchObject({ status: 'failed', errorKind: 'transient', phase: 'before-grant' })
    expect(next.log).toMatch(/has not finished after this run waited 3m/)
    expect(next.outputs.healthy).toBe('false')
    expect(w.fx.oauth.presented).toEqual([held])

    // Once the holder can no longer be acting: presented once more, refused (it had rotated), red for good.
    await w.clock.advance(CLAIM_HOLD_MS)
    const after = await w.run({ inputs: { 'refresh-token': held } })
    expect(presentationsOf(w).get(held)).toBe(2)
    expect(after.outcome).toMatchObject({ status: 'failed', errorKind: 'terminal' })
    // Left behind: a dead chain (no client survives a kill between the grant and the store) and a red that
    // says to sign in again; the token is never presented a third time.
    expect(await w.fx.oauth.isRefreshTokenLive(w.fx.storedRefreshToken())).toBe(false)
    await w.clock.advance(CLAIM_HOLD_MS)
    await w.run({ inputs: { 'refresh-token': held } })
    expect(presentationsOf(w).get(held)).toBe(2)
  })

  it('on a short cadence the stored access token still looks valid by its expiry when the takeover is refused: the refusal points the expiry back (the server revoked that token with the family), and no run after says healthy, not even a skip', async () => {
    // Found by the recommended cadence's year soak: healthy=true on the red run after a refused takeover, and
    // on a re-run's skip half an hour after the death.
    const w = world()
    const first = w.fx.storedRefreshToken()
    await w.run()
    await w.clock.advance(MINUTE)
    const held = w.fx.storedRefreshToken()
    await w.run({ killAtGrant: true })
    await w.clock.advance(CLAIM_HOLD_MS)
    const after = await w.run({ inputs: { 'refresh-token': held } })
    expect(after.outcome).toMatchObject({ status: 'failed', errorKind: 'terminal' })
    expect(after.outputs.healthy).toBe('false')
    // Left behind: an access token the server revoked, and an expiry that says so.
    expect(await w.fx.oauth.isAccessTokenLive(w.stored().WIZARD_OAUTH_TOKEN ?? '')).toBe(false)
    expect(Date.parse(w.variables().WIZARD_EXPIRES_AT ?? '')).toBeLessThanOrEqual(w.clock.ms)
    // The runs after it: the one holding the refused token is red for good; a re-run holding the token
    // before it skips (its own token is old) and does not say healthy.
    await w.clock.advance(10 * MINUTE)
    const next = await w.run({ inputs: { 'refresh-token': held } })
    expect(next.outcome).toMatchObject({ status: 'failed', errorKind: 'terminal' })
    expect(next.outputs.healthy).toBe('false')
    const rerun = await w.run({ inputs: { 'refresh-token': first } })
    expect(rerun.outcome.status).toBe('skipped-spent')
    expect(rerun.outputs.healthy).toBe('false')
  })
})

describe('GitHub reads that lag behind its writes', () => {
  const world = useWorld({ github: { staleReadMs: 2 * MINUTE } })

  it('a run queued behind a rotation, starting a second after it with the old token, reads nothing new, and still never presents it', async () => {
    const w = world()
    const old = w.fx.storedRefreshToken()
    expect((await w.run()).outcome.status).toBe('rotated')
    await w.clock.advance(1000)
    // The variables it reads are a minute stale: no record, no expiry; only the create's 409 tells.
    const queued = await w.run({ inputs: { 'refresh-token': old } })
    expect(queued.outcome.status).toMatch(/^skipped-/)
    expect(queued.failed).toBeUndefined()
    await expectOneLiveChain(w)
  })

  it('runs a minute apart with reads two minutes stale: each rotates or skips without presenting; once reads catch up, rotation goes on', async () => {
    const w = world()
    for (let i = 0; i < 6; i++) {
      const run = await w.run()
      // Red when the claim does not show within the wait: nothing presented, the next run reads again.
      expect(run.outcome.status === 'rotated' || run.outcome.errorKind === 'transient').toBe(true)
      await w.clock.advance(MINUTE)
    }
    await w.clock.advance(CLAIM_HOLD_MS)
    expect((await w.run()).outcome.status).toBe('rotated')
    await expectOneLiveChain(w)
  })
})

describe('two runs at once as the access token runs out', () => {
  const world = useWorld()

  it('the one that waits read the expiry of the rotation before, which runs out during its wait: skipped green, not red', async () => {
    // Found by the year's soak: the winner's claim was made seconds before the old access token expired, the
    // loser's expiry (read before the winner wrote a new one) was later than that claim, and the loser called
    // a healthy chain stopped.
    const w = world()
    await w.run()
    await w.clock.advance(HOUR - 5000)
    const held = w.fx.storedRefreshToken()
    // The winner stores slowly, so the loser waits past the old expiry.
    w.fx.github.injectFault(
      { method: 'PUT', path: /\/secrets\/WIZARD_REFRESH_TOKEN$/ },
      { kind: 'delay', ms: 15_000 }
    )
    const runs = await Promise.all([
      w.run({ inputs: { 'refresh-token': held } }),
      w.run({ inputs: { 'refresh-token': held } })
    ])
    expect(runs.map((run) => run.outcome.status).sort()).toEqual(['rotated', 'skipped-spent'])
    expect(presentationsOf(w).get(held)).toBe(1)
    await expectOneLiveChain(w)
  })
})

describe('re-runs holding old secrets', () => {
  const world = useWorld()

  it('an hour later, two rotations on: the claim says stored; skipped green, not presented', async () => {
    const w = world()
    const first = w.fx.storedRefreshToken()
    for (let i = 0; i < 3; i++) {
      await w.run()
      await w.clock.advance(20 * MINUTE)
    }
    const rerun = await w.run({ inputs: { 'refresh-token': first } })
    expect(rerun.outcome.status).toBe('skipped-spent')
    expect(rerun.failed).toBeUndefined()
    expect(presentationsOf(w).get(first)).toBe(1)
    await expectChainAlive(w)
  })

  it('days later, once the claim is gone: the spent record says so; the fresh claim the re-run made is given back', async () => {
    const w = world()
    const first = w.fx.storedRefreshToken()
    for (let i = 0; i < 30; i++) {
      await w.run()
      await w.clock.advance(HOUR)
    }
    await w.clock.advance(2 * DAY)
    await w.run()
    expect(Object.keys(w.variables())).not.toContain(`WIZARD_CLAIM_${fingerprint(first)}`)
    const rerun = await w.run({ inputs: { 'refresh-token': first } })
    expect(rerun.outcome.status).toBe('skipped-spent')
    expect(presentationsOf(w).get(first)).toBe(1)
    expect(Object.keys(w.variables())).not.toContain(`WIZARD_CLAIM_${fingerprint(first)}`)
    await expectChainAlive(w)
  })

  it('a freshly seeded token always rotates at the next run, whatever the state left behind', async () => {
    const w = world()
    await w.run()
    const seeded = await w.fx.oauth.mintRefreshToken()
    w.fx.github.setSecret(w.fx.repo, 'WIZARD_REFRESH_TOKEN', seeded)
    const run = await w.run()
    expect(run.outcome.status).toBe('rotated')
    expect(presentationsOf(w).get(seeded)).toBe(1)
  })
})

describe('a claim whose create landed and whose answer was lost', () => {
  const world = useWorld({ github: { staleReadMs: 5000 } })

  it('is known as this run’s own by its nonce, once the read shows it: presented once', async () => {
    const w = world()
    w.fx.github.injectFault(
      { method: 'POST', path: /\/actions\/variables$/, body: /_CLAIM_/ },
      { kind: 'lose-answer' }
    )
    const run = await w.run()
    expect(run.outcome.status).toBe('rotated')
    await expectOneLiveChain(w)
  })

  it('when the read lags longer than the run will wait: red (transient), nothing presented; the next run after the hold takes it over', async () => {
    const w = world()
    w.fx.github.setStaleReads(10 * MINUTE)
    w.fx.github.injectFault(
      { method: 'POST', path: /\/actions\/variables$/, body: /_CLAIM_/ },
      { kind: 'lose-answer' }
    )
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'transient' })
    expect(run.log).toMatch(/did not show its claim within 3m/)
    expect(w.fx.oauth.presented).toEqual([])
    w.fx.github.setStaleReads(0)
    await w.clock.advance(CLAIM_HOLD_MS)
    const next = await w.run()
    expect(next.outcome.status).toBe('rotated')
    expect(next.log).toMatch(/presents it once more/)
    await expectOneLiveChain(w)
  })
})

describe('state that must never block for ever', () => {
  const world = useWorld()

  it('a claim of its name holding something else: red, naming the variable and the command', async () => {
    const w = world()
    const held = w.fx.storedRefreshToken()
    w.fx.github.setVariable(w.fx.repo.repository, `WIZARD_CLAIM_${fingerprint(held)}`, 'hello')
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'guard' })
    expect(run.failed).toMatch(/gh variable delete/)
    expect(w.fx.oauth.presented).toEqual([])
  })

  it('a spent record edited by hand: red, saying how to put it back and what deleting it would drop', async () => {
    const w = world()
    w.fx.github.setVariable(w.fx.repo.repository, 'WIZARD_REFRESH_TOKEN_SPENT', 'edited')
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'guard' })
    expect(run.failed).toMatch(/Put back the value it had/)
    expect(run.failed).toMatch(/drops the guard against re-runs of the last 30 days/)
    expect(w.fx.oauth.presented).toEqual([])
  })
})

/** The token an hour-old rotation stored, and the path of its first claim: where the give-back cases start. */
async function tokenAnHourOn(w: World): Promise<{ held: string; claim: RegExp }> {
  await w.run()
  await w.clock.advance(HOUR)
  const held = w.fx.storedRefreshToken()
  return { held, claim: new RegExp(`/variables/WIZARD_CLAIM_${fingerprint(held)}$`) }
}

/**
 * A dry run that claims the held token and gives it back, and run L, started the moment the dry run's claim
 * create goes out, so that it waits on that claim. The DELETEs of the claim are counted from the start.
 */
async function dryRunWithWaiter(
  w: World,
  held: string,
  claim: RegExp
): Promise<{ dry: WorldRun; waited: WorldRun | undefined; deletes: () => number }> {
  const started = w.clock.ms
  let waiter: Promise<WorldRun> | undefined
  w.fx.github.onRequest((request, body) => {
    if (!waiter && request.method === 'POST' && body.includes('dry run A'))
      waiter = w.run({ inputs: { 'refresh-token': held }, context: { runLabel: 'run L' } })
  })
  const dry = await w.run({
    inputs: { 'refresh-token': held, 'dry-run': 'true' },
    context: { runLabel: 'dry run A' }
  })
  const deletes = () =>
    w.fx.github.requests.filter((r) => r.method === 'DELETE' && claim.test(r.path) && r.startedAt >= started)
      .length
  return { dry, waited: await waiter, deletes }
}

/** A run queued with the old token, whose read of the record is minutes stale: the claims alone refuse it. */
async function expectQueuedRunRefused(w: World, held: string): Promise<void> {
  w.fx.github.injectFault({ method: 'GET', path: /SPENT$/ }, { kind: 'stale', ms: 5 * MINUTE })
  const queued = await w.run({ inputs: { 'refresh-token': held } })
  expect(queued.outcome.status).toBe('skipped-spent')
  expect(presentationsOf(w).get(held)).toBe(1)
  await expectOneLiveChain(w)
}

describe('the hostile cases of the guard’s review', () => {
  const world = useWorld()

  it('a record read that 404s just after an update is not taken at its word: the record is never wiped, and a month-old re-run is still refused', async () => {
    const w = world()
    const first = w.fx.storedRefreshToken()
    for (let i = 0; i < 30; i++) {
      await w.run()
      await w.clock.advance(HOUR)
    }
    await w.clock.advance(2 * DAY)
    // Reads within ten seconds of any write now answer 404, updates included.
    w.fx.github.setStaleReads(10_000, '404')
    await w.run()
    await w.clock.advance(2000)
    // A dispatch queued behind that rotation: its record read 404s; it creates (409), re-reads, and merges.
    expect((await w.run()).outcome.status).toBe('rotated')
    w.fx.github.setStaleReads(0)
    expect((w.variables().WIZARD_REFRESH_TOKEN_SPENT ?? '').split(' ').length).toBeGreaterThan(30)
    const rerun = await w.run({ inputs: { 'refresh-token': first } })
    expect(rerun.outcome.status).toBe('skipped-spent')
    expect(presentationsOf(w).get(first)).toBe(1)
    await expectChainAlive(w)
  })

  it('a silent claim whose holder had a recovery key: red, never taken over', async () => {
    const w = world()
    const held = w.fx.storedRefreshToken()
    const at = new Date(w.clock.ms).toISOString()
    w.fx.github.setVariable(
      w.fx.repo.repository,
      `WIZARD_CLAIM_${fingerprint(held)}`,
      JSON.stringify({
        v: 1,
        state: 'claimed',
        holder: 'run 7',
        nonce: 'x',
        at,
        until: at,
        presentations: 0,
        recovery: true
      })
    )
    await w.clock.advance(CLAIM_HOLD_MS)
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'lost' })
    expect(run.failed).toMatch(/it may have printed the new refresh token/)
    expect(w.fx.oauth.presented).toEqual([])
  })

  it('a failed key read while the lease is still deciding leaves no claim behind, not even a takeover made after it', async () => {
    const w = world()
    const held = w.fx.storedRefreshToken()
    const at = new Date(w.clock.ms).toISOString()
    w.fx.github.setVariable(
      w.fx.repo.repository,
      `WIZARD_CLAIM_${fingerprint(held)}`,
      JSON.stringify({ v: 1, state: 'claimed', holder: 'run 7', nonce: 'x', at, until: at, presentations: 0 })
    )
    await w.clock.advance(CLAIM_HOLD_MS)
    w.fx.github.injectFault({ method: 'GET', path: /public-key$/ }, { kind: 'status', status: 404 })
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'preflight' })
    expect(Object.keys(w.variables()).filter((name) => name.endsWith('_2'))).toEqual([])
    expect(w.fx.oauth.presented).toEqual([])
  })

  it('the successor claimed by another run while this one writes it: its write landed, and is not retried over a newer token', async () => {
    const w = world()
    w.fx.github.injectFault(
      { method: 'PUT', path: /\/secrets\/WIZARD_REFRESH_TOKEN$/ },
      { kind: 'lose-answer' }
    )
    // Another run read the successor from the secret and claimed it, just before this run's reservation.
    w.fx.github.onRequest((request, body) => {
      if (request.method !== 'POST' || !body.includes('reserved')) return
      const { name } = JSON.parse(body) as { name: string }
      const at = new Date(w.clock.ms).toISOString()
      const claim = {
        v: 1,
        state: 'claimed',
        holder: 'run 9',
        nonce: 'other',
        at,
        until: at,
        presentations: 0
      }
      w.fx.github.setVariable(w.fx.repo.repository, name, JSON.stringify(claim))
    })
    const run = await w.run()
    expect(run.outcome.status).toBe('rotated')
    expect(
      w.fx.github.requests.filter(
        (r) => r.method === 'PUT' && r.path.endsWith('/secrets/WIZARD_REFRESH_TOKEN')
      )
    ).toHaveLength(1)
    await expectChainAlive(w)
  })

  it('its own reservation’s create applied and its answer lost, while the refresh-token write is failing: the 409 is not taken for another run’s claim; the write goes on and lands', async () => {
    const w = world()
    const old = w.fx.storedRefreshToken()
    w.fx.github.injectFault({ method: 'POST', body: /reserved/ }, { kind: 'lose-answer' })
    w.fx.github.injectFault(
      { method: 'PUT', path: /\/secrets\/WIZARD_REFRESH_TOKEN$/ },
      { kind: 'status', status: 502 },
      3
    )
    const run = await w.run()
    expect(run.outcome.status).toBe('rotated')
    expect(w.fx.storedRefreshToken()).not.toBe(old)
    await expectOneLiveChain(w)
  })

  it('a give-back whose DELETE was applied and its answer lost is never sent again: the run that claimed the token meanwhile keeps its claim, and no third run presents the token', async () => {
    const w = world()
    const { held, claim } = await tokenAnHourOn(w)
    // The dry run's give-back: applied, its answer lost; a retry would come 40 s later.
    w.fx.github.injectFault({ method: 'DELETE', path: claim }, { kind: 'lose-answer' })
    w.fx.github.injectFault({ method: 'DELETE', path: claim }, { kind: 'delay', ms: 40_000 })
    const { dry, waited, deletes } = await dryRunWithWaiter(w, held, claim)
    expect(dry.outcome.status).toBe('dry-run')
    expect(waited?.outcome.status).toBe('rotated')
    expect(deletes()).toBe(1)
    await w.clock.advance(MINUTE)
    await expectQueuedRunRefused(w, held)
  })

  it('a give-back whose first update is applied late, after its retry: no DELETE, so the late write lands on the given-back claim, never on a claim made after it; taken over once settled; one presentation', async () => {
    const w = world()
    const { held, claim } = await tokenAnHourOn(w)
    // The dry run's give-back: its first update waits in GitHub past the attempt's 30 s and is applied at
    // 50 s, after the retry has answered.
    w.fx.github.injectFault({ method: 'PATCH', path: claim, body: /released/ }, { kind: 'delay', ms: 50_000 })
    const { dry, waited, deletes } = await dryRunWithWaiter(w, held, claim)
    expect(dry.outcome.status).toBe('dry-run')
    // The run that waited on it: red, nothing spent, while the claim's removal might still land.
    expect(waited?.outcome).toMatchObject({ status: 'failed', errorKind: 'transient' })
    expect(waited?.failed).toMatch(/gave this refresh token's claim back/)
    expect(deletes()).toBe(0)
    expect(presentationsOf(w).get(held)).toBeUndefined()
    // Once settled, the next run takes it over in the next generation, counting no presentation.
    await w.clock.advance(RELEASE_SETTLE_MS)
    expect((await w.run({ inputs: { 'refresh-token': held } })).outcome.status).toBe('rotated')
    // Left behind: the first claim says released (the late write changed nothing), the next one stored.
    expect(JSON.parse(w.variables()[`WIZARD_CLAIM_${fingerprint(held)}`] ?? '{}')).toMatchObject({
      state: 'released'
    })
    expect(JSON.parse(w.variables()[`WIZARD_CLAIM_${fingerprint(held)}_2`] ?? '{}')).toMatchObject({
      state: 'stored'
    })
    await expectQueuedRunRefused(w, held)
  })

  it('a give-back whose one DELETE sits in GitHub and lands after a waiting run read "released": that run creates the claim again once it has landed, never the next generation; a run queued with the old token is still refused', async () => {
    const w = world()
    const { held, claim } = await tokenAnHourOn(w)
    w.fx.github.injectFault({ method: 'DELETE', path: claim }, { kind: 'delay', ms: 50_000 })
    const { dry, waited } = await dryRunWithWaiter(w, held, claim)
    expect(dry.outcome.status).toBe('dry-run')
    expect(waited?.outcome.status).toBe('rotated')
    await w.clock.advance(MINUTE)
    // Left behind: one claim, the first generation, made by run L after the DELETE landed.
    const claims = Object.keys(w.variables()).filter((name) =>
      name.startsWith(`WIZARD_CLAIM_${fingerprint(held)}`)
    )
    expect(claims).toEqual([`WIZARD_CLAIM_${fingerprint(held)}`])
    await expectQueuedRunRefused(w, held)
  })

  it('one 502 on the claim’s own write does not keep the successor’s reservation: every run of a 10-minute cadence rotates', async () => {
    const w = world()
    await w.run()
    await w.clock.advance(10 * MINUTE)
    w.fx.github.injectFault(
      { method: 'PATCH', path: /WIZARD_CLAIM_/, body: /received/ },
      { kind: 'status', status: 502 }
    )
    const statuses: string[] = []
    for (let i = 0; i < 3; i++) {
      statuses.push((await w.run()).outcome.status)
      await w.clock.advance(10 * MINUTE)
    }
    expect(statuses).toEqual(['rotated', 'rotated', 'rotated'])
    await expectOneLiveChain(w)
  })

  it('give-backs on a flaky GitHub, each update meeting a 502 and kept: each settled claim is taken over in the next generation, and the token still rotates after nine of them', async () => {
    const w = world()
    await w.run()
    await w.clock.advance(HOUR)
    const held = w.fx.storedRefreshToken()
    const claims = new RegExp(`/variables/WIZARD_CLAIM_${fingerprint(held)}(_\\d+)?$`)
    for (let i = 0; i < 9; i++) {
      w.fx.github.injectFault(
        { method: 'PATCH', path: claims, body: /released/ },
        { kind: 'status', status: 502 }
      )
      const dry = await w.run({ inputs: { 'refresh-token': held, 'dry-run': 'true' } })
      expect(dry.outcome.status).toBe('dry-run')
      await w.clock.advance(RELEASE_SETTLE_MS)
    }
    expect((await w.run({ inputs: { 'refresh-token': held } })).outcome.status).toBe('rotated')
    // Left behind: ten generations of the spent token's claims, removed with it a day on.
    expect(Object.keys(w.variables()).filter((name) => name.includes(fingerprint(held)))).toHaveLength(10)
    expect(presentationsOf(w).get(held)).toBe(1)
    await expectOneLiveChain(w)
    for (let i = 0; i < 26; i++) {
      await w.clock.advance(HOUR)
      await w.run()
    }
    expect(Object.keys(w.variables()).filter((name) => name.includes(fingerprint(held)))).toEqual([])
  })

  it('a token whose successor is stored, held over an expired access token: red (the chain has stopped), never green', async () => {
    const w = world()
    const held = w.fx.storedRefreshToken()
    await w.run()
    // The stored access token expires, and nothing rotates it since.
    await w.clock.advance(2 * HOUR)
    const rerun = await w.run({ inputs: { 'refresh-token': held } })
    expect(rerun.outcome).toMatchObject({ status: 'failed', errorKind: 'guard' })
    expect(rerun.failed).toMatch(/the stored access token has expired/)
    expect(presentationsOf(w).get(held)).toBe(1)
  })

  it('a run queued behind a rotation late in the hour, its expiry read stale: skipped green, not red (the record knows the spend to its hour)', async () => {
    // Found by the year's soak: the record said "spent in the hour from 08:00", the stale expiry (08:23, the
    // rotation before) was later than 08:00, and the run called a healthy chain stopped.
    const w = world()
    await w.run()
    await w.clock.advance(65 * MINUTE)
    const held = w.fx.storedRefreshToken()
    expect((await w.run()).outcome.status).toBe('rotated')
    w.fx.github.injectFault({ method: 'GET', path: /EXPIRES_AT$/ }, { kind: 'stale', ms: 5 * MINUTE })
    const queued = await w.run({ inputs: { 'refresh-token': held } })
    expect(queued.outcome.status).toBe('skipped-spent')
    expect(queued.log).toMatch(/was spent between \S+T08:00:00\.000Z and \S+T09:00:00\.000Z/)
    expect(presentationsOf(w).get(held)).toBe(1)
    await expectOneLiveChain(w)
  })

  it('an outdated token over an expired access token: red, never green (a chain that has stopped)', async () => {
    const w = world()
    const held = w.fx.storedRefreshToken()
    const at = new Date(w.clock.ms).toISOString()
    w.fx.github.setVariable(
      w.fx.repo.repository,
      `WIZARD_CLAIM_${fingerprint(held)}`,
      JSON.stringify({ v: 1, state: 'claimed', holder: 'run 7', nonce: 'x', at, until: at, presentations: 0 })
    )
    await w.clock.advance(5000)
    // A person stores the same token again, after the silent claim.
    w.fx.github.setSecret(w.fx.repo, 'WIZARD_REFRESH_TOKEN', held)
    await w.clock.advance(CLAIM_HOLD_MS)
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'guard' })
    expect(run.failed).toMatch(/delete the claim and run the workflow again/)
  })
})

describe('half-hour access tokens', () => {
  const world = useWorld({ oauth: { accessTokenTtlSeconds: 1800 } })

  it('a token whose successor is stored, held over an access token expired long after the spend: red, even though the record knows the spend only to its hour', async () => {
    const w = world()
    const held = w.fx.storedRefreshToken()
    await w.run()
    await w.clock.advance(2 * HOUR)
    const rerun = await w.run({ inputs: { 'refresh-token': held } })
    expect(rerun.outcome).toMatchObject({ status: 'failed', errorKind: 'guard' })
    expect(rerun.failed).toMatch(/the stored access token has expired/)
    expect(presentationsOf(w).get(held)).toBe(1)
  })
})

describe('migrating from the lock of earlier versions', () => {
  const world = useWorld()
  it('the first run says the old lock variable can be deleted, and ignores it', async () => {
    const w = world()
    w.fx.github.setVariable(
      w.fx.repo.repository,
      'WIZARD_ROTATION_LOCK',
      '{"holder":"old","until":"2099-01-01T00:00:00Z","nonce":"n"}'
    )
    const run = await w.run()
    expect(run.outcome.status).toBe('rotated')
    expect(run.log).toContain('gh variable delete WIZARD_ROTATION_LOCK --repo octo/widgets')
  })
})
