import { ActionError } from './errors.js'
import { GitHubApiError, type GitHubApi, type PublicKey } from './github-secrets.js'
import type { Config, Target } from './inputs.js'
import { describeGitHubError, type GitHubRetrier } from './retrier.js'
import type { Sealer } from './sealed-box.js'

export interface Preflight {
  /** The key every secret is sealed with. */
  publicKey: PublicKey
  /** The expiry variable as it is now, after the concurrency lock; undefined when off or not created yet. */
  expiresAtNow: { name: string; value: string } | undefined
}

const UNTOUCHED = 'Nothing was changed and the refresh token was not used.'

/**
 * Proves the PAT can do everything the rotation will need, before the refresh token is spent: read the
 * public key and, when compare-after-lock is on, the expiry variable; then write a secret. Reading the
 * key is not enough: a PAT with Secrets "read" only reads it too, and would lose the rotated token at
 * the first write. The check secret holds only the time of the check.
 */
export async function preflight(
  api: GitHubApi,
  config: Config,
  retry: GitHubRetrier,
  sealer: Sealer,
  now: Date
): Promise<Preflight> {
  const where = describeTarget(config.target)
  const variable = config.expiresAtVariable
  const [publicKey, value] = await Promise.all([
    retry('Reading the public key', () => api.readPublicKey()).catch((error: unknown) => {
      throw preflightError(
        error,
        config.target,
        `cannot write secrets on ${where}`,
        'Secrets: read and write'
      )
    }),
    variable
      ? retry(`Reading the variable ${variable}`, () => api.readVariable(variable)).catch(
          (error: unknown) => {
            throw preflightError(
              error,
              config.target,
              `cannot read the variable ${variable} on ${config.target.repository}`,
              'Variables: read and write'
            )
          }
        )
      : undefined
  ])
  const check = config.secretNames.writeCheck
  if (check) {
    const sealed = await sealer.seal(`write checked at ${now.toISOString()}`, publicKey.key)
    await retry(`Writing the check secret ${check}`, () =>
      api.writeSecret(check, sealed, publicKey.key_id)
    ).catch((error: unknown) => {
      throw preflightError(
        error,
        config.target,
        `cannot write secrets on ${where}`,
        'Secrets: read and write'
      )
    })
  }
  return { publicKey, expiresAtNow: variable && value !== undefined ? { name: variable, value } : undefined }
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
  return new ActionError(
    'transient',
    `GitHub could not be reached to check the target (${describeGitHubError(error)}). ${UNTOUCHED} ` +
      'The next scheduled run will try again.'
  )
}

export function describeTarget(target: Target): string {
  return target.environment ? `${target.repository} (environment "${target.environment}")` : target.repository
}
