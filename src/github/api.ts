import type { Clock } from '../clock.js'
import { retrying, type RetryPolicy } from '../retry.js'
import { GITHUB_ATTEMPT_TIMEOUT_MS } from '../timing.js'
import { classifyGitHubFailure, GitHubError, toGitHubError } from './errors.js'
import type { Octokit } from './octokit.js'

export interface PublicKey {
  key_id: string
  key: string
}

/** Where the secrets go: a repository, or one of its environments. Variables always live on the repository. */
export interface Target {
  owner: string
  repo: string
  environment?: string
}

/**
 * How a write may be retried: `abandon` stops the retries once it says so (a newer value may have landed over
 * it meanwhile); `once` sends it a single time (a DELETE whose answer was lost may have been applied, and
 * another run may have created the name since: sent again, it would delete that run's variable);
 * `uncertain` is told when an attempt ends with no answer that settles it (none at all, or a 5xx, which a
 * gateway gives while GitHub may still apply the write): that attempt may land later, after the ones after it.
 */
export type Patience = { abandon?: () => boolean; once?: boolean; uncertain?: () => void } | undefined

/** A variable as GitHub returns it: its value, and its times by GitHub's own clock. */
export interface StoredVariable {
  value: string
  createdAt: number
  updatedAt: number
}

/** What GitHub's rate-limit headers said on the last answer: the calls left, and when the window resets. */
export interface RateLimit {
  remaining: number
  resetAt: number
}

export interface CallDeps {
  clock: Clock
  random: () => number
  /**
   * How hard a call tries now, by the run's phase: before the grant a few attempts within the preflight's
   * budget; once the grant is out, until the run's deadline. Several calls of one write share the deadline.
   */
  budget: () => RetryPolicy
  /** Told before each retry: which call, why, and the pause. */
  onRetry: (call: string, waitMs: number, why: string) => void
}

/**
 * The GitHub calls a rotation makes, through Octokit's typed `rest.actions` methods, each sent through the
 * one retry engine with its own deadline per attempt. Every failure comes out as a `GitHubError`.
 */
export class GitHubApi {
  private readonly repo: { owner: string; repo: string }
  /** The last primary rate-limit headers seen: the grant is not sent without headroom for the writes after it. */
  rateLimit: RateLimit | undefined

  constructor(
    private readonly octokit: Octokit,
    private readonly target: Target,
    private readonly deps: CallDeps
  ) {
    this.repo = { owner: target.owner, repo: target.repo }
  }

  /** One call with retries: the attempt gets a signal that ends it at its deadline. */
  private async call<T extends { status: number }>(
    label: string,
    send: (request: { signal: AbortSignal }) => Promise<T>,
    patience: Patience
  ): Promise<T> {
    const policy = patience?.once ? { ...this.deps.budget(), attempts: 1 } : this.deps.budget()
    return retrying(
      async () => {
        let response: T
        try {
          response = await send({ signal: this.deps.clock.timeout(GITHUB_ATTEMPT_TIMEOUT_MS) })
        } catch (error) {
          const failure = toGitHubError(error)
          this.noteRateLimit(failure.headers)
          if (failure.status === undefined || failure.status >= 500) patience?.uncertain?.()
          throw failure
        }
        this.noteRateLimit((response as { headers?: Record<string, unknown> }).headers)
        // Octokit is told not to follow redirects: a 3xx is a failure here, reported as such.
        if (response.status >= 300) throw toGitHubError({ response })
        return response
      },
      (error) => classifyGitHubFailure(error, this.deps.clock.now().getTime()),
      policy,
      {
        ...this.deps,
        abandon: patience?.abandon,
        onRetry: (_, waitMs, why) => this.deps.onRetry(label, waitMs, why)
      }
    )
  }

  private noteRateLimit(headers: Record<string, unknown> | undefined): void {
    const remaining = Number(headers?.['x-ratelimit-remaining'])
    const reset = Number(headers?.['x-ratelimit-reset'])
    if (Number.isFinite(remaining) && Number.isFinite(reset))
      this.rateLimit = { remaining, resetAt: reset * 1000 }
  }

  private environmentName(): { environment_name: string } | undefined {
    return this.target.environment === undefined ? undefined : { environment_name: this.target.environment }
  }

  async publicKey(patience: Patience = undefined): Promise<PublicKey> {
    const environment = this.environmentName()
    const actions = this.octokit.rest.actions
    const { data } = await this.call(
      'read the public key',
      (request) =>
        environment
          ? actions.getEnvironmentPublicKey({ ...this.repo, ...environment, request })
          : actions.getRepoPublicKey({ ...this.repo, request }),
      patience
    )
    if (typeof data?.key_id !== 'string' || typeof data?.key !== 'string')
      throw new GitHubError(200, 'the public key answer has no key_id and key')
    return { key_id: data.key_id, key: data.key }
  }

  async putSecret(
    name: string,
    encrypted: string,
    keyId: string,
    patience: Patience = undefined
  ): Promise<'created' | 'updated'> {
    const environment = this.environmentName()
    const actions = this.octokit.rest.actions
    const secret = { ...this.repo, secret_name: name, encrypted_value: encrypted, key_id: keyId }
    const { status } = await this.call(
      `write the secret ${name}`,
      (request) =>
        environment
          ? actions.createOrUpdateEnvironmentSecret({ ...secret, ...environment, request })
          : actions.createOrUpdateRepoSecret({ ...secret, request }),
      patience
    )
    return status === 201 ? 'created' : 'updated'
  }

  /** When the secret was last written (epoch ms, to the second as GitHub gives it); 0 when it does not exist. */
  async secretWrittenAt(name: string): Promise<number> {
    const environment = this.environmentName()
    const actions = this.octokit.rest.actions
    const found = await this.call(
      `read when ${name} was written`,
      (request) =>
        environment
          ? actions.getEnvironmentSecret({ ...this.repo, ...environment, secret_name: name, request })
          : actions.getRepoSecret({ ...this.repo, secret_name: name, request }),
      undefined
    ).catch(absentOn(404))
    if (!found) return 0
    const at = Date.parse(found.data.updated_at)
    if (Number.isNaN(at)) throw new GitHubError(200, 'the secret answer has no updated_at')
    return at
  }

  /** Creates the variable only if none of that name exists: the one compare-and-set GitHub offers (201 or 409). */
  async createVariable(
    name: string,
    value: string,
    patience: Patience = undefined
  ): Promise<'created' | 'exists'> {
    const created = await this.call(
      `create the variable ${name}`,
      (request) => this.octokit.rest.actions.createRepoVariable({ ...this.repo, name, value, request }),
      patience
    ).catch(absentOn(409))
    return created ? 'created' : 'exists'
  }

  /** Undefined when the variable does not exist, or does not exist yet for this read (reads lag behind writes). */
  async readVariable(name: string): Promise<StoredVariable | undefined> {
    const found = await this.call(
      `read the variable ${name}`,
      (request) => this.octokit.rest.actions.getRepoVariable({ ...this.repo, name, request }),
      undefined
    ).catch(absentOn(404))
    if (!found) return undefined
    const { value, created_at: created, updated_at: updated } = found.data ?? {}
    const createdAt = Date.parse(created)
    const updatedAt = Date.parse(updated)
    if (typeof value !== 'string' || Number.isNaN(createdAt) || Number.isNaN(updatedAt))
      throw new GitHubError(200, 'the variable answer has no value and times')
    return { value, createdAt, updatedAt }
  }

  async updateVariable(
    name: string,
    value: string,
    patience: Patience = undefined
  ): Promise<'updated' | 'absent'> {
    const updated = await this.call(
      `update the variable ${name}`,
      (request) => this.octokit.rest.actions.updateRepoVariable({ ...this.repo, name, value, request }),
      patience
    ).catch(absentOn(404))
    return updated ? 'updated' : 'absent'
  }

  /** Update, or create when there is none; `exists` says which to try first (a read may have told). */
  async writeVariable(
    name: string,
    value: string,
    exists: boolean,
    patience: Patience = undefined
  ): Promise<'created' | 'updated'> {
    if (exists && (await this.updateVariable(name, value, patience)) === 'updated') return 'updated'
    if ((await this.createVariable(name, value, patience)) === 'created') return 'created'
    if ((await this.updateVariable(name, value, patience)) === 'updated') return 'updated'
    throw new GitHubError(404, `the variable ${name} was removed while it was being written`)
  }

  async deleteVariable(name: string, patience: Patience = undefined): Promise<'deleted' | 'absent'> {
    const deleted = await this.call(
      `delete the variable ${name}`,
      (request) => this.octokit.rest.actions.deleteRepoVariable({ ...this.repo, name, request }),
      patience
    ).catch(absentOn(404))
    return deleted ? 'deleted' : 'absent'
  }

  /** Every repository variable whose name starts with `prefix`, across every page (30 a page at most). */
  async listVariables(prefix: string): Promise<{ name: string; createdAt: number }[]> {
    const found: { name: string; createdAt: number }[] = []
    for (let page = 1; page <= 20; page++) {
      const { data } = await this.call(
        'list the variables',
        (request) =>
          this.octokit.rest.actions.listRepoVariables({ ...this.repo, per_page: 30, page, request }),
        undefined
      )
      for (const variable of data.variables)
        if (variable.name.startsWith(prefix))
          found.push({ name: variable.name, createdAt: Date.parse(variable.created_at) })
      if (data.variables.length < 30) break
    }
    return found
  }
}

/** A refusal with one of these statuses means "not there": undefined instead of a failure. */
function absentOn(...statuses: number[]) {
  return (error: unknown): undefined => {
    if (error instanceof GitHubError && statuses.includes(error.status ?? 0)) return undefined
    throw error
  }
}
