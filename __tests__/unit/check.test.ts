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
})
