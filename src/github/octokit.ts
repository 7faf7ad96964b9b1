import { getOctokit } from '@actions/github'
import { defaults } from '@actions/github/lib/utils'

export type Octokit = ReturnType<typeof getOctokit>

/** `github-authentication-token-expiration`: on every answer to a token that expires, as `2026-12-31 12:00:00 UTC`. */
export const TOKEN_EXPIRATION_HEADER = 'github-authentication-token-expiration'

export interface OctokitOptions {
  token: string
  /** https://api.github.com, or a GitHub Enterprise Server's https://HOST/api/v3. */
  baseUrl: string
  userAgent: string
  /** The transport; defaults to `@actions/github`'s, which honours the runner's proxy settings. */
  fetch?: typeof fetch
  debug: (message: string) => void
  /** Told the token-expiration header of every answer that carries one. */
  onTokenExpiration?: (value: string) => void
}

/**
 * Octokit as `@actions/github` builds it (REST methods, pagination, the proxy-aware fetch, the GHES base
 * URL), with one hook of this action's: a debug line per request (method, path, status, time; never a body,
 * which may hold a sealed value) and the writer token's expiry from GitHub's header. Redirects are not
 * followed: a moved repository is reported, not silently written elsewhere. Retries are not Octokit's: every
 * call goes through the action's one retry engine, which waits on the injected clock.
 */
export function createOctokit(options: OctokitOptions): Octokit {
  const octokit = getOctokit(options.token, {
    baseUrl: options.baseUrl,
    userAgent: options.userAgent,
    request: { ...defaults.request, ...(options.fetch ? { fetch: options.fetch } : {}), redirect: 'manual' }
  })
  octokit.hook.wrap('request', async (request, endpoint) => {
    const { method, url } = octokit.request.endpoint.parse(endpoint)
    const line = `GitHub ${method} ${new URL(url).pathname}`
    const started = performance.now()
    const took = () => `${Math.round(performance.now() - started)} ms`
    const note = (headers: Record<string, unknown> | undefined) => {
      const value = headers?.[TOKEN_EXPIRATION_HEADER]
      if (typeof value === 'string') options.onTokenExpiration?.(value)
    }
    endpoint.headers = { ...endpoint.headers, 'x-github-api-version': '2022-11-28' }
    try {
      const response = await request(endpoint)
      note(response.headers)
      options.debug(`${line} → ${response.status} in ${took()}`)
      return response
    } catch (error) {
      const response = (error as { response?: { status: number; headers?: Record<string, unknown> } })
        .response
      note(response?.headers)
      options.debug(`${line} → ${response?.status ?? 'no answer'} in ${took()}`)
      throw error
    }
  })
  return octokit
}
