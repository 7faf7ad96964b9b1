import { rateLimitWait } from '../github/retry-rules.js'

/** What the refresh-token write does after a failed attempt. */
export type PatientStep =
  { action: 'wait'; waitMs: number; why: string } | { action: 'rekey' } | { action: 'stop'; why: string }

/** The longest pause between two attempts when GitHub names no time of its own. */
const MAX_BACKOFF_MS = 30_000
/** Less time than this left before the deadline is not worth one more wait. */
const MIN_LAST_WAIT_MS = 1000

/** A key that changes more often than this within one run is not a key rotation. */
const MAX_REKEYS = 3

export interface WriteFailure {
  /** Undefined when no answer came (refused, reset, timed out). */
  status: number | undefined
  headers: Record<string, string | undefined>
  message: string
}

/**
 * The refresh-token write is the one write the next run cannot redo, so it keeps trying for as long as
 * `refresh-token-write-timeout` allows, whatever `max-attempts` says: it waits out outages (no answer, 5xx)
 * with backoff, and rate limits for as long as GitHub asks (Retry-After, the primary limit's reset). A 422
 * means the repository's key changed since it was read: read it again and seal again. Refusals that waiting
 * cannot change (credentials, permission, a missing repository) stop at once, as does a wait that would
 * end after the deadline.
 */
export function patientStep(
  failure: WriteFailure,
  attempt: number,
  rekeys: number,
  now: Date,
  deadline: number,
  baseDelayMs: number
): PatientStep {
  const { status } = failure
  if (status === 422) {
    return rekeys < MAX_REKEYS
      ? { action: 'rekey' }
      : { action: 'stop', why: 'GitHub refused the value sealed with its current key' }
  }
  const rateLimit =
    status === undefined ? undefined : rateLimitWait(status, failure.headers, failure.message, now)
  const transient = status === undefined || status >= 500 || status === 408 || rateLimit !== undefined
  if (!transient) return { action: 'stop', why: `GitHub answered ${status}, which waiting does not change` }
  const backoff = Math.min(MAX_BACKOFF_MS, baseDelayMs * 2 ** Math.min(attempt - 1, 16))
  const waitMs = Math.max(backoff, (rateLimit ?? 0) * 1000)
  const left = deadline - now.getTime()
  if (left < MIN_LAST_WAIT_MS) {
    return { action: 'stop', why: 'refresh-token-write-timeout ran out' }
  }
  if (waitMs > left) {
    // GitHub asks for longer than is left: one last try at the deadline beats giving up now.
    return {
      action: 'wait',
      waitMs: left,
      why: `GitHub asks to wait longer than refresh-token-write-timeout allows`
    }
  }
  const why =
    rateLimit !== undefined
      ? `rate limited (GitHub asks to wait ${rateLimit} s)`
      : status === undefined
        ? 'no answer'
        : `GitHub answered ${status}`
  return { action: 'wait', waitMs, why }
}
