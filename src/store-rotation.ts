import type { Clock } from './clock.js'
import type { Config } from './config.js'
import type { Patience } from './github/api.js'
import { RunError } from './errors.js'
import type { Lease } from './lease/lease.js'
import { say } from './messages.js'
import { RESERVE_WAIT_MS } from './timing.js'
import type { Expiry } from './oauth/expiry.js'
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
    granted(grant: GrantResult): void
    recover(token: string): Promise<void>
    note(message: string): void
  }
  clock: Clock
  /** Resolves at the runner's first signal. */
  cancelled: Promise<void>
}

/**
 * What the grant's result asks for. Without a successor there is nothing to write: the outcome says what
 * the answer means. With one, the new refresh token is written first, alone and patiently, beside the
 * claim's "received" and the successor's own reservation; then the access token, beside the claim's "stored"
 * and the spent record; then, once it is stored, the expiry that describes it. When the refresh token cannot
 * be stored, it is handed to its owner sealed (the recovery line) and nothing else moves. Until a fresh one is
 * written, the stored expiry says the send (`expireBeforeGrant`): it never claims a token that is not stored.
 */
export async function storeRotation(grant: GrantResult, context: RotationContext): Promise<Partial<Outcome>> {
  const { config, writer, lease, run } = context
  run.granted(grant)
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
  const successor = writes.refreshToken && (await storeRefreshToken(writes.refreshToken.value, context))
  if (successor === 'taken') {
    // Another run holds the successor and may rotate it now, revoking this run's access token: written, it
    // could land over that run's. Not written, the stored expiry says the send, which is true either way.
    await lease.settle(run.phase, grant.sentAt)
    run.phase = 'done'
    run.note(say.grant.successorTaken)
    return { status: 'rotated', written: writer.written, refreshTokenRotated: true }
  }
  // A server that did not rotate leaves the grant's outcome open (phase `grant-out`): the claim says unknown.
  const [failed] = await Promise.all([
    lease.holdReservationFor(storeAccessToken(writes, writer, lease.successorWrites())),
    lease.settle(run.phase, grant.sentAt)
  ])
  if (!writes.refreshToken)
    throw new RunError('response', say.grant.noRefreshToken(config, writer.written, failed))
  if (failed.length > 0) throw new RunError('store', say.store.restFailed(failed, config))
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
 * The one write that cannot be redone: patient, beside the claim's "received". The successor's own claim (its
 * reservation) goes first, so no run can read the successor from the secret before it is reserved: none then
 * presents it while an attempt of this write may still land late over its successor. The write waits for the
 * reservation a short while only (`RESERVE_WAIT_MS`, cut short by a cancel): the token exists nowhere else
 * until it is stored. A reservation that then finds the successor claimed by another run means that run read
 * it from the secret: the write landed, and is not retried. On failure: the recovery line.
 */
async function storeRefreshToken(token: string, context: RotationContext): Promise<'stored' | 'taken'> {
  const { config, writer, lease, run, clock } = context
  const write = refreshTokenWrite(config.names, token)
  const received = lease.received(token)
  let taken = false
  const reserving = lease
    .reserve(token)
    .then((reservation) => void (taken = reservation === 'taken'))
    .catch(() => undefined)
  // A cancel cuts the wait short: the runner's SIGKILL comes ten seconds after its first signal.
  await Promise.race([reserving, aborted(clock.timeout(RESERVE_WAIT_MS)), context.cancelled])
  const [stored] = await Promise.allSettled([
    writer.write(write, lease.successorWrites({ abandon: () => taken })),
    received,
    reserving
  ])
  if (stored.status === 'rejected' && taken) writer.landed(write)
  if (stored.status === 'fulfilled' || taken) {
    run.phase = 'refresh-token-stored'
    return taken ? 'taken' : 'stored'
  }
  await run.recover(token)
  throw new RunError(
    'lost',
    say.store.refreshTokenLost(config, stored.reason, Boolean(config.recoveryPublicKey))
  )
}

/** Resolves when the signal aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}

/**
 * The access token, then the expiry that describes it, sent only once the access token's write has answered.
 * Until then the stored expiry says the send (pointed there before the grant, `expireBeforeGrant`): no
 * failure, and no kill, leaves it saying a token is fresh that is not stored.
 */
async function storeAccessToken(
  writes: PlannedRotation,
  writer: SecretWriter,
  patience: Patience
): Promise<FailedWrite[]> {
  const failed = await writer.writeAll([writes.accessToken], patience)
  if (failed.length > 0) return failed
  return writer.writeAll(writes.expiry, patience)
}

/**
 * Before the grant goes out. The grant revokes the stored access token (Hydra revokes the old access token on
 * every refresh) while the stored expiry may still give it up to three quarters of an hour, and a runner
 * killed before the new one is stored would leave that expiry standing over a revoked token. So the expiry
 * is pointed at now, and must land before the send. It is never put back, even when the grant then never
 * reaches the server: the value to put back could only come from a read, and a read may lag a rotation
 * moments ago and put back the expiry of an access token already revoked. Consumers then see the access token
 * as expired until the next rotation, though it may still work.
 */
export async function expireBeforeGrant(
  writer: SecretWriter,
  config: Config,
  stored: Expiry | undefined,
  now: Date,
  onLanded: (what: PlannedWrite['what'][]) => void
): Promise<void> {
  const writes = expiryWrites(config.names, expiryBeforeGrant(stored, now).toISOString())
  const failed = await writer.writeAll(writes, undefined, { quietly: true })
  onLanded(writes.filter((write) => !failed.some((f) => f.write === write)).map((write) => write.what))
  if (failed[0]) throw failed[0].error
}

/**
 * Where the expiry goes before the grant: now, or where it is if that is earlier. Written whatever the stored
 * expiry read said (the read may lag a rotation moments ago, whose expiry is ahead); it only ever moves back.
 */
export function expiryBeforeGrant(stored: Expiry | undefined, now: Date): Date {
  return stored && stored.expiresAt.getTime() < now.getTime() ? stored.expiresAt : now
}
