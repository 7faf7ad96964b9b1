import type { SecretNames } from '../inputs/schema.js'
import type { TokenSet } from '../oauth/grant-response.js'
import type { Expiry } from './expiry.js'

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
 * What to write, in two stages that run one after the other (the writes inside a stage go out together):
 * 1. the refresh token alone, because it is the one value that cannot be got back: nothing else is
 *    written unless it landed;
 * 2. everything else at once: the access and id tokens, the expiry secret and variable.
 * A token write that fails in stage 2 is followed by `planExpiryRollback`, so that a fresh expiry still
 * means the tokens beside it were written. A server that did not rotate the refresh token leaves the
 * stored one as it is; an unknown expiry is never written, rather than guessed.
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
  const rest = [secret(names.accessToken, tokens.access_token, 'access token')]
  if (names.idToken && tokens.id_token) rest.push(secret(names.idToken, tokens.id_token, 'id token'))
  rest.push(...expiryWrites(names, expiry?.expiresAt, variable))
  stages.push(rest)
  return stages
}

function expiryWrites(
  names: SecretNames,
  at: Date | undefined,
  variable: ExpiryVariable | undefined
): PlannedWrite[] {
  if (!at) return []
  const value = at.toISOString()
  const writes: PlannedWrite[] = []
  if (names.expiresAt) writes.push({ name: names.expiresAt, value, what: 'expiry', kind: 'secret' })
  if (variable) writes.push({ name: variable.name, value, what: 'expiry variable', kind: 'variable' })
  return writes
}

/**
 * When an access or id token write failed, an expiry written beside it would announce a token that was
 * never stored. Every expiry write of the stage is redone with the rotation time, whether it was seen to
 * land or not (an answer can be lost after the write landed; the writes are idempotent): a reader (or
 * `skip-if-valid-for`) then treats the stored access token as expired and the next run rotates, while the
 * variable still differs from what a run queued before this one saw, so compare-after-lock still stops it.
 * Nothing to undo when every token write landed.
 */
export function planExpiryRollback(
  stage: PlannedWrite[],
  failed: ReadonlySet<PlannedWrite>,
  rotatedAt: Date
): PlannedWrite[] {
  const tokenFailed = stage.some(
    (write) => (write.what === 'access token' || write.what === 'id token') && failed.has(write)
  )
  if (!tokenFailed) return []
  const value = rotatedAt.toISOString()
  return stage
    .filter((write) => write.what === 'expiry' || write.what === 'expiry variable')
    .map((write) => ({ ...write, value }))
}
