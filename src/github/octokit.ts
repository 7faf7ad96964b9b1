import { getOctokit } from '@actions/github'
import { defaults } from '@actions/github/lib/utils'
import type { Octokit as OctokitCore } from '@octokit/core'
import { retry } from '@octokit/plugin-retry'
import { DO_NOT_RETRY, pluginRetries, rateLimitWait } from './retry-rules.js'
import { TOKEN_EXPIRATION_HEADER } from './token-expiry.js'

export type Octokit = ReturnType<typeof getOctokit>

export interface OctokitOptions {
  token: string
  /** The REST root: https://api.github.com, or a GitHub Enterprise Server's https://HOST/api/v3. */
  baseUrl: string
  userAgent: string
  /** Attempts in all for a call that fails transiently (network, timeout, 5xx, rate limit). */
  maxAttempts: number
  /** Plugin-retry's unit of waiting: the first retry waits this long, the n-th n² times as long. */
  retryDelayMs: number
  /** Each attempt gets this long, connect to last byte. */
  requestTimeoutMs: number
  /** A rate limit asking for a longer wait than this ends the retries: the next scheduled run is sooner. */
  maxRateLimitWaitMs: number
  debug: (message: string) => void
  warning: (message: string) => void
  now: () => Date
  /** Told the `github-authentication-token-expiration` header of every answer that carries one. */
  onTokenExpiration?: (value: string) => void
}

interface RequestFailure {
  status?: number
  message?: string
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown }
}

/**
 * Octokit from `@actions/github` (its proxy-aware fetch, GHES base URL, typed `rest.*` methods) with
 * `@octokit/plugin-retry` for transient failures, and one small plugin of this action's own, innermost,
 * that gives every attempt its own deadline, logs each attempt's method, path, status and time (never a
 * body: it may hold a sealed value), and times rate limits from GitHub's headers (`retry-rules.ts`).
 * Redirects are not followed: a moved repository is reported, not silently written elsewhere.
 */
export function createOctokit(options: OctokitOptions): Octokit {
  const retries = options.maxAttempts - 1
  const noteExpiration = (headers: Record<string, unknown> | undefined) => {
    const value = headers?.[TOKEN_EXPIRATION_HEADER]
    if (typeof value === 'string') options.onTokenExpiration?.(value)
  }
  const attempts = (octokit: OctokitCore) => {
    octokit.hook.wrap('request', async (request, endpoint) => {
      const attempt = Number(endpoint.request?.retryCount ?? 0) + 1
      const { method, url } = octokit.request.endpoint.parse(endpoint)
      const line = `GitHub ${method} ${new URL(url).pathname}`
      const started = performance.now()
      const took = () => `${Math.round(performance.now() - started)} ms`
      try {
        // Hooks share the call's one options object; the inner ones ignore what is passed, so set it in place.
        endpoint.request = { ...endpoint.request, signal: AbortSignal.timeout(options.requestTimeoutMs) }
        endpoint.headers = {
          ...endpoint.headers,
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28'
        }
        const response = await request(endpoint)
        noteExpiration(response.headers)
        options.debug(`${line} → ${response.status} in ${took()} (attempt ${attempt})`)
        return response
      } catch (error) {
        const failure = error as RequestFailure
        noteExpiration(failure.response?.headers)
        const status = failure.status ?? 0
        // Octokit reports a refused, reset or timed-out attempt as a 500 without a response.
        const answered = failure.response ? status : 0
        options.debug(`${line} → ${answered || 'no answer'} in ${took()} (attempt ${attempt})`)
        const headers = failure.response?.headers ?? {}
        const wait = rateLimitWait(status, headers, messageOf(failure.response?.data), options.now())
        const retrying = attempt <= retries
        if (wait !== undefined && wait * 1000 <= options.maxRateLimitWaitMs && retrying) {
          options.warning(
            `${line} was rate limited on attempt ${attempt} of ${options.maxAttempts}; retrying in ${wait} s.`
          )
          // Plugin-retry's documented hook for a retry it would not make itself; it waits `retryAfter` units.
          throw (octokit as OctokitCore & RetryApi).retry.retryRequest(
            error as Error,
            retries,
            Math.max(1, Math.ceil((wait * 1000) / options.retryDelayMs))
          )
        }
        if (retrying && pluginRetries(status)) {
          options.warning(
            `${line} failed on attempt ${attempt} of ${options.maxAttempts} (${answered || 'no answer'}); retrying.`
          )
        }
        throw error
      }
    })
  }
  const octokit = getOctokit(
    options.token,
    {
      baseUrl: options.baseUrl,
      userAgent: options.userAgent,
      retry: { retries, doNotRetry: DO_NOT_RETRY, retryAfterBaseValue: options.retryDelayMs },
      request: { ...defaults.request, redirect: 'manual' }
    },
    attempts,
    retry
  )
  // Outermost: every call gets its own `request` options. Without a copy, every call shares the defaults'
  // object, and plugin-retry's attempt count (kept there) would carry over from one call to the next.
  // Hooks all see the one options object of the call, so the copy is put in place, not passed on.
  octokit.hook.wrap('request', (request, endpoint) => {
    endpoint.request = { ...endpoint.request }
    return request(endpoint)
  })
  return octokit
}

interface RetryApi {
  retry: { retryRequest(error: Error, retries: number, retryAfter: number): Error }
}

function messageOf(data: unknown): string {
  const message = (data as { message?: unknown } | undefined)?.message
  return typeof message === 'string' ? message : ''
}
