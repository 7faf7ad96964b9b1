import type { getOctokit } from '@actions/github'
import type { Target } from './inputs.js'

type Octokit = ReturnType<typeof getOctokit>

export interface PublicKey {
  key_id: string
  key: string
}

/** The GitHub calls a rotation makes: the target's public key and secrets, and the repository's expiry variable. */
export interface GitHubApi {
  readPublicKey(): Promise<PublicKey>
  writeSecret(name: string, encryptedValue: string, keyId: string): Promise<'created' | 'updated'>
  /** Undefined when the variable does not exist yet. */
  readVariable(name: string): Promise<string | undefined>
  /** `exists` says which call to make first (known from the preflight read); the other is the fallback. */
  writeVariable(name: string, value: string, exists: boolean): Promise<'created' | 'updated'>
}

/** A failed GitHub call, reduced to what the decisions need: never the response body. */
export class GitHubApiError extends Error {
  constructor(
    readonly status: number | undefined,
    message: string,
    readonly headers: Record<string, string | undefined> = {}
  ) {
    super(message)
    this.name = 'GitHubApiError'
  }
}

export function createGitHubApi(
  octokit: Octokit,
  target: Target,
  timeoutMs: number,
  debug: (message: string) => void = () => undefined
): GitHubApi {
  const base = { owner: target.owner, repo: target.repo }
  // Method, path, status and timing of every call; never a body (which holds a sealed value).
  octokit.hook.wrap('request', async (request, options) => {
    const started = performance.now()
    const { method, url } = octokit.request.endpoint.parse(options)
    const line = `${method} ${new URL(url).pathname}`
    try {
      const response = await request(options)
      debug(`GitHub ${line} → ${response.status} in ${Math.round(performance.now() - started)} ms`)
      return response
    } catch (error) {
      const status = (error as { status?: number }).status ?? 'no answer'
      debug(`GitHub ${line} → ${status} in ${Math.round(performance.now() - started)} ms`)
      throw error
    }
  })
  // A fresh signal per call: a hung connection ends in a retryable error instead of a hung job.
  const request = () => ({ request: { signal: AbortSignal.timeout(timeoutMs) } })
  return {
    async readPublicKey() {
      const response = await call(() =>
        target.environment
          ? octokit.request('GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key', {
              ...base,
              environment_name: target.environment,
              ...request()
            })
          : octokit.request('GET /repos/{owner}/{repo}/actions/secrets/public-key', { ...base, ...request() })
      )
      return { key_id: response.data.key_id, key: response.data.key }
    },
    async writeSecret(name, encryptedValue, keyId) {
      const body = { secret_name: name, encrypted_value: encryptedValue, key_id: keyId, ...request() }
      const response = await call(() =>
        target.environment
          ? octokit.request(
              'PUT /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
              {
                ...base,
                environment_name: target.environment,
                ...body
              }
            )
          : octokit.request('PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}', { ...base, ...body })
      )
      return response.status === 201 ? 'created' : 'updated'
    },
    async readVariable(name) {
      try {
        const response = await call(() =>
          octokit.request('GET /repos/{owner}/{repo}/actions/variables/{name}', {
            ...base,
            name,
            ...request()
          })
        )
        return response.data.value
      } catch (error) {
        if (error instanceof GitHubApiError && error.status === 404) return undefined
        throw error
      }
    },
    async writeVariable(name, value, exists) {
      const update = () =>
        call(() =>
          octokit.request('PATCH /repos/{owner}/{repo}/actions/variables/{name}', {
            ...base,
            name,
            value,
            ...request()
          })
        )
      const create = () =>
        call(() =>
          octokit.request('POST /repos/{owner}/{repo}/actions/variables', {
            ...base,
            name,
            value,
            ...request()
          })
        )
      // Another run may have created or removed it since the preflight read: then the other call serves.
      const fallsThrough = (status: number) => (error: unknown) => {
        if (error instanceof GitHubApiError && error.status === status) return undefined
        throw error
      }
      if (exists) {
        if ((await update().catch(fallsThrough(404))) !== undefined) return 'updated'
        await create()
        return 'created'
      }
      if ((await create().catch(fallsThrough(409))) !== undefined) return 'created'
      await update()
      return 'updated'
    }
  }
}

async function call<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request()
  } catch (error) {
    throw toGitHubApiError(error)
  }
}

function toGitHubApiError(error: unknown): GitHubApiError {
  const failure = error as {
    status?: unknown
    message?: unknown
    name?: unknown
    response?: { headers?: Record<string, unknown> }
  }
  // Octokit reports a network failure as status 500 without a response; keep "no answer" apart from a real 500.
  const answered = failure.response !== undefined
  const status = answered && typeof failure.status === 'number' ? failure.status : undefined
  const headers: Record<string, string | undefined> = {}
  for (const [key, value] of Object.entries(failure.response?.headers ?? {})) {
    headers[key.toLowerCase()] = value === undefined ? undefined : String(value)
  }
  const timedOut =
    failure.name === 'TimeoutError' ||
    failure.name === 'AbortError' ||
    /aborted|timeout/i.test(String(failure.message))
  // Octokit's message for an HTTP error is GitHub's `message` field plus a docs link: no secret values.
  const message = timedOut
    ? 'no answer within request-timeout'
    : String(failure.message ?? error).split(' - ')[0]
  return new GitHubApiError(status, message ?? 'request failed', headers)
}
