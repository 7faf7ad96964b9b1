import { decide } from '../../src/rotation/guard.js'

const now = new Date('2026-11-24T10:00:00.000Z')
const seen = '2026-11-24T10:20:00.000Z'

describe('decide', () => {
  it('exchanges when nothing is configured', () => {
    expect(
      decide({ expiresAtSeen: '', expiresAtNow: undefined, skipIfValidForMs: undefined, now }).action
    ).toBe('exchange')
  })

  it('exchanges when the variable still holds what this job saw at its start', () => {
    const decision = decide({
      expiresAtSeen: seen,
      expiresAtNow: { name: 'WIZARD_EXPIRES_AT', value: seen },
      skipIfValidForMs: undefined,
      now
    })
    expect(decision.action).toBe('exchange')
  })

  it('skips as stale when another run rotated after this job started', () => {
    const decision = decide({
      expiresAtSeen: seen,
      expiresAtNow: { name: 'WIZARD_EXPIRES_AT', value: '2026-11-24T11:05:00.000Z' },
      skipIfValidForMs: undefined,
      now
    })
    expect(decision).toMatchObject({ action: 'skip', status: 'skipped-stale' })
    if (decision.action === 'skip') expect(decision.reason).toContain('already spent')
  })

  it('skips as stale when the variable appeared after a job that saw none', () => {
    const decision = decide({
      expiresAtSeen: '',
      expiresAtNow: { name: 'X', value: seen },
      skipIfValidForMs: undefined,
      now
    })
    expect(decision).toMatchObject({ action: 'skip', status: 'skipped-stale' })
  })

  it('skips as valid when the current token outlives the threshold, and rotates when it does not', () => {
    const fifteen = 15 * 60_000
    const valid = decide({ expiresAtSeen: seen, expiresAtNow: undefined, skipIfValidForMs: fifteen, now })
    expect(valid).toMatchObject({ action: 'skip', status: 'skipped-valid' })
    if (valid.action === 'skip') expect(valid.reason).toContain('20m left')
    expect(
      decide({ expiresAtSeen: seen, expiresAtNow: undefined, skipIfValidForMs: 30 * 60_000, now }).action
    ).toBe('exchange')
  })

  it('judges validity by the fresher variable over the input', () => {
    const value = '2026-11-24T10:05:00.000Z'
    const decision = decide({
      expiresAtSeen: value,
      expiresAtNow: { name: 'X', value },
      skipIfValidForMs: 15 * 60_000,
      now
    })
    expect(decision.action).toBe('exchange')
  })

  it('rotates when the threshold is set but no expiry is known', () => {
    expect(decide({ expiresAtSeen: '', expiresAtNow: undefined, skipIfValidForMs: 60_000, now }).action).toBe(
      'exchange'
    )
  })
})
