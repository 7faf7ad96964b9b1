import type { Expiry } from './expiry.js'
import type { SecretNames } from './inputs.js'
import type { TokenSet } from './token-response.js'

export interface PlannedWrite {
  name: string
  value: string
  what: 'refresh token' | 'access token' | 'id token' | 'expiry' | 'expiry variable'
  /** A secret is sealed and PUT; the expiry variable is plain and created or updated. */
  kind: 'secret' | 'variable'
}

/** The repository variable that mirrors the expiry for compare-after-lock, and whether it exists yet. */
export interface ExpiryVariable {
  name: string
  exists: boolean
}

/**
 * What to write, in stages that run one after another (the writes inside a stage go out together):
 * 1. the refresh token alone, because it is the one value that cannot be got back;
 * 2. the access token and id token;
 * 3. the expiry secret and the expiry variable last, so that a fresh expiry means every other value was
 *    written, and a run that sees the variable change can trust that the tokens already did.
 * A server that did not rotate the refresh token leaves the stored one as it is; an unknown expiry is
 * never written, rather than guessed.
 */
export function planWrites(
  names: SecretNames,
  tokens: TokenSet,
  expiry: Expiry | undefined,
  variable?: ExpiryVariable
): PlannedWrite[][] {
  const secret = (name: string, value: string, what: PlannedWrite['what']): PlannedWrite => ({
    name,
    value,
    what,
    kind: 'secret'
  })
  const stages: PlannedWrite[][] = []
  if (tokens.refresh_token) stages.push([secret(names.refreshToken, tokens.refresh_token, 'refresh token')])
  const credentials = [secret(names.accessToken, tokens.access_token, 'access token')]
  if (names.idToken && tokens.id_token) credentials.push(secret(names.idToken, tokens.id_token, 'id token'))
  stages.push(credentials)
  if (expiry) {
    const at = expiry.expiresAt.toISOString()
    const last: PlannedWrite[] = []
    if (names.expiresAt) last.push(secret(names.expiresAt, at, 'expiry'))
    if (variable) last.push({ name: variable.name, value: at, what: 'expiry variable', kind: 'variable' })
    if (last.length) stages.push(last)
  }
  return stages
}
