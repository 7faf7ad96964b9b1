import { computeExpiry, jwtExpiry } from '../../src/oauth/expiry.js'

const sentAt = new Date('2026-11-24T10:00:00.000Z')

function jwt(claims: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.signature`
}

describe('computeExpiry', () => {
  it("counts the server's expires_in from the moment the request was sent", () => {
    expect(computeExpiry(sentAt, 3599, 'opaque')).toEqual({
      expiresAt: new Date('2026-11-24T10:59:59.000Z'),
      expiresIn: 3599,
      source: 'expires_in'
    })
  })

  it('prefers expires_in over a JWT exp claim', () => {
    const token = jwt({ exp: sentAt.getTime() / 1000 + 60 })
    expect(computeExpiry(sentAt, 3600, token)?.source).toBe('expires_in')
  })

  it("falls back to the access token's exp claim when expires_in is missing", () => {
    const exp = sentAt.getTime() / 1000 + 1800
    expect(computeExpiry(sentAt, undefined, jwt({ exp }))).toEqual({
      expiresAt: new Date('2026-11-24T10:30:00.000Z'),
      expiresIn: 1800,
      source: 'jwt-exp'
    })
  })

  it('gives no expiry rather than a made-up one for an opaque token without expires_in', () => {
    expect(computeExpiry(sentAt, undefined, 'ory_at_opaque.value')).toBeUndefined()
  })
})

describe('jwtExpiry', () => {
  it.each([
    ['not a JWT', 'opaque'],
    ['a payload that is not JSON', 'a.bm90IGpzb24.c'],
    ['no exp claim', jwt({ sub: 'x' })],
    ['an exp that is a string', jwt({ exp: '1700000000' })],
    ['a negative exp', jwt({ exp: -5 })]
  ])('reads nothing from %s', (_case, token) => {
    expect(jwtExpiry(token)).toBeUndefined()
  })

  it('reads the exp claim', () => {
    expect(jwtExpiry(jwt({ exp: 1_800_000_000 }))).toBe(1_800_000_000)
  })
})
