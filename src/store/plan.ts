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
 * What a rotation writes, in two stages:
 * 1. the new refresh token, alone: the one value that cannot be got back, written first and patiently;
 * 2. once it landed, everything else at once: the access token, the expiry secret and the expiry variable
 *    consumers read. A server that did not rotate the refresh token leaves the stored one as it is. An
 *    unknown expiry is not written rather than guessed.
 */
export function planWrites(
  names: SecretNames,
  tokens: TokenSet,
  expiry: Expiry | undefined
): PlannedWrite[][] {
  const first: PlannedWrite[] = tokens.refresh_token
    ? [{ name: names.refreshToken, value: tokens.refresh_token, what: 'refresh token', kind: 'secret' }]
    : []
  const rest: PlannedWrite[] = [
    { name: names.accessToken, value: tokens.access_token, what: 'access token', kind: 'secret' }
  ]
  if (expiry) rest.push(...expiryWrites(names, expiry.expiresAt.toISOString()))
  return [first, rest].filter((stage) => stage.length > 0)
}

/** The expiry secret (when on) and the expiry variable, both saying `value`. */
export function expiryWrites(names: SecretNames, value: string): PlannedWrite[] {
  const writes: PlannedWrite[] = []
  if (names.expiresAt) writes.push({ name: names.expiresAt, value, what: 'expiry', kind: 'secret' })
  writes.push({ name: names.expiresAtVariable, value, what: 'expiry variable', kind: 'variable' })
  return writes
}
