import { alertMarker, planAlert } from '../../src/report/alert.js'
import type { RunReport } from '../../src/report/report.js'

const failed = (
  errorKind: RunReport['errorKind'],
  message = 'It broke.\n  gh secret set X --repo o/r'
): RunReport => ({
  status: 'failed',
  written: [],
  refreshTokenRotated: false,
  errorKind,
  message
})
const url = 'https://github.com/o/r/actions/runs/1'

describe('planAlert', () => {
  it.each(['terminal', 'store', 'preflight', 'unknown', 'input', 'response'] as const)(
    'opens the alert for a %s failure, with the steps as a block to copy and the run linked',
    (kind) => {
      const plan = planAlert(failed(kind), 'o/r', undefined, url)
      expect(plan).toMatchObject({
        action: 'open',
        title: `OAuth token rotation needs a person: o/r (${kind})`
      })
      if (plan.action !== 'open') return
      expect(plan.body).toContain(alertMarker('o/r'))
      expect(plan.body).toContain('```sh\n  gh secret set X --repo o/r\n```')
      expect(plan.body).toContain(url)
    }
  )

  it.each(['transient', 'concurrent', 'cancelled', 'check'] as const)('does not for a %s failure', (kind) => {
    expect(planAlert(failed(kind), 'o/r', undefined, url)).toEqual({ action: 'none' })
  })

  it('opens it for a writer token in its last days, even when the run succeeded', () => {
    const rotated: RunReport = { status: 'rotated', written: [], refreshTokenRotated: true }
    expect(planAlert(rotated, 'o/r', 'The writer token expires in 2 days.', url)).toMatchObject({
      action: 'open'
    })
  })

  it('closes it after a rotation, and leaves it alone after a skip', () => {
    expect(
      planAlert({ status: 'rotated', written: [], refreshTokenRotated: true }, 'o/r', undefined, url)
    ).toMatchObject({
      action: 'close'
    })
    expect(
      planAlert({ status: 'skipped-locked', written: [], refreshTokenRotated: false }, 'o/r', undefined, url)
    ).toEqual({
      action: 'none'
    })
  })

  it('keeps one alert per target: another target’s rotation does not close it', () => {
    const open = planAlert(failed('terminal'), 'o/r (environment "eu") RT', undefined, url)
    const closeOther = planAlert(
      { status: 'rotated', written: [], refreshTokenRotated: true },
      'o/r RT',
      undefined,
      url
    )
    expect(open.action === 'open' && closeOther.action === 'close' && open.marker !== closeOther.marker).toBe(
      true
    )
  })

  it('never carries a token-shaped value', () => {
    const leaky = failed(
      'terminal',
      'Refused eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJl here'
    )
    const plan = planAlert(leaky, 'o/r', undefined, undefined)
    expect(plan.action === 'open' && plan.body).not.toContain('eyJhbGci')
  })
})
