import type { getOctokit } from '@actions/github'
import type { Target } from './inputs.js'

type Octokit = ReturnType<typeof getOctokit>

export interface PublicKey {
  key_id: string
  key: string
}

/** The two calls a rotation makes on GitHub, for a repository or one of its environments. */
export interface SecretsApi {
  readPublicKey(): Promise<PublicKey>
  writeSecret(name: string, encryptedValue: string, keyId: string): Promise<'created' | 'updated'>
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

export function createSecretsApi(octokit: Octokit, target: Target): SecretsApi {
  const base = { owner: target.owner, repo: target.repo }
  return {
    async readPublicKey() {
      const response = await call(() =>
        target.environment
          ? octokit.request('GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key', {
              ...base,
              environment_name: target.environment
            })
          : octokit.request('GET /repos/{owner}/{repo}/actions/secrets/public-key', base)
      )
      return { key_id: response.data.key_id, key: response.data.key }
    },
    async writeSecret(name, encryptedValue, keyId) {
      const body = { secret_name: name, encrypted_value: encryptedValue, key_id: keyId }
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
    response?: { headers?: Record<string, unknown> }
  }
  const status = typeof failure.status === 'number' && failure.status > 0 ? failure.status : undefined
  const headers: Record<string, string | undefined> = {}
  for (const [key, value] of Object.entries(failure.response?.headers ?? {})) {
    headers[key.toLowerCase()] = value === undefined ? undefined : String(value)
  }
  // Octokit's message for an HTTP error is GitHub's `message` field plus a docs link: no secret values.
  const message = typeof failure.message === 'string' ? failure.message.split(' - ')[0] : String(error)
  return new GitHubApiError(status, message ?? 'request failed', headers)
}
