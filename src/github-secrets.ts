import type { HttpResponse, HttpSend } from './http.js'
import type { Target } from './inputs.js'

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

export interface GitHubClientOptions {
  send: HttpSend
  /** The REST root: https://api.github.com, or a GitHub Enterprise Server's https://HOST/api/v3. */
  apiUrl: string
  token: string
  userAgent: string
  target: Target
  debug?: (message: string) => void
}

/**
 * The five REST calls a rotation needs, made directly: a general-purpose client would cost more to load
 * than the whole rotation takes (see the README's Performance section).
 */
export function createGitHubApi(options: GitHubClientOptions): GitHubApi {
  const { send, target, debug = () => undefined } = options
  const root = options.apiUrl.replace(/\/+$/, '')
  const repo = `/repos/${encodeURIComponent(target.owner)}/${encodeURIComponent(target.repo)}`
  const secrets = target.environment
    ? `${repo}/environments/${encodeURIComponent(target.environment)}/secrets`
    : `${repo}/actions/secrets`
  const headers = {
    accept: 'application/vnd.github+json',
    authorization: `Bearer ${options.token}`,
    'user-agent': options.userAgent,
    'x-github-api-version': '2022-11-28'
  }

  async function call(method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: object) {
    const started = performance.now()
    // Method, path, status and timing of every call; never a body (which holds a sealed value).
    const line = () => `GitHub ${method} ${path}`
    const took = () => `${Math.round(performance.now() - started)} ms`
    let response: HttpResponse
    try {
      response = await send({
        method,
        url: root + path,
        headers: body ? { ...headers, 'content-type': 'application/json' } : headers,
        body: body ? JSON.stringify(body) : undefined
      })
    } catch (error) {
      debug(`${line()} → no answer in ${took()}`)
      throw new GitHubApiError(undefined, error instanceof Error ? error.message : String(error))
    }
    debug(`${line()} → ${response.status} in ${took()}`)
    if (response.status >= 200 && response.status < 300) return response
    throw new GitHubApiError(response.status, errorMessage(response), flatten(response.headers))
  }

  const secret = (name: string) => `${secrets}/${encodeURIComponent(name)}`
  const variable = (name: string) => `${repo}/actions/variables/${encodeURIComponent(name)}`
  const absentOn =
    (...statuses: number[]) =>
    (error: unknown) => {
      if (error instanceof GitHubApiError && statuses.includes(error.status ?? 0)) return undefined
      throw error
    }

  return {
    async readPublicKey() {
      const data = json(await call('GET', `${secrets}/public-key`))
      if (typeof data.key_id !== 'string' || typeof data.key !== 'string') {
        throw new GitHubApiError(undefined, 'the public key answer has no key_id and key')
      }
      return { key_id: data.key_id, key: data.key }
    },
    async writeSecret(name, encryptedValue, keyId) {
      const response = await call('PUT', secret(name), { encrypted_value: encryptedValue, key_id: keyId })
      return response.status === 201 ? 'created' : 'updated'
    },
    async deleteSecret(name) {
      return (await call('DELETE', secret(name)).catch(absentOn(404))) ? 'deleted' : 'absent'
    },
    async readVariable(name) {
      const response = await call('GET', variable(name)).catch(absentOn(404))
      if (!response) return undefined
      const data = json(response)
      if (typeof data.value !== 'string')
        throw new GitHubApiError(undefined, 'the variable answer has no value')
      return data.value
    },
    async writeVariable(name, value, exists) {
      const update = () => call('PATCH', variable(name), { name, value })
      const create = () => call('POST', `${repo}/actions/variables`, { name, value })
      // Another run may have created or removed it since the preflight read: then the other call serves.
      if (exists) {
        if (await update().catch(absentOn(404))) return 'updated'
        await create()
        return 'created'
      }
      if (await create().catch(absentOn(409))) return 'created'
      await update()
      return 'updated'
    }
  }
}

function json(response: HttpResponse): Record<string, unknown> {
  try {
    const data: unknown = JSON.parse(response.body)
    if (data && typeof data === 'object') return data as Record<string, unknown>
  } catch {
    // fall through: reported without the body
  }
  throw new GitHubApiError(undefined, `GitHub answered ${response.status} with a body that is not JSON`)
}

/** GitHub's `message` field says what went wrong and holds no secret values; anything else is left out. */
function errorMessage(response: HttpResponse): string {
  try {
    const data = JSON.parse(response.body) as { message?: unknown }
    if (typeof data.message === 'string') return data.message.split('\n')[0]?.slice(0, 200) ?? ''
  } catch {
    // not JSON: a proxy's or load balancer's page
  }
  if (response.status >= 300 && response.status < 400)
    return `moved to ${String(response.headers.location ?? 'elsewhere')}`
  return response.status >= 500 ? 'server error' : 'request refused'
}

function flatten(headers: HttpResponse['headers']): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries(headers))
    flat[name] = Array.isArray(value) ? value.join(', ') : value
  return flat
}
