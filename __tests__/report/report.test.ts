import { formatDuration } from '../../src/inputs/duration.js'
import { outputsFor, summaryFor, type RunReport } from '../../src/report/report.js'

const target = { repository: 'octo/cat', owner: 'octo', repo: 'cat', environment: undefined }
const rotated: RunReport = {
  status: 'rotated',
  target,
  written: [
    { name: 'WIZARD_REFRESH_TOKEN', what: 'refresh token', result: 'updated' },
    { name: 'WIZARD_OAUTH_TOKEN', what: 'access token', result: 'updated' },
    { name: 'WIZARD_EXPIRES_AT', what: 'expiry', result: 'created' }
  ],
  expiry: { expiresAt: new Date('2026-11-24T11:00:00.000Z'), expiresIn: 3600, source: 'expires_in' },
  refreshTokenRotated: true
}

describe('outputsFor', () => {
  it('reports a rotation', () => {
    expect(outputsFor(rotated)).toEqual({
      status: 'rotated',
      'expires-at': '2026-11-24T11:00:00.000Z',
      'expires-in': '3600',
      'refresh-token-rotated': 'true',
      'secrets-written': 'WIZARD_REFRESH_TOKEN,WIZARD_OAUTH_TOKEN,WIZARD_EXPIRES_AT',
      'error-kind': '',
      'github-token-expires-at': ''
    })
    expect(
      outputsFor({ ...rotated, writerTokenExpiresAt: new Date('2026-12-01T00:00:00.000Z') })[
        'github-token-expires-at'
      ]
    ).toBe('2026-12-01T00:00:00.000Z')
  })

  it('reports a failure with its kind and empty expiry', () => {
    const failed = outputsFor({
      status: 'failed',
      written: [],
      refreshTokenRotated: false,
      errorKind: 'terminal',
      message: 'x'
    })
    expect(failed).toMatchObject({
      status: 'failed',
      'error-kind': 'terminal',
      'expires-at': '',
      'secrets-written': ''
    })
  })
})

describe('summaryFor', () => {
  it('shows names, outcomes and the expiry, in a table', () => {
    const summary = summaryFor(rotated)
    expect(summary.heading).toBe('OAuth secrets rotated on octo/cat')
    expect(summary.table).toEqual([
      ['Secret', 'What', 'Result'],
      ['WIZARD_REFRESH_TOKEN', 'refresh token', 'updated'],
      ['WIZARD_OAUTH_TOKEN', 'access token', 'updated'],
      ['WIZARD_EXPIRES_AT', 'expiry', 'created']
    ])
    expect(summary.notes[0]).toContain('2026-11-24T11:00:00.000Z (in 1h')
  })

  it('says when the server kept the refresh token', () => {
    expect(summaryFor({ ...rotated, refreshTokenRotated: false }).notes.join(' ')).toContain(
      'did not issue a new refresh token'
    )
  })

  it.each<[RunReport['status'], string]>([
    ['skipped-stale', 'OAuth rotation skipped on octo/cat: another run already rotated'],
    ['skipped-valid', 'OAuth rotation skipped on octo/cat: the current token is still valid'],
    ['dry-run', 'OAuth rotation dry run on octo/cat'],
    ['failed', 'OAuth secret rotation failed on octo/cat']
  ])('heads a %s run as "%s"', (status, heading) => {
    expect(summaryFor({ ...rotated, status, written: [] }).heading).toBe(heading)
  })

  it('speaks of the current token, not a new one, when the expiry is the stored one', () => {
    const expiry = {
      expiresAt: new Date('2026-11-24T11:00:00.000Z'),
      expiresIn: 600,
      source: 'stored' as const
    }
    expect(summaryFor({ ...rotated, status: 'skipped-valid', expiry }).notes[0]).toMatch(
      /^The current access token expires at .* from the stored expiry/
    )
  })

  it('names the environment of an environment target', () => {
    expect(summaryFor({ ...rotated, target: { ...target, environment: 'prod' } }).heading).toContain(
      '(environment "prod")'
    )
  })
})

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [59, '59s'],
    [3600, '1h'],
    [3599, '59m 59s'],
    [5400, '1h 30m']
  ])('formats %i seconds as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text)
  })
})

describe('the headline a person reads first', () => {
  it.each<[RunReport, RegExp]>([
    [
      rotated,
      /^Healthy: rotated; the new access token is valid until 2026-11-24T11:00:00.000Z \(1h left\)\.$/
    ],
    [
      { ...rotated, status: 'skipped-locked', written: [] },
      /^Healthy: skipped; another run is rotating right now\.$/
    ],
    [
      { status: 'failed', written: [], refreshTokenRotated: false, errorKind: 'transient' },
      /^Failed \(transient\)\. Next step: nothing; the next scheduled run retries/
    ],
    [
      { status: 'failed', written: [], refreshTokenRotated: false, errorKind: 'preflight' },
      /^Failed \(preflight\)\. Next step: fix the writer token/
    ],
    [
      { status: 'cancelled', written: [], refreshTokenRotated: false, errorKind: 'cancelled' },
      /^Cancelled before the grant/
    ]
  ])('%#', (report, headline) => {
    expect(summaryFor(report).headline).toMatch(headline)
  })

  it('says when the last rotation was', () => {
    expect(summaryFor(rotated).notes).toContain('Last rotation: this run, at 2026-11-24T10:00:00.000Z.')
  })

  it('carries the writer token expiry and the warnings into the notes', () => {
    const notes = summaryFor({
      ...rotated,
      writerTokenExpiresAt: new Date('2026-12-01T00:00:00.000Z'),
      warnings: ['The run before this one was missed.']
    }).notes
    expect(notes).toContain('The writer token expires at 2026-12-01T00:00:00.000Z.')
    expect(notes).toContain('The run before this one was missed.')
  })
})
