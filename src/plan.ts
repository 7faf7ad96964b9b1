import type { Expiry } from './expiry.js'
import type { Config, SecretNames } from './inputs.js'
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

/** What a rotation with this configuration writes, in order: for a dry run, which presents no token. */
export function plannedNames(config: Pick<Config, 'secretNames' | 'expiresAtVariable'>): string[] {
  const { refreshToken, accessToken, idToken, expiresAt } = config.secretNames
  const variable = config.expiresAtVariable ? `variable ${config.expiresAtVariable}` : undefined
  return [refreshToken, accessToken, idToken, expiresAt, variable].filter((name): name is string =>
    Boolean(name)
  )
}
