import { formatDuration } from '../inputs/duration.js'

export type GuardDecision =
  | { action: 'exchange'; reason: string }
  | { action: 'skip'; status: 'skipped-stale' | 'skipped-valid'; reason: string }
  | { action: 'fail'; reason: string }

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
  const stored = expiresAtNow ? Date.parse(expiresAtNow.value) : NaN
  const seen = Date.parse(expiresAtSeen)
  if (expiresAtNow && Number.isNaN(stored)) {
    // Not an expiry this action wrote: skipping on it would skip every run, green, while the token dies.
    return {
      action: 'fail',
      reason:
        `The variable ${expiresAtNow.name} holds ${JSON.stringify(expiresAtNow.value)}, which is not a time, so ` +
        'this run cannot tell whether another run rotated after it started. The refresh token was not ' +
        `presented. Delete the variable (or set it to the stored expiry, ISO 8601) and run again.`
    }
  }
  // The same instant, however it is spelled (a hand-set value, no milliseconds), is the same expiry.
  if (expiresAtNow && stored !== seen) {
    // A rotation after this job started leaves a later expiry, or (after a partial rotation) moves it back to
    // the rotation time. An expiry that is both past and later than what this job saw is neither: the
    // variable is not what expires-at was given, and skipping would hide a dead token, every run, in green.
    if (stored <= input.now.getTime() && (Number.isNaN(seen) || stored > seen)) {
      return {
        action: 'fail',
        reason:
          `The variable ${expiresAtNow.name} says the stored access token expired at ${expiresAtNow.value}, but this ` +
          `job started with expires-at ${JSON.stringify(expiresAtSeen)}. Another run rotating after this job started ` +
          'would have left a later expiry, so expires-at is most likely not wired to the variable: set ' +
          `\`expires-at: \${{ vars.${expiresAtNow.name} }}\` beside \`expires-at-variable: ${expiresAtNow.name}\`. ` +
          'The refresh token was not presented.'
      }
    }
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
