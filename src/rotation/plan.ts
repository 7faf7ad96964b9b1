import type { SecretNames } from '../inputs/schema.js'
import type { TokenSet } from '../oauth/grant-response.js'
import type { Expiry } from '../oauth/expiry.js'

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
 * What to write, in stages that run one after the other (the writes inside a stage go out together):
 * 1. the refresh token, because it is the one value that cannot be got back, with the expiry variable
 *    beside it: the variable is the marker a run queued behind this one compares (compare after lock), and
 *    it must have moved before the lock is given back;
 * 2. once the refresh token landed, everything else at once: the access and id tokens, the expiry secret.
 * A token write that fails is followed by `planExpiryRollback`, so that a fresh expiry still means the tokens
 * beside it were written. A server that did not rotate the refresh token leaves the stored one as it is, and
 * everything goes out at once. An unknown expiry is never written as a secret, rather than guessed; the
 * variable still moves, to the rotation time, so the marker moves with every new refresh token.
 */
export function planWrites(
  names: SecretNames,
  tokens: TokenSet,
  expiry: Expiry | undefined,
  variable: ExpiryVariable | undefined,
  rotatedAt: Date
): PlannedWrite[][] {
  const marker = markerWrite(variable, (expiry?.expiresAt ?? rotatedAt).toISOString())
  const rest = [secret(names.accessToken, tokens.access_token, 'access token')]
  if (names.idToken && tokens.id_token) rest.push(secret(names.idToken, tokens.id_token, 'id token'))
  if (names.expiresAt && expiry) rest.push(expiryWrite(names.expiresAt, expiry.expiresAt.toISOString()))
  if (!tokens.refresh_token) return [[...rest, ...marker]]
  return [[secret(names.refreshToken, tokens.refresh_token, 'refresh token'), ...marker], rest]
}

/**
 * The server rotated but its answer is unusable: store the new refresh token and move the marker to the
 * rotation time, so a queued run skips instead of presenting the spent token. The stored access token and
 * its expiry are left as they are: they still describe each other.
 */
export function planSalvage(
  names: SecretNames,
  refreshToken: string,
  variable: ExpiryVariable | undefined,
  rotatedAt: Date
): PlannedWrite[][] {
  return [
    [
      secret(names.refreshToken, refreshToken, 'refresh token'),
      ...markerWrite(variable, rotatedAt.toISOString())
    ]
  ]
}

const secret = (name: string, value: string, what: PlannedWrite['what']): PlannedWrite => ({
  name,
  value,
  what,
  kind: 'secret'
})

const expiryWrite = (name: string, value: string): PlannedWrite => ({
  name,
  value,
  what: 'expiry',
  kind: 'secret'
})

function markerWrite(variable: ExpiryVariable | undefined, value: string): PlannedWrite[] {
  return variable ? [{ name: variable.name, value, what: 'expiry variable', kind: 'variable' }] : []
}

const TOKENS: ReadonlySet<PlannedWrite['what']> = new Set(['refresh token', 'access token', 'id token'])

/**
 * When a token write failed, an expiry written in the plan would announce a token that was never stored.
 * Every expiry write of the plan is redone with the rotation time, whether it was seen to land or not (an
 * answer can be lost after the write landed; the writes are idempotent): a reader (or `skip-if-valid-for`)
 * then treats the stored access token as expired and the next run rotates, while the variable still differs
 * from what a run queued before this one saw, so compare-after-lock still stops it. Nothing to undo when
 * every token write landed.
 */
export function planExpiryRollback(
  writes: readonly PlannedWrite[],
  failed: ReadonlySet<PlannedWrite>,
  rotatedAt: Date
): PlannedWrite[] {
  if (!writes.some((write) => TOKENS.has(write.what) && failed.has(write))) return []
  const value = rotatedAt.toISOString()
  return writes
    .filter((write) => write.what === 'expiry' || write.what === 'expiry variable')
    .map((write) => ({ ...write, value }))
}
