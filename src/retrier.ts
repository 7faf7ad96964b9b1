import { GitHubApiError } from './github-secrets.js'
import { githubRetry, retrying, type RetryPolicy } from './retry.js'

export interface RetryHooks {
  sleep: (ms: number) => Promise<void>
  warn: (message: string) => void
  now: () => Date
  random?: () => number
}

/** Runs one idempotent GitHub call with the run's retry policy, saying in the log when it retries. */
export type GitHubRetrier = <T>(what: string, call: () => Promise<T>) => Promise<T>

export function createGitHubRetrier(policy: RetryPolicy, hooks: RetryHooks): GitHubRetrier {
  return (what, call) =>
    retrying(
      async () => {
        try {
          return { done: true, value: await call() }
        } catch (error) {
          const failure =
            error instanceof GitHubApiError ? error : new GitHubApiError(undefined, String(error))
          return { done: false, error: failure, ...githubRetry(failure.status, failure.headers, hooks.now()) }
        }
      },
      policy,
      {
        sleep: hooks.sleep,
        random: hooks.random,
        onRetry: (attempt, delayMs, error) =>
          hooks.warn(
            `${what}: attempt ${attempt} of ${policy.maxAttempts} failed (${describeGitHubError(error)}); retrying in ${(delayMs / 1000).toFixed(1)} s.`
          )
      }
    )
}

export function describeGitHubError(error: unknown): string {
  if (error instanceof GitHubApiError)
    return error.status ? `GitHub answered ${error.status}: ${error.message}` : error.message
  return error instanceof Error ? error.message : String(error)
}
