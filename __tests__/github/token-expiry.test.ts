import { parseTokenExpiration, writerTokenNotice } from '../../src/github/token-expiry.js'

const now = new Date('2026-11-28T12:00:00.000Z')
const days = (n: number) => new Date(now.getTime() + n * 86_400_000)

describe('github-authentication-token-expiration', () => {
  it.each([
    ['2026-12-31 12:00:00 UTC', '2026-12-31T12:00:00.000Z'],
    ['2026-12-31 12:00:00 +0100', '2026-12-31T11:00:00.000Z'],
    ['2026-12-31T12:00:00Z', '2026-12-31T12:00:00.000Z']
  ])('reads %s', (header, iso) => {
    expect(parseTokenExpiration(header)?.toISOString()).toBe(iso)
  })

  it.each([undefined, '', 'never', '2026-13-45 99:00:00 UTC'])('ignores %p', (header) => {
    expect(parseTokenExpiration(header)).toBeUndefined()
  })
})

describe('writerTokenNotice', () => {
  it('is quiet while the token has more than the warning days left', () => {
    expect(writerTokenNotice(days(30), now, 14, 'PAT')).toBeUndefined()
  })

  it('warns within the warning days, naming the secret and how to renew it', () => {
    expect(writerTokenNotice(days(10), now, 14, 'CI_PAT')).toEqual({
      level: 'warning',
      message: expect.stringMatching(
        /^The writer token \(the secret CI_PAT\) expires at .* in 10 days\..*gh secret set CI_PAT/
      )
    })
  })

  it('is an error in the last three days, whatever the warning days', () => {
    expect(writerTokenNotice(days(2.5), now, 0, 'PAT')?.level).toBe('error')
    expect(writerTokenNotice(days(0.25), now, 14, 'PAT')?.message).toContain('in 6 hours')
  })
})
