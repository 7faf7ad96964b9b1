import { ActionError } from '../errors.js'
import { describeGitHubError, GitHubApiError, type GitHubApi, type PublicKey } from '../github/secrets-api.js'
import { describeTarget, type Config } from '../inputs/schema.js'
import { acquireLock, lockValue, releaseLock, type Acquired } from './lock.js'
import type { Sealer } from './sealed-box.js'

export interface Preflight {
  /** The key every secret is sealed with. */
  publicKey: PublicKey
  /** The expiry variable as it is now, read after the lock was taken; undefined when off or not created yet. */
  expiresAtNow: { name: string; value: string } | undefined
  /** The lock, when `lock-variable` is on: held by this run, or by another one (then the run skips). */
  lock: Acquired | undefined
}

const UNTOUCHED = 'Nothing was changed and the refresh token was not used.'

/** What the write-check secret holds: only the time of the check. */
export const writeCheckValue = (at: Date) => `write checked at ${at.toISOString()}`

export interface PreflightOptions {
  /** Who this run is, for the lock's value: another run that finds the lock held names it. */
  holder: string
  /** Tells this run's lock apart from any other, when the answer to its create is lost. */
  nonce: string
  /** Told the lock's acquisition as it starts, so a cancel during the preflight can give back what it took. */
  onLockAttempt?: (attempt: Promise<Acquired | undefined>) => void
  /** How long the lock is held at most: longer than any run can take. */
  lockHoldMs: number
  now: () => Date
}

/**
 * Proves the whole write path before the refresh token is spent, in two round trips:
 * 1. the public key is read and, when `lock-variable` is on, the lock is taken (creating a variable also
 *    proves "Variables: write");
 * 2. a value sealed with that exact key is written to the write-check secret (reading the key is not enough:
 *    a token with Secrets "read" reads it too, and a key GitHub no longer accepts would only show at the
 *    refresh-token write), and the expiry variable is read: after the lock, so that a rotation which
 *    finished just before this run took the lock is seen (compare after lock).
 * A run that finds the lock held stops after the first round trip. When a later step fails, a lock this run
 * took is given back before the error is thrown.
 */
export async function preflight(
  api: GitHubApi,
  config: Config,
  sealer: Sealer,
  options: PreflightOptions
): Promise<Preflight> {
  const where = describeTarget(config.target)
  const variable = config.expiresAtVariable
  const check = config.secretNames.writeCheck
  const lockName = config.lockVariable
  const cannotWrite = (error: unknown) => {
    throw preflightError(error, config, `cannot write secrets on ${where}`, 'Secrets: read and write')
  }
  const cannotUseVariables = (what: string) => (error: unknown) => {
    throw preflightError(
      error,
      config,
      `cannot ${what} on ${config.target.repository}`,
      'Variables: read and write'
    )
  }
  const acquiring = lockName
    ? acquireLock(
        api,
        lockName,
        lockValue(options.holder, options.now(), options.lockHoldMs, options.nonce),
        config.refreshToken,
        options.now
      )
    : Promise.resolve(undefined)
  options.onLockAttempt?.(acquiring.catch(() => undefined))
  // Settled together, so no request is still retrying (and warning) after the run has failed.
  const [key, taken] = await Promise.allSettled([
    api.readPublicKey().catch(cannotWrite),
    acquiring.catch(cannotUseVariables(`take the lock variable ${lockName}`))
  ])
  const lock = taken.status === 'fulfilled' ? taken.value : undefined
  const giveBack = async (error: unknown): Promise<never> => {
    if (lock?.acquired) await releaseLock(api, lock, options.now()).catch(() => undefined)
    throw error
  }
  if (taken.status === 'rejected') return giveBack(taken.reason)
  if (key.status === 'rejected') return giveBack(key.reason)
  const publicKey = key.value
  if (lock && !lock.acquired) return { publicKey, expiresAtNow: undefined, lock }

  const [value] = await Promise.all([
    variable
      ? api.readVariable(variable).catch(cannotUseVariables(`read the variable ${variable}`))
      : undefined,
    // With the write check off, the value is still sealed: the sealed box loads and the key decodes.
    writeCheck(api, check, publicKey, sealer, options.now(), where).catch(cannotWrite)
  ]).catch(giveBack)
  return {
    publicKey,
    expiresAtNow: variable && value !== undefined ? { name: variable, value } : undefined,
    lock
  }
}

/** A sealed write with the key just read: proves the permission and that GitHub opens what this run seals. */
async function writeCheck(
  api: GitHubApi,
  name: string | undefined,
  publicKey: PublicKey,
  sealer: Sealer,
  now: Date,
  where: string
): Promise<void> {
  const sealed = await sealer.seal(writeCheckValue(now), publicKey.key).catch((error: unknown) => {
    throw new ActionError(
      'preflight',
      `Could not seal a value with the public key of ${where} (${error instanceof Error ? error.message : String(error)}). ${UNTOUCHED}`
    )
  })
  if (name) await api.writeSecret(name, sealed, publicKey.key_id)
}

function preflightError(error: unknown, config: Config, cannot: string, permission: string): ActionError {
  if (error instanceof ActionError) return error
  const { target } = config
  const status = error instanceof GitHubApiError ? error.status : undefined
  if (status === 401) {
    return new ActionError(
      'preflight',
      `The writer token is expired or revoked (${describeGitHubError(error)}). ${UNTOUCHED} Renew it: a ` +
        'fine-grained personal access token at https://github.com/settings/personal-access-tokens ("Regenerate ' +
        'token"), or, for a GitHub App token, check the App is still installed on the repository. Then store it: ' +
        `gh secret set ${config.writerTokenSecret} --repo ${target.repository}`
    )
  }
  if (status === 403 || status === 404) {
    return new ActionError(
      'preflight',
      `The writer token (github-token) ${cannot} (${describeGitHubError(error)}). It lacks access to the repository (or awaits an organisation owner’s approval), ` +
        `or lacks the "${permission}" permission${target.environment ? ' (or the environment does not exist)' : ''}. ` +
        `${UNTOUCHED} Give the writer token Secrets and Variables: read and write on ${target.repository} (a ` +
        `fine-grained PAT, or a GitHub App installation token), and store it in the secret ${config.writerTokenSecret}.`
    )
  }
  if (status !== undefined && status < 500 && status !== 429) {
    // A refusal that waiting will not change: a moved repository (3xx), a request GitHub rejects (4xx).
    const moved = status >= 300 && status < 400
    return new ActionError(
      'preflight',
      `GitHub refused the check of ${describeTarget(target)} (${describeGitHubError(error)}). ${UNTOUCHED} ` +
        (moved
          ? 'The repository was renamed or transferred: set the repository input to its new owner/name.'
          : 'Check the repository, environment and github-api-url inputs.')
    )
  }
  return new ActionError(
    'transient',
    `GitHub could not be reached to check the target (${describeGitHubError(error)}). ${UNTOUCHED} ` +
      'The next scheduled run will try again.'
  )
}
