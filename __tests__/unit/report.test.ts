import { parseConfig } from '../../src/config.js'
import { fence, say } from '../../src/messages.js'
import { STATUSES, type Outcome } from '../../src/outcome.js'
import { alertMarker, planAlert } from '../../src/report/alert.js'
import { isHealthy, outputsFor, summaryFor } from '../../src/report/report.js'
import { writeJobSummary } from '../../src/report/summary.js'
import type { FailReason, SkipReason } from '../../src/lease/decide.js'

const NOW = new Date('2026-11-30T07:23:00Z')
const config = parseConfig({
  'refresh-token': 'rt',
  'writer-token': 'pat',
  repository: 'octo/cat',
  environment: 'prod'
})
const expiry = (ms: number) => ({
  expiresAt: new Date(NOW.getTime() + ms),
  expiresIn: Math.max(0, ms / 1000),
  source: 'stored' as const
})
const outcome = (overrides: Partial<Outcome>): Outcome => ({
  status: 'rotated',
  phase: 'done',
  written: [],
  refreshTokenRotated: true,
  notes: [],
  config,
  ...overrides
})

describe('the outputs and the summary', () => {
  it('healthy only while the stored access token is valid; every status has its heading', () => {
    expect(isHealthy(outcome({ expiry: expiry(60_000) }), NOW)).toBe(true)
    expect(isHealthy(outcome({ expiry: expiry(-1) }), NOW)).toBe(false)
    expect(isHealthy(outcome({}), NOW)).toBe(false)
    // A red run's expiry is what it read at its start: never healthy from it.
    expect(isHealthy(outcome({ status: 'failed', errorKind: 'unknown', expiry: expiry(60_000) }), NOW)).toBe(
      false
    )
    expect(isHealthy(outcome({ status: 'cancelled', expiry: expiry(60_000) }), NOW)).toBe(false)
    for (const status of STATUSES)
      expect(say.report.heading(status, config)).toContain('octo/cat (environment "prod")')
    expect(say.report.heading('failed', undefined)).toContain('the target')
  })

  it('a skip over an expired stored token says "Not healthy", with how long ago', () => {
    const summary = summaryFor(outcome({ status: 'skipped-spent', expiry: expiry(-120_000) }), NOW, [])
    expect(summary.headline).toMatch(/^Not healthy: the stored access token expired at .* 2m ago/)
    expect(summaryFor(outcome({ status: 'skipped-spent' }), NOW, []).headline).toMatch(/no stored expiry/)
  })

  it('outputs as strings; the expiry variable is not a secret written', () => {
    const out = outputsFor(
      outcome({
        expiry: { expiresAt: new Date(NOW.getTime() + 3600_000), expiresIn: 3600, source: 'expires_in' },
        written: [
          { name: 'WIZARD_REFRESH_TOKEN', what: 'refresh token', result: 'updated' },
          { name: 'WIZARD_EXPIRES_AT', what: 'expiry variable', result: 'created' }
        ]
      }),
      NOW,
      new Date('2026-12-24T00:00:00Z')
    )
    expect(out).toEqual({
      status: 'rotated',
      healthy: 'true',
      'expires-at': '2026-11-30T08:23:00.000Z',
      'expires-in': '3600',
      'refresh-token-rotated': 'true',
      'secrets-written': 'WIZARD_REFRESH_TOKEN',
      'error-kind': '',
      'writer-token-expires-at': '2026-12-24T00:00:00.000Z'
    })
    expect(
      outputsFor(outcome({ status: 'failed', refreshTokenRotated: false }), NOW, undefined)
    ).toMatchObject({ 'expires-at': '', 'expires-in': '' })
  })

  it('a rotation’s notes: the expiry and its source, the time of the rotation, a server that kept the refresh token', () => {
    const summary = summaryFor(
      outcome({
        refreshTokenRotated: false,
        expiry: { expiresAt: new Date(NOW.getTime() + 3600_000), expiresIn: 3600, source: 'jwt-exp' },
        notes: ['a note'],
        message: 'the message'
      }),
      NOW,
      ['extra']
    )
    expect(summary.notes).toEqual([
      expect.stringContaining("from the token's exp claim"),
      'Last rotation: this run, at 2026-11-30T07:23:00.000Z.',
      say.report.notRotatedRefresh,
      'a note',
      'extra',
      'the message'
    ])
    expect(summaryFor(outcome({ status: 'dry-run' }), NOW, []).headline).toBe(say.report.dryRun)
    expect(summaryFor(outcome({ status: 'cancelled' }), NOW, []).headline).toMatch(
      /^Cancelled before the grant/
    )
    expect(summaryFor(outcome({ status: 'failed' }), NOW, []).headline).toMatch(/^Failed \(transient\)/)
  })

  it('the job summary: redacted, then escaped; commands in a code block', async () => {
    const calls: string[] = []
    const builder = {
      emptyBuffer: () => builder,
      addHeading: (text: string) => (calls.push(`h:${text}`), builder),
      addRaw: (text: string) => (calls.push(`r:${text}`), builder),
      addTable: (rows: unknown) => (calls.push(`t:${JSON.stringify(rows)}`), builder),
      addCodeBlock: (code: string) => (calls.push(`c:${code}`), builder),
      write: async () => builder
    }
    await writeJobSummary(
      {
        heading: '<b>',
        headline: 'secret-value & more',
        table: [['A'], ['<i>']],
        notes: ['prose\ngh secret set X']
      },
      builder as never,
      (text) => text.replace('secret-value', '***')
    )
    expect(calls).toEqual([
      'h:&#60;b&#62;',
      'r:<p><strong>*** &#38; more</strong></p>',
      't:[[{"data":"A","header":true}],["&#60;i&#62;"]]',
      'r:<p>prose</p>',
      'c:gh secret set X'
    ])
    expect(fence('just prose')).toBe('just prose')
  })
})

describe('the alert plan', () => {
  const target = 'octo/cat (prod) WIZARD_REFRESH_TOKEN'
  it('open exactly while a person is needed', () => {
    expect(
      planAlert(
        outcome({ status: 'failed', errorKind: 'terminal', message: 'm' }),
        target,
        undefined,
        'https://run'
      )
    ).toMatchObject({
      action: 'open',
      marker: alertMarker(target)
    })
    // An unknown grant waits for the run after the hold; the guard's refusal after two does not.
    // An unknown grant is said by the run that met it (if the server had rotated, no client can recover),
    // with a lead that says it may also clear by itself.
    expect(
      planAlert(
        outcome({ status: 'failed', errorKind: 'unknown', phase: 'grant-out' }),
        target,
        undefined,
        undefined
      )
    ).toMatchObject({ action: 'open', body: expect.stringContaining('may clear by itself') })
    expect(
      planAlert(
        outcome({ status: 'failed', errorKind: 'unknown', phase: 'before-grant' }),
        target,
        undefined,
        undefined
      ).action
    ).toBe('open')
    expect(
      planAlert(
        outcome({ status: 'failed', errorKind: 'transient', phase: 'before-grant' }),
        target,
        undefined,
        undefined
      ).action
    ).toBe('none')
    expect(
      planAlert(outcome({ status: 'failed', errorKind: 'store' }), target, undefined, undefined).action
    ).toBe('none')
    expect(planAlert(outcome({ status: 'skipped-spent' }), target, 'expires soon', undefined)).toMatchObject({
      action: 'open',
      title: expect.stringContaining('writer token')
    })
    expect(planAlert(outcome({ status: 'rotated' }), target, undefined, undefined)).toMatchObject({
      action: 'close'
    })
    expect(planAlert(outcome({ status: 'skipped-valid' }), target, undefined, undefined)).toEqual({
      action: 'none'
    })
    expect(alertMarker('a--b')).toBe('<!-- refresh-oauth-secrets:alert ab -->')
  })
})

describe('every skip and refusal has its sentence', () => {
  const skips: SkipReason[] = [
    { why: 'spent', since: 0 },
    { why: 'spent', since: 0, by: 'run 1' },
    { why: 'outdated', claimedAt: 0, by: 'run 1' }
  ]
  const fails: FailReason[] = [
    { why: 'in-flight', by: 'run 1', claimedAt: 0, until: 0 },
    { why: 'held', by: 'run 1', sentAt: 0, until: 0 },
    { why: 'unreadable', what: 'claim' },
    { why: 'unreadable', what: 'record' },
    { why: 'lost', since: 0 },
    { why: 'lost', since: 0, by: 'run 1' },
    { why: 'presented-twice', by: 'run 1' },
    { why: 'presented-twice', by: 'run 1', sentAt: 0 },
    { why: 'refused-after-unknown', by: 'run 1', at: 0 },
    { why: 'silent-with-recovery', by: 'run 1', claimedAt: 0 },
    { why: 'foreign-claim', generation: 2 },
    { why: 'unreadable-record', reason: 'x' },
    { why: 'same-second', claimedAt: 0, by: 'run 1' }
  ]
  it.each(skips)('skip %j', (reason) => expect(say.guard.skip(reason).length).toBeGreaterThan(40))
  it.each(fails)('fail %j', (reason) => expect(say.guard.fail(reason, config).length).toBeGreaterThan(40))
  it('a spend known from the record, lost or stored, is given as its hour, not as a time that looks exact', () => {
    const hour = Date.UTC(2027, 0, 1, 8)
    const between = /between 2027-01-01T08:00:00\.000Z and 2027-01-01T09:00:00\.000Z/
    expect(say.guard.skip({ why: 'spent', since: hour, withinMs: 3_600_000 })).toMatch(between)
    expect(say.guard.fail({ why: 'lost', since: hour, withinMs: 3_600_000 }, config)).toMatch(between)
    expect(say.guard.fail({ why: 'lost', since: hour, by: 'run 1' }, config)).toMatch(
      /spent by run 1 at 2027-01-01T08:00:00\.000Z/
    )
  })
  it('the cancel, at every phase', () => {
    for (const phase of [
      'before-grant',
      'not-rotated',
      'grant-out',
      'successor-received',
      'refresh-token-stored',
      'done'
    ] as const)
      expect(say.cancel.received('SIGINT', phase)).toMatch(/^SIGINT received/)
  })
  it('a refusal by what the server refused', () => {
    expect(say.grant.refused('r', 'unsupported_grant_type', config)).toMatch(
      /does not answer like an OAuth token endpoint/
    )
    expect(say.grant.refused('r', 'unauthorized_client', config)).toMatch(/refused the client/)
    expect(say.grant.refused('r', 'invalid_grant', { ...config, explicitTokenUrl: true })).toMatch(
      /this run used token-url/
    )
    expect(say.grant.notSent('x', 1)).toMatch(/1 attempt\)/)
    expect(say.lease.notes({ leftClaims: ['A'], unrecorded: [] }, undefined)).toEqual([
      expect.stringContaining('the claim of long-spent tokens')
    ])
    expect(say.lease.notes({ leftClaims: ['A', 'B'], unrecorded: [] }, config)[0]).toMatch(
      /the claims .* --repo octo\/cat/
    )
  })
})
