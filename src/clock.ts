/**
 * Time, passed in. The entry point wires the system clock; the in-process suite and the soak wire a virtual
 * one, so an answer window, a Retry-After of minutes or a claim's hold pass without real waiting.
 */
export interface Clock {
  now(): Date
  /** Resolves after `ms`; the run's only way to wait. */
  sleep(ms: number): Promise<void>
  /** A signal that aborts after `ms`: every request's deadline. */
  timeout(ms: number): AbortSignal
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  timeout: (ms) => AbortSignal.timeout(ms)
}
