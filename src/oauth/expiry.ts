/**
 * When the new access token stops working. The clock starts when the request was sent, not when the
 * answer arrived: the server's `expires_in` counts from its own issue time, which can only be later
 * than our send time, so this never claims more life than the token has.
 */
export interface Expiry {
  expiresAt: Date
  expiresIn: number
  source: 'expires_in' | 'jwt-exp' | 'stored'
}

/** Ten years: no access token lives longer, and every expiry within it is a valid date. */
export const MAX_TOKEN_LIFETIME_SECONDS = 10 * 365.25 * 24 * 3600

export function computeExpiry(
  sentAt: Date,
  expiresIn: number | undefined,
  accessToken: string
): Expiry | undefined {
  if (expiresIn !== undefined) {
    return { expiresAt: new Date(sentAt.getTime() + expiresIn * 1000), expiresIn, source: 'expires_in' }
  }
  const exp = jwtExpiry(accessToken)
  if (exp === undefined || exp - sentAt.getTime() / 1000 > MAX_TOKEN_LIFETIME_SECONDS) return undefined
  return {
    expiresAt: new Date(exp * 1000),
    expiresIn: Math.max(0, Math.floor(exp - sentAt.getTime() / 1000)),
    source: 'jwt-exp'
  }
}

/** The `exp` claim of a JWT access token, or undefined for an opaque token. Nothing is verified: only read. */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.')
  if (parts.length !== 3 || !parts[1]) return undefined
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
    const exp = (claims as { exp?: unknown } | null)?.exp
    return typeof exp === 'number' && Number.isFinite(exp) && exp > 0 ? exp : undefined
  } catch {
    return undefined
  }
}

/** The expiry a stored value (the expiry variable) says, when it says anything readable. */
export function parseStoredExpiry(text: string | undefined, now: Date): Expiry | undefined {
  const at = text ? Date.parse(text) : NaN
  if (Number.isNaN(at)) return undefined
  return {
    expiresAt: new Date(at),
    expiresIn: Math.max(0, Math.floor((at - now.getTime()) / 1000)),
    source: 'stored'
  }
}
