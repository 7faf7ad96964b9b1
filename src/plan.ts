import type { Expiry } from './expiry.js'
import type { SecretNames } from './inputs.js'
import type { TokenSet } from './token-response.js'

export interface SecretWrite {
  name: string
  value: string
  what: 'refresh token' | 'access token' | 'id token' | 'expiry'
}

/**
 * Which secrets to write, in stages that run one after another (the writes inside a stage run together):
 * 1. the refresh token alone, because it is the one value that cannot be got back;
 * 2. the access token and id token;
 * 3. the expiry last, so that a fresh expiry means every other value was written too.
 * A server that did not rotate the refresh token leaves the stored one as it is.
 */
export function planWrites(
  names: SecretNames,
  tokens: TokenSet,
  expiry: Expiry | undefined
): SecretWrite[][] {
  const stages: SecretWrite[][] = []
  if (tokens.refresh_token) {
    stages.push([{ name: names.refreshToken, value: tokens.refresh_token, what: 'refresh token' }])
  }
  const credentials: SecretWrite[] = [
    { name: names.accessToken, value: tokens.access_token, what: 'access token' }
  ]
  if (names.idToken && tokens.id_token) {
    credentials.push({ name: names.idToken, value: tokens.id_token, what: 'id token' })
  }
  stages.push(credentials)
  if (names.expiresAt && expiry) {
    stages.push([{ name: names.expiresAt, value: expiry.expiresAt.toISOString(), what: 'expiry' }])
  }
  return stages
}
