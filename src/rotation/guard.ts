import { formatDuration } from '../inputs/duration.js'

export type GuardDecision =
  | { action: 'exchange'; reason: string }
  | { action: 'skip'; status: 'skipped-stale' | 'skipped-valid'; reason: string }

export interface GuardInput {
  /** The expiry this job saw when it started (the `expires-at` input), '' when it saw none. */
  expiresAtSeen: string
  /** The expiry variable as read now, after the concurrency lock; undefined when the variable is off or absent. */
  expiresAtNow: { name: string; value: string } | undefined
  /** Skip when the current token lives longer than this (milliseconds); undefined = always rotate. */
  skipIfValidForMs: number | undefined
  now: Date
}

/**
 * Whether to present the refresh token at all. Compare after lock: when the expiry variable changed
 * since this job started, another run rotated in between and the refresh token this job holds is spent;
 * presenting it would be a reuse, and Hydra would revoke the whole family.
 */
export function decide(input: GuardInput): GuardDecision {
  const { expiresAtNow, expiresAtSeen } = input
  if (expiresAtNow && expiresAtNow.value !== expiresAtSeen) {
    return {
      action: 'skip',
      status: 'skipped-stale',
      reason:
        // JSON quoting keeps a value on one line: a line break in it could start a workflow command.
        `The variable ${expiresAtNow.name} is ${JSON.stringify(expiresAtNow.value)}, but this job started with ` +
        `expires-at ${JSON.stringify(expiresAtSeen)}: another run rotated the tokens after this job started, so the refresh token this job ` +
        'holds is already spent. Skipped without presenting it.'
    }
  }
  const current = expiresAtNow?.value || expiresAtSeen
  const expiresAt = current ? Date.parse(current) : NaN
  if (input.skipIfValidForMs !== undefined && !Number.isNaN(expiresAt)) {
    const leftMs = expiresAt - input.now.getTime()
    if (leftMs > input.skipIfValidForMs) {
      return {
        action: 'skip',
        status: 'skipped-valid',
        reason:
          `The current access token is valid until ${new Date(expiresAt).toISOString()} (${formatDuration(Math.floor(leftMs / 1000))} left), ` +
          `longer than skip-if-valid-for (${formatDuration(Math.round(input.skipIfValidForMs / 1000))}). Skipped.`
      }
    }
  }
  return { action: 'exchange', reason: 'rotating' }
}
