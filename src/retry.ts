import type { Clock } from './clock.js'
import { BACKOFF_BASE_MS, BACKOFF_MAX_MS } from './timing.js'

/** Whether a failed attempt is worth another, and how long the other side asked to wait at least. */
export type Verdict = { retry: false } | { retry: true; atLeastMs?: number; why: string }

export interface RetryPolicy {
  /** Attempts in all, the first included; Infinity for a write that keeps trying until its deadline. */
  attempts: number
  /** Epoch ms: no attempt starts after it, and no wait runs past it. */
  deadline: number
}

/**
 * The pause before attempt `attempt + 1`, or undefined to stop: exponential backoff with equal jitter (runs
 * that failed together do not retry together), never shorter than what the server asked for, and never
 * ending past the deadline. Pure: the one rule every retry in the action follows.
 */
export function nextDelay(
  policy: RetryPolicy,
  attempt: number,
  verdict: Verdict,
  now: number,
  random: () => number
): number | undefined {
  if (!verdict.retry || attempt >= policy.attempts) return undefined
  const exponential = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt - 1, 16))
  const jittered = Math.round(exponential / 2 + (random() * exponential) / 2)
  const wait = Math.max(jittered, verdict.atLeastMs ?? 0)
  return now + wait > policy.deadline ? undefined : wait
}

export interface RetryDeps {
  clock: Clock
  random: () => number
  /** Told before each pause: what failed, why it is worth another try, and how long the pause is. */
  onRetry?: (attempt: number, waitMs: number, why: string) => void
  /** Asked before each attempt after the first, and after each pause: true ends the retries with the last error. */
  abandon?: () => boolean
}

/** The one retry engine: runs `attempt` until it succeeds or `classify` and the policy say stop; throws the last error. */
export async function retrying<T>(
  attempt: (n: number) => Promise<T>,
  classify: (error: unknown) => Verdict,
  policy: RetryPolicy,
  deps: RetryDeps
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n)
    } catch (error) {
      const verdict = classify(error)
      const wait = nextDelay(policy, n, verdict, deps.clock.now().getTime(), deps.random)
      if (wait === undefined || !verdict.retry || deps.abandon?.()) throw error
      deps.onRetry?.(n, wait, verdict.why)
      await deps.clock.sleep(wait)
      if (deps.abandon?.()) throw error
    }
  }
}
