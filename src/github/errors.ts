import type { Verdict } from '../retry.js'

/** A failed GitHub call, reduced to what the decisions need: never a request or response body. */
export class GitHubError extends Error {
  constructor(
    /** Undefined when no answer came: refused, reset, cut off, or the attempt's deadline. */
    readonly status: number | undefined,
    message: string,
    readonly headers: Record<string, string | undefined> = {}
  ) {
    super(message)
    this.name = 'GitHubError'
  }
}

/** GitHub's advice for a secondary rate limit that names no time: wait at least a minute. */
const SECONDARY_LIMIT_DEFAULT_SECONDS = 60

/**
 * Seconds to wait before a rate-limited call may be sent again, or undefined when the answer is not a rate
 * limit (a 403 without these signs is a missing permission, which waiting cannot change):
 * - `retry-after` on a 403 or 429: a secondary rate limit, wait that long;
 * - `x-ratelimit-remaining: 0` with `x-ratelimit-reset`: the primary limit, wait for the reset;
 * - a 429, or a 403 whose message says "rate limit", with neither: at least a minute.
 * (docs.github.com, "Rate limits for the REST API", "Handle rate limit errors appropriately".)
 */
export function rateLimitWaitSeconds(
  status: number,
  headers: Record<string, string | undefined>,
  message: string,
  now: number
): number | undefined {
  if (status !== 403 && status !== 429) return undefined
  const retryAfter = (headers['retry-after'] ?? '').trim()
  if (/^\d+$/.test(retryAfter)) return Number(retryAfter)
  if (headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(headers['x-ratelimit-reset'])
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, Math.ceil(reset - now / 1000))
    return SECONDARY_LIMIT_DEFAULT_SECONDS
  }
  if (status === 429 || /rate limit/i.test(message)) return SECONDARY_LIMIT_DEFAULT_SECONDS
  return undefined
}

/**
 * Whether waiting can change a GitHub failure: no answer, a server error, a request timeout or a rate limit
 * can; a refusal (credentials, permission, missing, conflict, validation) cannot. Every call this action
 * makes may be sent twice safely: reads, a PUT of a secret, a variable's update or delete; a create that
 * lands twice answers 409 the second time, which the caller reads as "it exists".
 */
export function classifyGitHubFailure(error: unknown, now: number): Verdict {
  if (!(error instanceof GitHubError)) return { retry: false }
  const { status } = error
  if (status === undefined) return { retry: true, why: error.message }
  const wait = rateLimitWaitSeconds(status, error.headers, error.message, now)
  if (wait !== undefined) return { retry: true, atLeastMs: wait * 1000, why: `rate limited for ${wait} s` }
  if (status >= 500 || status === 408) return { retry: true, why: `GitHub answered ${status}` }
  return { retry: false }
}

interface OctokitAnswer {
  status: number
  headers?: Record<string, string | number | undefined>
  data?: unknown
}

/** Any failure Octokit throws (or an answer of 3xx or more), as a `GitHubError`. */
export function toGitHubError(error: unknown): GitHubError {
  if (error instanceof GitHubError) return error
  const failure = error as { response?: OctokitAnswer } | undefined
  if (failure?.response) return fromAnswer(failure.response)
  // No answer: Octokit wraps the fetch error; its innermost cause says what happened.
  let innermost: unknown = error
  while (
    typeof (innermost as { cause?: unknown })?.cause === 'object' &&
    (innermost as { cause?: unknown }).cause
  )
    innermost = (innermost as { cause: unknown }).cause
  const reason = String((innermost as { message?: unknown })?.message ?? innermost)
  return new GitHubError(undefined, `no answer from GitHub (${reason})`)
}

/** GitHub's one-line `message` holds no secret values; anything else in a body is left out. */
export function fromAnswer(answer: OctokitAnswer): GitHubError {
  const message = (answer.data as { message?: unknown } | undefined)?.message
  const headers: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries(answer.headers ?? {}))
    headers[name.toLowerCase()] = value === undefined ? undefined : String(value)
  const text =
    typeof message === 'string'
      ? (message.split('\n')[0]?.slice(0, 200) ?? '')
      : answer.status >= 300 && answer.status < 400
        ? `moved to ${headers.location ?? 'elsewhere'}`
        : answer.status >= 500
          ? 'server error'
          : 'request refused'
  return new GitHubError(answer.status, text, headers)
}
