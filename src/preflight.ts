import { ActionError } from './errors.js'
import { GitHubApiError, type PublicKey, type SecretsApi } from './github-secrets.js'
import type { Target } from './inputs.js'

/**
 * Proves the PAT reaches the target and can read the public key that writing needs, before the
 * refresh token is spent. The key read here is the one every secret is sealed with.
 */
export async function preflight(api: SecretsApi, target: Target): Promise<PublicKey> {
  try {
    return await api.readPublicKey()
  } catch (error) {
    throw preflightError(error, target)
  }
}

export function preflightError(error: unknown, target: Target): ActionError {
  const where = describeTarget(target)
  const status = error instanceof GitHubApiError ? error.status : undefined
  const detail = error instanceof Error ? error.message : String(error)
  const untouched = 'Nothing was changed and the refresh token was not used.'
  if (status === 401 || status === 403 || status === 404) {
    return new ActionError(
      'preflight',
      `The github-token cannot write secrets on ${where} (GitHub answered ${status}: ${detail}). ` +
        'It is expired or revoked, lacks access to the repository, or lacks the "Secrets: read and write" permission' +
        `${target.environment ? ' (or the environment does not exist)' : ''}. ${untouched} ` +
        'Create a fine-grained PAT with Secrets: read and write on this repository and store it as the github-token secret.'
    )
  }
  return new ActionError(
    'transient',
    `Could not read the public key of ${where} (${status ? `GitHub answered ${status}: ` : ''}${detail}). ` +
      `${untouched} The next scheduled run will try again.`
  )
}

export function describeTarget(target: Target): string {
  return target.environment ? `${target.repository} (environment "${target.environment}")` : target.repository
}
