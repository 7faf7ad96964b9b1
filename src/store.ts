import { ActionError } from './errors.js'
import type { GitHubApi, PublicKey } from './github-secrets.js'
import type { Config } from './inputs.js'
import type { PlannedWrite } from './plan.js'
import { describeTarget } from './preflight.js'
import { rebootstrapAdvice } from './recovery.js'
import { describeGitHubError, type GitHubRetrier } from './retrier.js'
import type { Sealer } from './sealed-box.js'

export interface Written {
  name: string
  what: PlannedWrite['what']
  result: 'created' | 'updated'
}

export interface StoreContext {
  api: GitHubApi
  publicKey: PublicKey
  sealer: Sealer
  retry: GitHubRetrier
  config: Config
  /** Whether the expiry variable existed at the preflight read: it picks update or create first. */
  variableExists: boolean
}

/**
 * Runs the write plan stage by stage; the writes inside a stage go out together, each retried on its
 * own. Stops at the first stage that fails, so a later stage (the expiry) is never written after an
 * earlier one failed. `written` is filled as writes succeed, so a caller knows what landed even on failure.
 */
export async function storeSecrets(
  stages: PlannedWrite[][],
  context: StoreContext,
  written: Written[]
): Promise<void> {
  for (const stage of stages) {
    const results = await Promise.allSettled(
      stage.map(async (write) => {
        written.push({ name: write.name, what: write.what, result: await perform(write, context) })
      })
    )
    const failedAt = results.findIndex((result) => result.status === 'rejected')
    if (failedAt >= 0) {
      const failure = results[failedAt] as PromiseRejectedResult
      throw storeError(stage[failedAt] as PlannedWrite, failure.reason, written, context.config)
    }
  }
}

async function perform(write: PlannedWrite, context: StoreContext): Promise<Written['result']> {
  const { api, publicKey, sealer, retry } = context
  if (write.kind === 'variable') {
    return retry(`Writing the variable ${write.name}`, () =>
      api.writeVariable(write.name, write.value, context.variableExists)
    )
  }
  const sealed = await sealer.seal(write.value, publicKey.key)
  return retry(`Writing ${write.name}`, () => api.writeSecret(write.name, sealed, publicKey.key_id))
}

export function storeError(
  failed: PlannedWrite,
  cause: unknown,
  written: Written[],
  config: Config
): ActionError {
  const where = describeTarget(config.target)
  const detail = describeGitHubError(cause)
  const done = written.length ? ` Written before the failure: ${written.map((w) => w.name).join(', ')}.` : ''
  if (failed.what === 'refresh token') {
    return new ActionError(
      'store',
      `The OAuth server issued a new refresh token and the old one is now spent, but writing it to the secret ` +
        `${failed.name} on ${where} failed after retries (${detail}). The new refresh token existed only in this ` +
        `run and is lost.${done}\n${rebootstrapAdvice(config)}`
    )
  }
  if (failed.what === 'expiry variable') {
    return new ActionError(
      'store',
      `Every secret was rotated and the stored refresh token is live, but the variable ${failed.name} could not ` +
        `be written (${detail}), so a run queued behind this one cannot tell that this one rotated. Give the PAT ` +
        `"Variables: read and write", or set ${failed.name} by hand to ${failed.value}.`
    )
  }
  return new ActionError(
    'store',
    `The new refresh token was stored in ${config.secretNames.refreshToken}, but writing the ${failed.what} to ` +
      `${failed.name} on ${where} failed after retries (${detail}).${done} The stored refresh token is live: run ` +
      'the workflow again (workflow_dispatch) to write fresh values, or wait for the next scheduled run.'
  )
}
