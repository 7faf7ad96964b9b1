import { ActionError } from '../errors.js'
import { describeGitHubError, GitHubApiError, type GitHubApi, type PublicKey } from '../github/secrets-api.js'
import { describeTarget, type Config, type Target } from '../inputs/schema.js'
import type { Sealer } from './sealed-box.js'

export interface Preflight {
  /** The key every secret is sealed with. */
  publicKey: PublicKey
  /** The expiry variable as it is now, after the concurrency lock; undefined when off or not created yet. */
  expiresAtNow: { name: string; value: string } | undefined
  /** The write-check secret the proof deleted: the run puts it back, so the next proof is as quick. */
  writeCheckTaken: string | undefined
}

const UNTOUCHED = 'Nothing was changed and the refresh token was not used.'

/** What the write-check secret holds: only the time of the check. */
export const writeCheckValue = (at: Date) => `write checked at ${at.toISOString()}`

/**
 * Proves the PAT can do everything the rotation will need, before the refresh token is spent, in one
 * round trip when it can: read the public key, read the expiry variable (when compare-after-lock is on),
 * and delete the write-check secret, all at once. Reading the key is not enough: a PAT with Secrets "read"
 * only reads it too, and would lose the rotated token at the first write. Deleting a secret takes the same
 * "Secrets: write" permission as writing one, and needs no key, so it can go out beside the key read; the
 * run puts the secret back. Only when there was nothing to delete (the first run, or someone removed it)
 * does a 404 leave the question open: then a sealed write answers it, one round trip later.
 */
export async function preflight(
  api: GitHubApi,
  config: Config,
  sealer: Sealer,
  now: Date
): Promise<Preflight> {
  const where = describeTarget(config.target)
  const variable = config.expiresAtVariable
  const check = config.secretNames.writeCheck
  const cannotWrite = (error: unknown) => {
    throw preflightError(error, config.target, `cannot write secrets on ${where}`, 'Secrets: read and write')
  }
  // Settled together, so no request is still retrying (and warning) after the run has failed.
  const [publicKey, value, proof] = firstFailure(
    await Promise.allSettled([
      api.readPublicKey().catch(cannotWrite),
      variable
        ? api.readVariable(variable).catch((error: unknown) => {
            throw preflightError(
              error,
              config.target,
              `cannot read the variable ${variable} on ${config.target.repository}`,
              'Variables: read and write'
            )
          })
        : undefined,
      check ? api.deleteSecret(check).catch(cannotWrite) : undefined
    ])
  )
  // Sealing once here proves the sealed box loads and the key decodes before the refresh token is spent.
  const sealed = await sealer.seal(writeCheckValue(now), publicKey.key).catch((error: unknown) => {
    throw new ActionError(
      'preflight',
      `Could not seal a value with the public key of ${where} (${error instanceof Error ? error.message : String(error)}). ${UNTOUCHED}`
    )
  })
  if (check && proof === 'absent') {
    await api.writeSecret(check, sealed, publicKey.key_id).catch(cannotWrite)
  }
  return {
    publicKey,
    expiresAtNow: variable && value !== undefined ? { name: variable, value } : undefined,
    writeCheckTaken: proof === 'deleted' ? check : undefined
  }
}

/** The values of settled promises in order, or the first rejection (in argument order) thrown. */
function firstFailure<T extends readonly unknown[]>(results: {
  [K in keyof T]: PromiseSettledResult<T[K]>
}): T {
  const failed = results.find((result) => result.status === 'rejected')
  if (failed) throw failed.reason
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T
}

function preflightError(error: unknown, target: Target, cannot: string, permission: string): ActionError {
  const status = error instanceof GitHubApiError ? error.status : undefined
  if (status === 401 || status === 403 || status === 404) {
    return new ActionError(
      'preflight',
      `The github-token ${cannot} (${describeGitHubError(error)}). It is expired or revoked, lacks access to the ` +
        `repository, or lacks the "${permission}" permission${target.environment ? ' (or the environment does not exist)' : ''}. ` +
        `${UNTOUCHED} Create a fine-grained PAT with Secrets and Variables: read and write on ${target.repository} ` +
        'and store it as the secret the github-token input reads.'
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
