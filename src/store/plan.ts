import type { Expiry } from '../oauth/expiry.js'
import type { TokenSet } from '../oauth/answer.js'

export type WriteWhat = 'refresh token' | 'access token' | 'expiry' | 'expiry variable'

export interface PlannedWrite {
  name: string
  value: string
  what: WriteWhat
  /** A secret is sealed and PUT; the expiry variable is plain and created or updated. */
  kind: 'secret' | 'variable'
}

export interface SecretNames {
  refreshToken: string
  accessToken: string
  /** Undefined: the expiry secret is off. */
  expiresAt: string | undefined
  expiresAtVariable: string
}

/**
 * What a rotation writes, in three stages, each sent once the one before it has answered:
 * 1. the new refresh token, alone: the one value that cannot be got back, written first and patiently;
 * 2. the access token;
 * 3. the expiry secret (when on) and the expiry variable consumers read, which describe that access token.
 *    Sent only once it is stored, so no failure or kill between them leaves the expiry ahead of the stored
 *    access token.
 */
export interface PlannedRotation {
  /** Undefined: the server did not rotate the refresh token, and the stored one stays as it is. */
  refreshToken: PlannedWrite | undefined
  accessToken: PlannedWrite
  /** Empty: the server gave no expiry, and an unknown one is not written rather than guessed. */
  expiry: PlannedWrite[]
}

export function planWrites(
  names: SecretNames,
  tokens: TokenSet,
  expiry: Expiry | undefined
): PlannedRotation {
  return {
    refreshToken: tokens.refresh_token ? refreshTokenWrite(names, tokens.refresh_token) : undefined,
    accessToken: {
      name: names.accessToken,
      value: tokens.access_token,
      what: 'access token',
      kind: 'secret'
    },
    expiry: expiry ? expiryWrites(names, expiry.expiresAt.toISOString()) : []
  }
}

/** The new refresh token's write: from a whole answer, or salvaged from a broken one. */
export function refreshTokenWrite(names: SecretNames, token: string): PlannedWrite {
  return { name: names.refreshToken, value: token, what: 'refresh token', kind: 'secret' }
}

/** The expiry secret (when on) and the expiry variable, both saying `value`. */
export function expiryWrites(names: SecretNames, value: string): PlannedWrite[] {
  const writes: PlannedWrite[] = []
  if (names.expiresAt) writes.push({ name: names.expiresAt, value, what: 'expiry', kind: 'secret' })
  writes.push({ name: names.expiresAtVariable, value, what: 'expiry variable', kind: 'variable' })
  return writes
}
