import type { Clock } from './clock.js'
import type { Config } from './config.js'
import { RunError } from './errors.js'
import type { Lease } from './lease/lease.js'
import { say } from './messages.js'
import type { GrantResult } from './oauth/grant.js'
import type { Outcome } from './outcome.js'
import type { Phase } from './phase.js'
import {
  expiryWrites,
  planWrites,
  refreshTokenWrite,
  type PlannedRotation,
  type PlannedWrite
} from './store/plan.js'
import type { FailedWrite, SecretWriter } from './store/store.js'

export interface RotationContext {
  config: Config
  writer: SecretWriter
  lease: Lease
  run: {
    phase: Phase
    expiryFresh: boolean
    granted(grant: GrantResult): void
    recover(token: string): Promise<void>
    onExpire(expire: () => Promise<void>): void
  }
  clock: Clock
}

/**
 * What the grant's result asks for. Without a successor there is nothing to write: the outcome says what
 * the answer means. With one, the new refresh token is written first, alone and patiently, beside the
 * claim's "received" and the successor's own reservation; then the access token and, once it is stored, the
 * expiry that describes it, beside the claim's "stored" and the spent record. When the refresh token cannot
 * be stored, it is handed to its owner sealed (the recovery line) and nothing else moves: the expiry never
 * claims a token that is not stored (the run's `finally` points it back at the send).
 */
export async function storeRotation(grant: GrantResult, context: RotationContext): Promise<Partial<Outcome>> {
  const { config, writer, lease, run } = context
  run.granted(grant)
  if ('sentAt' in grant) {
    run.onExpire(async () => {
      const { stuck } = await pointExpiryBack(writer, config, grant.sentAt)
      if (stuck[0]) throw stuck[0].error
    })
  }
  switch (grant.kind) {
    case 'cancelled':
      throw new RunError('cancelled', say.cancel.beforeGrant)
    case 'not-sent':
      throw new RunError('transient', say.grant.notSent(grant.reason, grant.attempts))
    case 'refused':
      if (grant.oauthError === 'invalid_grant') await lease.refused()
      throw new RunError('terminal', say.grant.refused(grant.reason, grant.oauthError, config))
    case 'concurrent':
      throw new RunError('concurrent', say.grant.concurrent(grant.reason, config))
    case 'unknown':
      throw new RunError('unknown', say.grant.unknown(grant.reason, config))
    case 'salvaged':
      await storeRefreshToken(grant.refreshToken, context)
      throw new RunError('response', say.grant.salvaged(grant.reason))
    case 'rotated':
      break
  }
  const writes = planWrites(config.names, grant.tokens, grant.expiry)
  if (writes.refreshToken) await storeRefreshToken(writes.refreshToken.value, context)
  // A server that did not rotate leaves the grant's outcome open (phase `grant-out`): the claim says unknown.
  const [stored] = await Promise.all([
    storeAccessToken(writes, context, grant.sentAt),
    lease.settle(run.phase, grant.sentAt)
  ])
  if (stored.failed.length > 0)
    throw new RunError('store', say.store.restFailed(stored.failed, stored.pointedBack, config))
  if (!writes.refreshToken) throw new RunError('response', say.grant.noRefreshToken(config))
  run.phase = 'done'
  if (!grant.expiry) throw new RunError('response', say.grant.noExpiry(writer.written))
  return {
    status: 'rotated',
    written: writer.written,
    expiry: grant.expiry,
    refreshTokenRotated: true,
    accessToken: grant.tokens.access_token,
    message: grant.attempts > 1 ? say.grant.afterRetries(grant.attempts) : undefined
  }
}

/**
 * The one write that cannot be redone: patient, beside the claim's "received" and the successor's
 * reservation. A reservation that finds the successor claimed already means a run read it from the secret:
 * the write landed, and is not retried. On failure: the recovery line.
 */
async function storeRefreshToken(token: string, context: RotationContext): Promise<void> {
  const { config, writer, lease, run } = context
  const write = refreshTokenWrite(config.names, token)
  let taken = false
  const [stored] = await Promise.allSettled([
    writer.write(write, { abandon: () => taken }),
    lease.received(token),
    lease.reserve(token).then((reservation) => void (taken = reservation === 'taken'))
  ])
  if (stored.status === 'rejected' && taken) writer.landed(write)
  if (stored.status === 'fulfilled' || taken) {
    run.phase = 'refresh-token-stored'
    return
  }
  await run.recover(token)
  throw new RunError(
    'lost',
    say.store.refreshTokenLost(config, stored.reason, Boolean(config.recoveryPublicKey))
  )
}

/**
 * The access token, then the expiry that describes it, sent only once the access token's write has answered:
 * no failure, and no kill between the two, leaves the expiry ahead of the stored access token. When the
 * access token did not land, the expiry is pointed at the send instead: Hydra revoked the old access token
 * then, so no consumer takes it for a valid one.
 */
async function storeAccessToken(
  writes: PlannedRotation,
  context: RotationContext,
  sentAt: Date
): Promise<{ failed: FailedWrite[]; pointedBack: { undone: PlannedWrite[]; stuck: PlannedWrite[] } }> {
  const { config, writer, run } = context
  const failed = await writer.writeAll([writes.accessToken], undefined)
  if (failed.length > 0) {
    const { undone, stuck } = await pointExpiryBack(writer, config, sentAt)
    // Written now, or not: the run's finally has nothing left to point back unless it stuck.
    run.expiryFresh = stuck.length === 0
    return { failed, pointedBack: { undone, stuck: stuck.map((f) => f.write) } }
  }
  const expiryFailed = await writer.writeAll(writes.expiry, undefined)
  run.expiryFresh = writes.expiry.length > 0 && expiryFailed.length === 0
  return { failed: expiryFailed, pointedBack: { undone: [], stuck: [] } }
}

/**
 * The expiry secret and variable pointed at the send (when the old access token was revoked). Not a rotated
 * value: the run's list of what it wrote forgets them, and any fresh expiry they replaced.
 */
async function pointExpiryBack(
  writer: SecretWriter,
  config: Config,
  sentAt: Date
): Promise<{ undone: PlannedWrite[]; stuck: FailedWrite[] }> {
  const writes = expiryWrites(config.names, sentAt.toISOString())
  const stuck = await writer.writeAll(writes, undefined)
  const undone = writes.filter((write) => !stuck.some((f) => f.write === write))
  for (const write of undone) writer.undo(write)
  return { undone, stuck }
}
