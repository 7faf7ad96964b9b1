import { ActionError } from '../errors.js'
import { describeGitHubError, type GitHubApi, type PublicKey } from '../github/secrets-api.js'
import { describeTarget, type Config } from '../inputs/schema.js'
import { rebootstrapAdvice } from '../report/advice.js'
import { planExpiryRollback, type PlannedWrite } from './plan.js'
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
  config: Config
  /** Whether the expiry variable existed at the preflight read: it picks update or create first. */
  variableExists: boolean
  warn: (message: string) => void
  /** When the grant was sent: what a rolled-back expiry says. */
  rotatedAt: Date
}

/**
 * Runs the write plan stage by stage; the writes inside a stage go out together, each retried on its
 * own. Stops at the first stage in which a write failed, after rolling back expiry writes that would
 * announce a token that was not stored (`planExpiryRollback`). `written` is filled as writes land, so a
 * caller knows what landed even on failure.
 */
export async function storeSecrets(
  stages: PlannedWrite[][],
  context: StoreContext,
  written: Written[]
): Promise<void> {
  for (const stage of stages) {
    const failures = new Map<PlannedWrite, unknown>()
    await Promise.all(
      stage.map(async (write) => {
        try {
          const result = await perform(write, context)
          written.push({ name: write.name, what: write.what, result })
        } catch (error) {
          failures.set(write, error)
        }
      })
    )
    const [failed, ...alsoFailed] = stage.filter((write) => failures.has(write))
    if (!failed) continue
    const rollback = await rollBackExpiry(stage, new Set(failures.keys()), context, written)
    const also = alsoFailed.map((write) => `${write.name} (${describeGitHubError(failures.get(write))})`)
    throw storeError(failed, failures.get(failed), written, context.config, { rollback, also })
  }
}

interface Rollback {
  /** The expiry writes redone with the rotation time, and those of them that failed. */
  writes: PlannedWrite[]
  failed: PlannedWrite[]
}

async function rollBackExpiry(
  stage: PlannedWrite[],
  failed: ReadonlySet<PlannedWrite>,
  context: StoreContext,
  written: Written[]
): Promise<Rollback> {
  const writes = planExpiryRollback(stage, failed, context.rotatedAt)
  const results = await Promise.allSettled(writes.map((write) => perform(write, context)))
  writes.forEach((write, i) => {
    if (results[i]?.status !== 'fulfilled') return
    // What this one says now is the rotation time, not a fresh expiry: it no longer counts as rotated.
    const at = written.findIndex((entry) => entry.name === write.name && entry.what === write.what)
    if (at >= 0) written.splice(at, 1)
  })
  return { writes, failed: writes.filter((_, i) => results[i]?.status === 'rejected') }
}

/**
 * Writes back the write-check secret the preflight deleted, so the next run proves its PAT in the same
 * round trip as its key read. Best effort, off the critical path (it runs beside the grant): without it
 * the next run proves its PAT with one more request. Never rejects.
 */
export async function putBackWriteCheck(name: string, value: string, context: StoreContext): Promise<void> {
  await perform({ name, value, kind: 'secret' }, context).catch((error: unknown) =>
    context.warn(
      `Could not put back the write-check secret ${name} (${describeGitHubError(error)}); the next run ` +
        'proves its PAT with one more request.'
    )
  )
}

async function perform(
  write: Pick<PlannedWrite, 'name' | 'value' | 'kind'>,
  context: StoreContext
): Promise<Written['result']> {
  const { api, publicKey, sealer } = context
  if (write.kind === 'variable') return api.writeVariable(write.name, write.value, context.variableExists)
  const sealed = await sealer.seal(write.value, publicKey.key)
  return api.writeSecret(write.name, sealed, publicKey.key_id)
}

export function storeError(
  failed: PlannedWrite,
  cause: unknown,
  written: Written[],
  config: Config,
  context: { rollback?: Rollback; also?: string[] } = {}
): ActionError {
  const where = describeTarget(config.target)
  const detail = describeGitHubError(cause)
  const done = written.length ? ` Written before the failure: ${written.map((w) => w.name).join(', ')}.` : ''
  const also = context.also?.length ? ` Also failed: ${context.also.join(', ')}.` : ''
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
      `${failed.name} on ${where} failed after retries (${detail}).${also}${done}${rollbackNote(context.rollback)} ` +
      'The stored refresh token is live: run the workflow again (workflow_dispatch) to write fresh values, or ' +
      'wait for the next scheduled run.'
  )
}

function rollbackNote(rollback: Rollback | undefined): string {
  const [first] = rollback?.writes ?? []
  if (!rollback || !first) return ''
  const describe = (writes: PlannedWrite[]) =>
    writes
      .map((write) => (write.kind === 'variable' ? `the variable ${write.name}` : write.name))
      .join(' and ')
  const done = rollback.writes.filter((write) => !rollback.failed.includes(write))
  const said = done.length
    ? ` ${describe(done)} now ${done.length > 1 ? 'say' : 'says'} the rotation time (${first.value}), so the ` +
      'stale access token is not taken for a fresh one.'
    : ''
  const left = rollback.failed.length
    ? ` Setting ${describe(rollback.failed)} back to the rotation time failed too: set ` +
      `${rollback.failed.length > 1 ? 'them' : 'it'} to ${first.value} by hand, or a run with skip-if-valid-for ` +
      'may skip while the stored access token is stale.'
    : ''
  return said + left
}
