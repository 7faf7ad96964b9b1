import type { Target } from '../inputs/schema.js'
import type { Octokit } from './octokit.js'

export interface PublicKey {
  key_id: string
  key: string
}

/** The GitHub calls a rotation makes: the target's public key and secrets, and the repository's expiry variable. */
export interface GitHubApi {
  readPublicKey(): Promise<PublicKey>
  writeSecret(name: string, encryptedValue: string, keyId: string): Promise<'created' | 'updated'>
  /** Whether there was a secret of that name to delete. */
  deleteSecret(name: string): Promise<'deleted' | 'absent'>
  /** Undefined when the variable does not exist yet. */
  readVariable(name: string): Promise<string | undefined>
  /** `exists` says which call to make first (known from the preflight read); the other is the fallback. */
  writeVariable(name: string, value: string, exists: boolean): Promise<'created' | 'updated'>
  /** Creates the variable only if there is none of that name: the atomic step a lock needs. */
  createVariable(name: string, value: string): Promise<'created' | 'exists'>
  deleteVariable(name: string): Promise<'deleted' | 'absent'>
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

/**
 * The five kinds of call a rotation needs, through Octokit's typed `rest.actions` methods, addressed to the
 * repository or to one of its environments. Every failure comes out as a `GitHubApiError`.
 */
export function createGitHubApi(octokit: Octokit, target: Target): GitHubApi {
  const repo = { owner: target.owner, repo: target.repo }
  const environment = target.environment
  const actions = octokit.rest.actions
  const absentOn =
    (...statuses: number[]) =>
    (error: unknown) => {
      if (error instanceof GitHubApiError && statuses.includes(error.status ?? 0)) return undefined
      throw error
    }

  return {
    async readPublicKey() {
      const { data } = await call(() =>
        environment
          ? actions.getEnvironmentPublicKey({ ...repo, environment_name: environment })
          : actions.getRepoPublicKey(repo)
      )
      if (typeof data?.key_id !== 'string' || typeof data?.key !== 'string') {
        throw new GitHubApiError(undefined, 'the public key answer has no key_id and key')
      }
      return { key_id: data.key_id, key: data.key }
    },
    async writeSecret(name, encryptedValue, keyId) {
      const secret = { ...repo, secret_name: name, encrypted_value: encryptedValue, key_id: keyId }
      const { status } = await call(() =>
        environment
          ? actions.createOrUpdateEnvironmentSecret({ ...secret, environment_name: environment })
          : actions.createOrUpdateRepoSecret(secret)
      )
      return status === 201 ? 'created' : 'updated'
    },
    async deleteSecret(name) {
      const deleted = await call(() =>
        environment
          ? actions.deleteEnvironmentSecret({ ...repo, environment_name: environment, secret_name: name })
          : actions.deleteRepoSecret({ ...repo, secret_name: name })
      ).catch(absentOn(404))
      return deleted ? 'deleted' : 'absent'
    },
    async readVariable(name) {
      const response = await call(() => actions.getRepoVariable({ ...repo, name })).catch(absentOn(404))
      if (!response) return undefined
      if (typeof response.data?.value !== 'string') {
        throw new GitHubApiError(undefined, 'the variable answer has no value')
      }
      return response.data.value
    },
    async writeVariable(name, value, exists) {
      const update = () => call(() => actions.updateRepoVariable({ ...repo, name, value }))
      const create = () => call(() => actions.createRepoVariable({ ...repo, name, value }))
      // Another run may have created or removed it since the preflight read: then the other call serves.
      if (exists) {
        if (await update().catch(absentOn(404))) return 'updated'
        await create()
        return 'created'
      }
      if (await create().catch(absentOn(409))) return 'created'
      await update()
      return 'updated'
    },
    async createVariable(name, value) {
      const created = await call(() => actions.createRepoVariable({ ...repo, name, value })).catch(
        absentOn(409)
      )
      return created ? 'created' : 'exists'
    },
    async deleteVariable(name) {
      const deleted = await call(() => actions.deleteRepoVariable({ ...repo, name })).catch(absentOn(404))
      return deleted ? 'deleted' : 'absent'
    }
  }
}

interface OctokitAnswer {
  status: number
  headers: Record<string, string | number | undefined>
  data?: unknown
}

/**
 * One call, its outcome reduced to a status and GitHub's one-line `message`. A redirect is a failure here
 * (Octokit is told not to follow one): a moved repository is reported, not silently written elsewhere.
 */
async function call<T extends OctokitAnswer>(send: () => Promise<T>): Promise<T> {
  let response: T
  try {
    response = await send()
  } catch (error) {
    throw toGitHubApiError(error)
  }
  if (response.status >= 300) throw fromAnswer(response)
  return response
}

export function toGitHubApiError(error: unknown): GitHubApiError {
  if (error instanceof GitHubApiError) return error
  const failure = error as { status?: number; response?: OctokitAnswer; message?: string }
  if (failure?.response) return fromAnswer(failure.response)
  // No answer: a refused or reset connection, or the attempt's deadline. Octokit calls these 500.
  let innermost: unknown = error
  while (
    typeof (innermost as { cause?: unknown })?.cause === 'object' &&
    (innermost as { cause?: unknown }).cause !== null
  )
    innermost = (innermost as { cause: unknown }).cause
  const reason = String((innermost as { message?: unknown })?.message ?? innermost)
  return new GitHubApiError(undefined, `no answer from GitHub (${reason})`)
}

/** GitHub's `message` field says what went wrong and holds no secret values; anything else is left out. */
function fromAnswer(answer: OctokitAnswer): GitHubApiError {
  const message = (answer.data as { message?: unknown } | undefined)?.message
  const headers: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries(answer.headers ?? {}))
    headers[name] = value === undefined ? undefined : String(value)
  const text =
    typeof message === 'string'
      ? (message.split('\n')[0]?.slice(0, 200) ?? '')
      : answer.status >= 300 && answer.status < 400
        ? `moved to ${headers.location ?? 'elsewhere'}`
        : answer.status >= 500
          ? 'server error'
          : 'request refused'
  return new GitHubApiError(answer.status, text, headers)
}

/** A GitHub failure for a person: the status and GitHub's message, or why there was no answer. */
export function describeGitHubError(error: unknown): string {
  if (error instanceof GitHubApiError)
    return error.status ? `GitHub answered ${error.status}: ${error.message}` : error.message
  return error instanceof Error ? error.message : String(error)
}
