import { fingerprint } from '../../src/lease/fingerprint.js'
import { parseRecord } from '../../src/lease/record.js'
import { ENVIRONMENT, JOB_TOKEN, PAT } from '../../harness/fixture.js'
import { DAY, expectChainAlive, expectOneLiveChain, HOUR, useWorld } from '../support/world.js'

const world = useWorld()

describe('a rotation', () => {
  it('stores the new refresh token, access token and real expiry; the claim says stored, the record lists the spent token; nothing leaks', async () => {
    const w = world()
    const seeded = w.fx.storedRefreshToken()
    const sentAt = w.clock.ms
    const run = await w.run({ inputs: { 'client-secret': '' } })

    expect(run.outcome.status).toBe('rotated')
    const stored = w.stored()
    expect(stored.WIZARD_REFRESH_TOKEN).not.toBe(seeded)
    await expectChainAlive(w)
    expect(await w.fx.oauth.isAccessTokenLive(stored.WIZARD_OAUTH_TOKEN ?? '')).toBe(true)
    expect(await w.fx.oauth.isRefreshTokenLive(seeded)).toBe(false)
    // Real expiry: the server's expires_in (3600 s) counted from the send.
    expect(stored.WIZARD_EXPIRES_AT).toBe(new Date(sentAt + 3600_000).toISOString())
    expect(w.variables().WIZARD_EXPIRES_AT).toBe(stored.WIZARD_EXPIRES_AT)
    expect(w.fx.oauth.presented).toEqual([seeded])

    const claim = JSON.parse(w.variables()[`WIZARD_CLAIM_${fingerprint(seeded)}`] ?? '{}')
    expect(claim).toMatchObject({ state: 'stored', next: fingerprint(stored.WIZARD_REFRESH_TOKEN ?? '') })
    const record = parseRecord(w.variables().WIZARD_REFRESH_TOKEN_SPENT)
    expect(record).toMatchObject({
      kind: 'read',
      entries: [{ fingerprint: fingerprint(seeded), stored: true }]
    })

    expect(run.outputs).toMatchObject({
      status: 'rotated',
      healthy: 'true',
      'expires-at': stored.WIZARD_EXPIRES_AT,
      'expires-in': '3600',
      'refresh-token-rotated': 'true',
      'secrets-written': 'WIZARD_REFRESH_TOKEN,WIZARD_OAUTH_TOKEN,WIZARD_EXPIRES_AT',
      'error-kind': ''
    })
    expect(run.outputs['access-token']).toBe(stored.WIZARD_OAUTH_TOKEN)
    // Every value masked with the runner the moment it was known, none shown anywhere.
    for (const value of [seeded, PAT, JOB_TOKEN, stored.WIZARD_REFRESH_TOKEN, stored.WIZARD_OAUTH_TOKEN])
      expect(run.masked).toContain(value)
    expect(
      run.leaks([seeded, PAT, JOB_TOKEN, stored.WIZARD_REFRESH_TOKEN, stored.WIZARD_OAUTH_TOKEN])
    ).toEqual([])
    expect(run.summary).toContain('Healthy: the stored access token is valid until')
    expect(run.failed).toBeUndefined()
  })

  it('takes ten sequential round trips: the key, the expiry and the record; the claim beside the write proof; the expiry pointed at now; the grant; the claim’s “received” beside its successor’s reservation; the refresh token; the access token beside the claim’s “stored”; the expiry that describes it; then the reservation given back, released and deleted', async () => {
    const w = world()
    // The first run ever also creates the empty record (a 404 is never taken at its word); from then on:
    await w.run()
    await w.clock.advance(HOUR)
    // Every GitHub answer takes a second of virtual time: the requests of one round start at the same instant.
    const from = w.fx.github.requests.length
    const grantsBefore = w.fx.oauth.tokenRequestLog.length
    w.fx.github.injectFault({}, { kind: 'delay', ms: 1000 }, 1000)
    await w.run()
    w.fx.github.clearFaults()
    const requests = w.fx.github.requests.slice(from)
    const rounds = new Map<number, string[]>()
    for (const r of requests) {
      const call = `${r.method} ${r.path.replace(/CLAIM_[0-9A-F]+/, 'CLAIM_*').replace('/repos/octo/widgets/actions', '')}`
      rounds.set(r.startedAt, [...(rounds.get(r.startedAt) ?? []), call].sort())
    }
    const grantAt = w.fx.oauth.tokenRequestLog[grantsBefore]!.startedAt
    const [first, second, third, fourth] = [...rounds.keys()].sort((a, b) => a - b)
    expect(rounds.get(first!)).toEqual([
      'GET /secrets/public-key',
      'GET /variables/WIZARD_EXPIRES_AT',
      'GET /variables/WIZARD_REFRESH_TOKEN_SPENT'
    ])
    expect(rounds.get(second!)).toEqual(['POST /variables', 'PUT /secrets/WIZARD_WRITE_CHECK'])
    // The stored expiry pointed at now, and answered, before the grant that revokes the stored access token.
    expect(third).toBe(second! + 1000)
    expect(rounds.get(third!)).toEqual([
      'PATCH /variables/WIZARD_EXPIRES_AT',
      'PUT /secrets/WIZARD_EXPIRES_AT'
    ])
    expect(grantAt).toBe(third! + 1000)
    // The claim's "received" and the successor's reservation; the refresh token once the reservation answered,
    // so no run can read the successor from the secret before it is reserved.
    const [, , , , fifth, sixth, seventh, eighth, ninth] = [...rounds.keys()].sort((a, b) => a - b)
    expect(fourth).toBe(grantAt)
    expect(rounds.get(fourth!)).toEqual(['PATCH /variables/WIZARD_CLAIM_*', 'POST /variables'])
    expect(fifth).toBe(fourth! + 1000)
    expect(rounds.get(fifth!)).toEqual(['PUT /secrets/WIZARD_REFRESH_TOKEN'])
    // Once the refresh token landed: the access token, beside the claim's "stored" and the spent record.
    expect(sixth).toBe(fifth! + 1000)
    expect(rounds.get(sixth!)).toEqual([
      'PATCH /variables/WIZARD_CLAIM_*',
      'PATCH /variables/WIZARD_REFRESH_TOKEN_SPENT',
      'PUT /secrets/WIZARD_OAUTH_TOKEN'
    ])
    // Once the access token landed: the expiry that describes it.
    expect(seventh).toBe(sixth! + 1000)
    expect(rounds.get(seventh!)).toEqual([
      'PATCH /variables/WIZARD_EXPIRES_AT',
      'PUT /secrets/WIZARD_EXPIRES_AT'
    ])
    // Once both answered: the successor's reservation given back, released and then its one DELETE (never sent
    // twice: docs/design.md). Given back sooner, a run holding the successor could rotate under these writes.
    expect(eighth).toBe(seventh! + 1000)
    expect(rounds.get(eighth!)).toEqual(['PATCH /variables/WIZARD_CLAIM_*'])
    expect(ninth).toBe(eighth! + 1000)
    expect(rounds.get(ninth!)).toEqual(['DELETE /variables/WIZARD_CLAIM_*'])
    expect(rounds.size).toBe(9)
  })

  it('chains hourly: each run presents what the last stored, once; a day later the spent claims are removed, the record keeps them', async () => {
    const w = world()
    for (let hour = 0; hour < 26; hour++) {
      const run = await w.run()
      expect(run.outcome.status).toBe('rotated')
      await w.clock.advance(HOUR)
    }
    await expectOneLiveChain(w)
    const claims = Object.keys(w.variables()).filter((name) => name.includes('_CLAIM_'))
    // Claims of the last day stay (the record's reads may still lag behind them); older ones are gone.
    expect(claims.length).toBeLessThanOrEqual(25)
    expect(claims.length).toBeGreaterThanOrEqual(23)
    const record = parseRecord(w.variables().WIZARD_REFRESH_TOKEN_SPENT)
    expect(record.kind === 'read' && record.entries).toHaveLength(26)
    const first = w.fx.oauth.presented[0] ?? ''
    expect(Object.keys(w.variables())).not.toContain(`WIZARD_CLAIM_${fingerprint(first)}`)
  })

  it("an environment's secrets, with the names that must differ per environment suffixed by it", async () => {
    const w = world()
    const target = { repository: w.fx.repo.repository, environment: ENVIRONMENT }
    const seeded = await w.fx.oauth.mintRefreshToken()
    w.fx.github.setSecret(target, 'WIZARD_REFRESH_TOKEN', seeded)
    const run = await w.run({ inputs: { environment: ENVIRONMENT, 'refresh-token': seeded } })
    expect(run.outcome.status).toBe('rotated')
    const stored = w.fx.github.secrets(target)
    expect(stored.WIZARD_REFRESH_TOKEN).not.toBe(seeded)
    expect(await w.fx.oauth.isRefreshTokenLive(stored.WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
    const names = Object.keys(w.variables())
    expect(names).toEqual(
      expect.arrayContaining([
        'WIZARD_EXPIRES_AT_PRODUCTION',
        'WIZARD_REFRESH_TOKEN_PRODUCTION_SPENT',
        `WIZARD_CLAIM_${fingerprint(seeded)}`
      ])
    )
    // The repository's own secrets are untouched.
    expect(w.stored().WIZARD_REFRESH_TOKEN).toBe(w.fx.initialRefreshToken)
  })

  it('a dry run claims, proves the write and gives the claim back: nothing spent, nothing rotated', async () => {
    const w = world()
    const run = await w.run({ inputs: { 'dry-run': 'true' } })
    expect(run.outcome.status).toBe('dry-run')
    expect(w.fx.oauth.presented).toEqual([])
    expect(w.stored().WIZARD_REFRESH_TOKEN).toBe(w.fx.initialRefreshToken)
    expect(w.stored().WIZARD_WRITE_CHECK).toMatch(/proves? the writer token can write secrets/)
    expect(Object.keys(w.variables()).filter((name) => name.includes('_CLAIM_'))).toEqual([])
    expect(run.log).toContain('Dry run')
    // The real run after it rotates.
    expect((await w.run()).outcome.status).toBe('rotated')
  })

  it('skip-if-valid-for skips while the stored token lives longer, before any claim (nothing left behind); an expired stored token is never "Healthy"', async () => {
    const w = world()
    await w.run()
    await w.clock.advance(10 * 60_000)
    const skipped = await w.run({ inputs: { 'skip-if-valid-for': '15m' } })
    expect(skipped.outcome.status).toBe('skipped-valid')
    expect(skipped.outputs.healthy).toBe('true')
    expect(Object.values(w.variables()).filter((v) => v.includes('"state":"claimed"'))).toEqual([])
    expect(w.fx.oauth.presented).toHaveLength(1)

    // A stored expiry in the past: the skip says so, as a warning, and healthy is false.
    w.fx.github.setVariable(
      w.fx.repo.repository,
      'WIZARD_EXPIRES_AT',
      new Date(w.clock.ms - 60_000).toISOString()
    )
    const rotated = await w.run({ inputs: { 'skip-if-valid-for': '15m' } })
    expect(rotated.outcome.status).toBe('rotated')
    expect(rotated.log).toMatch(
      /warning: The stored access token expired at .* ago: the run before this one was missed/
    )
  })

  it('a year of days: the record stays inside GitHub’s limit and the claims stay few', async () => {
    const w = world()
    for (let day = 0; day < 40; day++) {
      expect((await w.run()).outcome.status).toBe('rotated')
      await w.clock.advance(DAY)
    }
    const claims = Object.keys(w.variables()).filter((name) => name.includes('_CLAIM_'))
    expect(claims.length).toBeLessThanOrEqual(2)
    expect((w.variables().WIZARD_REFRESH_TOKEN_SPENT ?? '').length).toBeLessThan(48 * 1024)
  })
})
