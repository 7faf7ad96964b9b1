import { ActionError } from '../errors.js'
import {
  describeGitHubError,
  toGitHubApiError,
  type GitHubApi,
  type PublicKey
} from '../github/secrets-api.js'
import { describeTarget, type Config } from '../inputs/schema.js'
import { rebootstrapAdvice } from '../report/advice.js'
import { planExpiryRollback, type PlannedWrite } from './plan.js'
import { patientStep } from './patience.js'
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
  now: () => Date
  sleep: (ms: number) => Promise<void>
}

/**
 * Runs the write plan stage by stage; the writes inside a stage go out together. The refresh token is
 * written patiently (`patiently`), and so is the marker beside it; every other write is one call, with the
 * plugin's retries. When the
 * refresh token cannot be stored, nothing after its stage goes out. Expiry writes that would announce a
 * token that was not stored are pointed back at the rotation time (`planExpiryRollback`). `written` is
 * filled as writes land, so a caller knows what landed even on failure; `afterRefreshToken` runs as soon as
 * the refresh token landed (the lock is given back then, beside the remaining writes).
 */
export async function storeSecrets(
  stages: PlannedWrite[][],
  context: StoreContext,
  written: Written[],
  afterRefreshToken: () => void = () => undefined
): Promise<void> {
  const failures = new Map<PlannedWrite, unknown>()
  const sent: PlannedWrite[] = []
  for (const stage of stages) {
    sent.push(...stage)
    const results = await Promise.allSettled(stage.map((write) => perform(write, context)))
    // In plan order, whichever answer came first: the outputs and messages read the same every run.
    stage.forEach((write, i) => {
      const result = results[i]
      if (result?.status === 'fulfilled')
        written.push({ name: write.name, what: write.what, result: result.value })
      else failures.set(write, result?.reason)
    })
    const refresh = stage.find((write) => write.what === 'refresh token')
    if (refresh && failures.has(refresh)) break
    // The lock goes back only once the marker moved too: a run that takes it next must see the new marker.
    if (refresh && stage.every((write) => !failures.has(write))) afterRefreshToken()
  }
  const [failed, ...alsoFailed] = [...failures.keys()].sort((a, b) => SEVERITY[a.what] - SEVERITY[b.what])
  if (!failed) return
  // Only writes that went out can need undoing: a stage that never ran left its values as they were.
  const rollback = await rollBackExpiry(sent, new Set(failures.keys()), context, written)
  const also = alsoFailed.map((write) => `${write.name} (${describeGitHubError(failures.get(write))})`)
  throw storeError(failed, failures.get(failed), written, context.config, { rollback, also })
}

/** Which failure a person hears about first: the one that costs the most. */
const SEVERITY: Record<PlannedWrite['what'], number> = {
  'refresh token': 0,
  'access token': 1,
  'id token': 2,
  'expiry variable': 3,
  expiry: 4
}

interface Rollback {
  /** The expiry writes redone with the rotation time, and those of them that failed. */
  writes: PlannedWrite[]
  failed: PlannedWrite[]
}

async function rollBackExpiry(
  writes: PlannedWrite[],
  failed: ReadonlySet<PlannedWrite>,
  context: StoreContext,
  written: Written[]
): Promise<Rollback> {
  const redo = planExpiryRollback(writes, failed, context.rotatedAt)
  const results = await Promise.allSettled(redo.map((write) => perform(write, context)))
  redo.forEach((write, i) => {
    if (results[i]?.status !== 'fulfilled') return
    // What this one says now is the rotation time, not a fresh expiry: it no longer counts as rotated.
    const at = written.findIndex((entry) => entry.name === write.name && entry.what === write.what)
    if (at >= 0) written.splice(at, 1)
  })
  return { writes: redo, failed: redo.filter((_, i) => results[i]?.status === 'rejected') }
}

async function perform(write: PlannedWrite, context: StoreContext): Promise<Written['result']> {
  const { api } = context
  if (write.what === 'refresh token')
    return patiently(write.name, context, () => sealAndWrite(write, context), true)
  // The marker a queued run compares: as patient as the refresh token beside it, or the lock stays.
  if (write.kind === 'variable') {
    return patiently(
      write.name,
      context,
      () => api.writeVariable(write.name, write.value, context.variableExists),
      false
    )
  }
  return sealAndWrite(write, context).catch(async (error: unknown) => {
    // The key changed under this run (the refresh-token write has read the new one by now, or reads it here).
    if (toGitHubApiError(error).status !== 422) throw error
    context.publicKey = await api.readPublicKey()
    return sealAndWrite(write, context)
  })
}

/** One sealed write, with the key the run holds now. */
async function sealAndWrite(write: Pick<PlannedWrite, 'name' | 'value'>, context: StoreContext) {
  const key = context.publicKey
  return context.api.writeSecret(write.name, await context.sealer.seal(write.value, key.key), key.key_id)
}

/**
 * A write that must land: tried until it does or `refresh-token-write-timeout` runs out (`patientStep`
 * decides each pause), re-reading the key and sealing again when GitHub says the key changed.
 */
async function patiently(
  name: string,
  context: StoreContext,
  attempt: () => Promise<Written['result']>,
  holdsTheToken: boolean
): Promise<Written['result']> {
  const { api, config } = context
  const deadline = context.now().getTime() + config.refreshTokenWriteTimeoutMs
  let rekeys = 0
  for (let tries = 1; ; tries++) {
    try {
      return await attempt()
    } catch (error) {
      const failure = toGitHubApiError(error)
      const step = patientStep(
        { status: failure.status, headers: failure.headers, message: failure.message },
        tries,
        rekeys,
        context.now(),
        deadline,
        config.retryDelayMs
      )
      if (step.action === 'stop') throw failure
      if (step.action === 'rekey') {
        rekeys++
        context.warn(
          `GitHub refused the sealed ${name} (${describeGitHubError(failure)}): reading the key again.`
        )
        // The writes after this one are sealed with the key read here.
        context.publicKey = await api.readPublicKey().catch(() => context.publicKey)
        continue
      }
      context.warn(
        `Writing ${name}: ${step.why}; ` +
          (holdsTheToken
            ? 'the new refresh token exists only in this run, so the write is tried '
            : 'a run queued behind this one reads it, so the write is tried ') +
          `again in ${(step.waitMs / 1000).toFixed(1)} s (until refresh-token-write-timeout).`
      )
      await context.sleep(step.waitMs)
    }
  }
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
        `${failed.name} on ${where} failed (${detail}), after trying for up to refresh-token-write-timeout. The new ` +
        `refresh token existed only in this run and is lost.${done}\n${rebootstrapAdvice(config)}`
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
