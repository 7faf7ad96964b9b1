import type { Clock } from './clock.js'
import type { Config } from './config.js'
import { RunError } from './errors.js'
import type { Lease } from './lease/lease.js'
import { say } from './messages.js'
import type { GrantResult } from './oauth/grant.js'
import type { Outcome } from './outcome.js'
import type { Phase } from './phase.js'
import { expiryWrites, planWrites, type PlannedWrite } from './store/plan.js'
import type { SecretWriter } from './store/store.js'

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
 * claim's "received" and the successor's own reservation; then the rest at once, beside the claim's "stored"
 * and the spent record. When the refresh token cannot be stored, it is handed to its owner sealed (the
 * recovery line) and nothing else moves: the expiry never claims a token that is not stored (the run's
 * `finally` points it back at the send).
 */
export async function storeRotation(grant: GrantResult, context: RotationContext): Promise<Partial<Outcome>> {
  const { config, writer, lease, run } = context
  run.granted(grant)
  if ('sentAt' in grant) {
    const at = grant.sentAt.toISOString()
    run.onExpire(async () => {
      const failed = await writer.writeAll(expiryWrites(config.names, at), undefined)
      for (const write of expiryWrites(config.names, at))
        if (!failed.some((f) => f.write === write)) writer.undo(write)
      if (failed[0]) throw failed[0].error
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
  const [first, rest] = planWrites(config.names, grant.tokens, grant.expiry)
  const refresh = first?.[0]?.what === 'refresh token' ? first[0] : undefined
  if (refresh) await storeRefreshToken(refresh.value, context)
  const last = refresh ? rest : first
  // A server that did not rotate leaves the grant's outcome open (phase `grant-out`): the claim says unknown.
  const [failed] = await Promise.all([
    writer.writeAll(last ?? [], undefined),
    lease.settle(run.phase, grant.sentAt)
  ])
  const expiry = (last ?? []).filter((write) => write.what === 'expiry' || write.what === 'expiry variable')
  run.expiryFresh = expiry.length > 0 && !failed.some((f) => expiry.includes(f.write))
  if (failed.length > 0) {
    const rolledBack = await rollBackExpiry(
      last ?? [],
      failed.map((f) => f.write),
      context,
      grant.sentAt
    )
    throw new RunError('store', say.store.restFailed(failed, rolledBack, config))
  }
  if (!refresh) throw new RunError('response', say.grant.noRefreshToken(config))
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
  const write: PlannedWrite = {
    name: config.names.refreshToken,
    value: token,
    what: 'refresh token',
    kind: 'secret'
  }
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
 * The access token did not land while the expiry did: the expiry is pointed back at the rotation time (when
 * the old access token was revoked), so no consumer takes the stale access token for a fresh one.
 */
async function rollBackExpiry(
  sent: PlannedWrite[],
  failed: PlannedWrite[],
  context: RotationContext,
  rotatedAt: Date
): Promise<{ undone: PlannedWrite[]; stuck: PlannedWrite[] }> {
  if (!failed.some((write) => write.what === 'access token')) return { undone: [], stuck: [] }
  context.run.expiryFresh = false
  const redo = expiryWrites(context.config.names, rotatedAt.toISOString())
  const results = await Promise.allSettled(redo.map((write) => context.writer.write(write, undefined)))
  const undone = redo.filter((_, i) => results[i]?.status === 'fulfilled')
  for (const write of undone) {
    // The fresh expiry it replaced, and the rollback's own entry: neither is a rotated value.
    context.writer.undo(write)
    context.writer.undo(write)
  }
  // Written now, whether the fresh one had landed or not: the run's finally has nothing left to point back.
  context.run.expiryFresh = undone.length === redo.length
  return { undone, stuck: redo.filter((_, i) => results[i]?.status === 'rejected') }
}
