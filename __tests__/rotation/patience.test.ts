import { patientStep } from '../../src/rotation/patience.js'

const now = new Date('2026-11-28T12:00:00.000Z')
const deadline = now.getTime() + 10 * 60_000
const failure = (status: number | undefined, headers: Record<string, string> = {}, message = '') => ({
  status,
  headers,
  message
})

describe('patientStep (the refresh-token write)', () => {
  it('waits out an outage with backoff, capped at 30 s', () => {
    expect(patientStep(failure(503), 1, 0, now, deadline, 1000)).toMatchObject({
      action: 'wait',
      waitMs: 1000
    })
    expect(patientStep(failure(undefined), 3, 0, now, deadline, 1000)).toMatchObject({
      action: 'wait',
      waitMs: 4000,
      why: 'no answer'
    })
    expect(patientStep(failure(500), 12, 0, now, deadline, 1000)).toMatchObject({ waitMs: 30_000 })
  })

  it('waits as long as a rate limit asks, beyond any backoff', () => {
    const secondary = failure(403, { 'retry-after': '60' }, 'You have exceeded a secondary rate limit')
    expect(patientStep(secondary, 1, 0, now, deadline, 1000)).toMatchObject({
      action: 'wait',
      waitMs: 60_000,
      why: 'rate limited (GitHub asks to wait 60 s)'
    })
    const reset = String(now.getTime() / 1000 + 240)
    expect(
      patientStep(
        failure(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }),
        1,
        0,
        now,
        deadline,
        1000
      )
    ).toMatchObject({ action: 'wait', waitMs: 240_000 })
  })

  it('waits until the deadline for one last try when GitHub asks for longer, and stops once it passed', () => {
    expect(patientStep(failure(429, { 'retry-after': '900' }), 1, 0, now, deadline, 1000)).toMatchObject({
      action: 'wait',
      waitMs: 10 * 60_000
    })
    expect(patientStep(failure(503), 9, 0, now, now.getTime() + 500, 1000)).toMatchObject({
      action: 'stop',
      why: 'refresh-token-write-timeout ran out'
    })
  })

  it('re-reads the key on a 422, a few times at most', () => {
    expect(patientStep(failure(422), 1, 0, now, deadline, 1000)).toEqual({ action: 'rekey' })
    expect(patientStep(failure(422), 4, 3, now, deadline, 1000)).toMatchObject({ action: 'stop' })
  })

  it.each([401, 404, 400, 403])('stops at once on a %i that waiting does not change', (status) => {
    expect(patientStep(failure(status), 1, 0, now, deadline, 1000)).toMatchObject({ action: 'stop' })
  })
})
