import type { Config } from './config.js'
import { RunError } from './errors.js'
import { GitHubError, rateLimitWaitSeconds } from './github/errors.js'
import { say } from './messages.js'

/**
 * A failure before the grant, for a person: what the writer token lacks, or that GitHub could not be
 * reached. Nothing was spent in any of these.
 */
export function preflightFailure(error: unknown, config: Config | undefined): RunError {
  if (error instanceof RunError) return error
  if (!config || !(error instanceof GitHubError)) return new RunError('transient', say.unexpected(error))
  const { status } = error
  // A rate limit whose wait ran out is not a missing permission: the next run may well go through.
  if (
    status !== undefined &&
    rateLimitWaitSeconds(status, error.headers, error.message, Date.now()) !== undefined
  )
    return new RunError('transient', say.preflight.unreachable(error))
  if (status === 401) return new RunError('preflight', say.preflight.writerTokenRejected(config, error))
  if (status === 403 || status === 404) {
    // GitHub names the permission a fine-grained token lacks in this header.
    const wanted = error.headers['x-accepted-github-permissions']
    return new RunError('preflight', say.preflight.notPermitted(config, error, wanted))
  }
  if (status !== undefined && status < 500 && status !== 429 && status !== 408)
    return new RunError('preflight', say.preflight.refused(config, error))
  return new RunError('transient', say.preflight.unreachable(error))
}
