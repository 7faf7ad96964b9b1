export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number
  baseDelayMs: number
  maxDelayMs: number
}

/** The longest single wait: a server asking for longer is better served by the next scheduled run. */
export const MAX_RETRY_DELAY_MS = 30_000

/**
 * How long to wait before attempt `attempt + 1`, or undefined to stop. Exponential backoff with equal
 * jitter (half fixed, half random), so runs that failed together do not retry together. A server's
 * `Retry-After` is honoured as a floor; one that asks for longer than the longest wait ends the retries
 * (the next scheduled run comes sooner than a long wait inside a job would help).
 */
export function retryDelay(
  policy: RetryPolicy,
  attempt: number,
  retryAfterSeconds: number | undefined,
  random: () => number = Math.random
): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
  const jittered = Math.round(exponential / 2 + (random() * exponential) / 2)
  if (retryAfterSeconds === undefined) return jittered
  const asked = retryAfterSeconds * 1000
  if (asked > policy.maxDelayMs) return undefined
  return Math.max(asked, jittered)
}

export type Attempt<T> =
  | { done: true; value: T }
  | {
      done: false
      error: Error
      retryAfterSeconds?: number
      retryable: boolean
      /** The next attempt waits at least this long, whatever the backoff says. */
      minDelayMs?: number
    }

/**
 * Calls `attempt` until it is done, it fails in a way that must not be retried, or the policy says stop.
 * Throws the last error.
 */
export async function retrying<T>(
  attempt: (n: number) => Promise<Attempt<T>>,
  policy: RetryPolicy,
  hooks: {
    sleep: (ms: number) => Promise<void>
    onRetry?: (n: number, delayMs: number, error: Error) => void
    random?: () => number
  }
): Promise<T> {
  for (let n = 1; ; n++) {
    const result = await attempt(n)
    if (result.done) return result.value
    const backoff = result.retryable
      ? retryDelay(policy, n, result.retryAfterSeconds, hooks.random)
      : undefined
    if (backoff === undefined) throw result.error
    const delay = Math.max(backoff, result.minDelayMs ?? 0)
    hooks.onRetry?.(n, delay, result.error)
    await hooks.sleep(delay)
  }
}
