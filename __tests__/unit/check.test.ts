import { check } from '../../src/check/check.js'

const NOW = new Date('2026-11-30T07:23:00Z')

describe('the check action', () => {
  it('healthy with enough life left; red with too little, none, or a bad duration; no token needed', () => {
    expect(check({ 'expires-at': '2026-11-30T08:23:00Z', 'valid-for': '10m' }, NOW)).toMatchObject({
      healthy: true,
      expiry: { expiresIn: 3600 }
    })
    expect(check({ 'expires-at': '2026-11-30T07:30:00Z', 'valid-for': '10m' }, NOW)).toMatchObject({
      healthy: false,
      message: expect.stringMatching(/less than valid-for \(10m\)/)
    })
    expect(check({ 'expires-at': '', 'valid-for': '10m' }, NOW)).toMatchObject({
      healthy: false,
      message: expect.stringMatching(/No stored expiry/)
    })
    expect(check({ 'expires-at': '2026-11-30T08:23:00Z', 'valid-for': 'soon' }, NOW)).toMatchObject({
      healthy: false,
      message: expect.stringMatching(/Input "valid-for" must be a duration/)
    })
  })

  it('counts the life the next rotation takes away: the token is revoked once it has rotation-skip-if-valid-for left', () => {
    // 60 minutes left, the next rotation at 45 left: 15 minutes a job can count on.
    const inputs = { 'expires-at': '2026-11-30T08:23:00Z', 'rotation-skip-if-valid-for': '45m' }
    expect(check({ ...inputs, 'valid-for': '15m' }, NOW)).toMatchObject({ healthy: true })
    expect(check({ ...inputs, 'valid-for': '20m' }, NOW)).toMatchObject({
      healthy: false,
      expiry: { expiresIn: 3600 },
      message: expect.stringMatching(
        /once it has less than 45m left \(rotation-skip-if-valid-for\), in 15m: less than valid-for \(20m\)\. Start the job after the next rotation/
      )
    })
    // Past its margin: the next rotation may come any moment.
    expect(check({ ...inputs, 'expires-at': '2026-11-30T08:03:00Z', 'valid-for': '10m' }, NOW)).toMatchObject(
      { healthy: false, message: expect.stringMatching(/any moment now/) }
    )
    // Empty: the hourly schedule, whose next rotation comes as the token expires.
    expect(check({ ...inputs, 'rotation-skip-if-valid-for': '', 'valid-for': '50m' }, NOW)).toMatchObject({
      healthy: true
    })
    expect(
      check({ ...inputs, 'rotation-skip-if-valid-for': 'later', 'valid-for': '10m' }, NOW)
    ).toMatchObject({
      healthy: false,
      message: expect.stringMatching(/Input "rotation-skip-if-valid-for" must be a duration/)
    })
  })
})
