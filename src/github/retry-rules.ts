/**
 * This action's own rules for retrying a GitHub call, beyond what `@octokit/plugin-retry` decides alone.
 * Every call the action makes is idempotent (reads, a PUT of a secret, a PATCH or POST of a variable that
 * falls back to the other), so the question is only whether waiting can change the answer.
 */

/**
 * Statuses plugin-retry leaves alone: refusals that waiting does not change (bad request, credentials,
 * permission, missing, conflict, gone, unprocessable, legal), plus 403 and 429 when they are rate limits,
 * which `rateLimitWait` times from GitHub's own headers instead of the plugin's backoff.
 */
export const DO_NOT_RETRY = [400, 401, 403, 404, 409, 410, 422, 429, 451]

/** Whether plugin-retry itself retries this status (network failures reach it as 500). */
export function pluginRetries(status: number): boolean {
  return status >= 400 && !DO_NOT_RETRY.includes(status)
}

/** GitHub's advice for a secondary rate limit that names no time: wait at least a minute. */
const SECONDARY_LIMIT_DEFAULT_SECONDS = 60

/**
 * Seconds to wait before a rate-limited call may be sent again, or undefined when the answer is not a
 * rate limit (a 403 without these signs is a missing permission, and retrying it cannot help).
 * - `retry-after` (seconds) on a 403 or 429: a secondary rate limit; wait that long.
 * - `x-ratelimit-remaining: 0` with `x-ratelimit-reset` (epoch seconds): the primary limit; wait for the reset.
 * - a 429, or a 403 whose message says "rate limit", with neither header: at least a minute.
 */
export function rateLimitWait(
  status: number,
  headers: Record<string, string | number | undefined>,
  message: string,
  now: Date
): number | undefined {
  if (status !== 403 && status !== 429) return undefined
  const retryAfter = String(headers['retry-after'] ?? '').trim()
  if (/^\d+$/.test(retryAfter)) return Number(retryAfter)
  if (String(headers['x-ratelimit-remaining'] ?? '') === '0') {
    const reset = Number(headers['x-ratelimit-reset'])
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, Math.ceil(reset - now.getTime() / 1000))
    return SECONDARY_LIMIT_DEFAULT_SECONDS
  }
  if (status === 429 || /rate limit/i.test(message)) return SECONDARY_LIMIT_DEFAULT_SECONDS
  return undefined
}
