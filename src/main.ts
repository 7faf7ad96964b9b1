import { ActionError } from './errors.js'
import { exchange, UnusableGrantResponse, type Exchanged } from './exchange.js'
import type { Expiry } from './expiry.js'
import type { GitHubApi } from './github-secrets.js'
import { decide } from './guard.js'
import { parseInputs, SECRET_INPUT_NAMES, type Config, type RawInputs } from './inputs.js'
import type { PostToken } from './oauth-client.js'
import { planWrites } from './plan.js'
import { preflight, writeCheckValue } from './preflight.js'
import { outputsFor, summaryFor, type RunReport, type Summary } from './report.js'
import { createGitHubRetrier } from './retrier.js'
import type { RetryPolicy } from './retry.js'
import type { Sealer } from './sealed-box.js'
import { putBackWriteCheck, storeSecrets, type Written } from './store.js'

/** Everything the run touches outside itself, passed in so a test can wire local servers. */
export interface Dependencies {
  inputs: RawInputs
  mask: (value: string) => void
  log: {
    info: (message: string) => void
    notice: (message: string) => void
    warning: (message: string) => void
    error: (message: string) => void
    /** Shown with ACTIONS_STEP_DEBUG; every line passes through `redact` first. */
    debug: (message: string) => void
  }
  setOutput: (name: string, value: string) => void
  setFailed: (message: string) => void
  writeSummary: (summary: Summary) => Promise<void>
  githubApi: (config: Config) => GitHubApi
  postToken: (config: Config) => PostToken
  sealer: Sealer
  now: () => Date
  sleep: (ms: number) => Promise<void>
  /** The retry schedule; `maxAttempts` comes from the input. */
  retryDelays: Omit<RetryPolicy, 'maxAttempts'>
}

/** inputs → preflight → guard → exchange → store → report. Never throws: every failure ends in `report`. */
export async function run(deps: Dependencies): Promise<RunReport> {
  for (const name of SECRET_INPUT_NAMES) {
    const value = deps.inputs[name]
    if (value) deps.mask(value)
  }
  let config: Config | undefined
  const written: Written[] = []
  let exchanged: Exchanged | undefined
  let putBack: Promise<void> = Promise.resolve()
  try {
    const parsed = parseInputs(deps.inputs)
    config = parsed
    const policy: RetryPolicy = { ...deps.retryDelays, maxAttempts: config.maxAttempts }
    const retry = createGitHubRetrier(policy, { sleep: deps.sleep, warn: deps.log.warning, now: deps.now })
    const api = deps.githubApi(config)
    deps.sealer.warmUp()
    const checked = await preflight(api, config, retry, deps.sealer, deps.now())
    const decision = decide({
      expiresAtSeen: config.expiresAtSeen,
      expiresAtNow: checked.expiresAtNow,
      skipIfValidForMs: config.skipIfValidForMs,
      now: deps.now()
    })
    const current = storedExpiry(checked.expiresAtNow?.value || config.expiresAtSeen, deps.now())
    const variable = config.expiresAtVariable
      ? { name: config.expiresAtVariable, exists: checked.expiresAtNow !== undefined }
      : undefined
    const storing = (rotatedAt: Date) => ({
      api,
      publicKey: checked.publicKey,
      sealer: deps.sealer,
      retry,
      config: parsed,
      variableExists: variable?.exists ?? false,
      warn: deps.log.warning,
      rotatedAt
    })
    // Beside the grant, off the critical path: the write-check secret the preflight's proof deleted.
    if (checked.writeCheckTaken) {
      putBack = putBackWriteCheck(checked.writeCheckTaken, writeCheckValue(deps.now()), storing(deps.now()))
    }
    if (config.dryRun) {
      const would =
        decision.action === 'exchange'
          ? `would rotate ${wouldWrite(config, checked.expiresAtNow !== undefined).join(', ')}`
          : `would skip: ${decision.reason}`
      return await finish(deps, putBack, {
        status: 'dry-run',
        target: config.target,
        written,
        expiry: current,
        refreshTokenRotated: false,
        message:
          `Dry run: the PAT ${config.secretNames.writeCheck ? 'can write secrets on' : 'can read the public key of'} the ` +
          `target, and the refresh token was not presented. This run ${would}`
      })
    }
    if (decision.action === 'skip') {
      deps.log.notice(decision.reason)
      return await finish(deps, putBack, {
        status: decision.status,
        target: config.target,
        written,
        expiry: current,
        refreshTokenRotated: false,
        message: decision.reason
      })
    }

    try {
      exchanged = await exchange(config, {
        postToken: deps.postToken(config),
        mask: deps.mask,
        now: deps.now,
        sleep: deps.sleep,
        warn: deps.log.warning,
        debug: deps.log.debug,
        policy
      })
    } catch (error) {
      if (error instanceof UnusableGrantResponse) {
        // The server rotated but its answer cannot be used: keep the one value that cannot be got back.
        const salvage = {
          name: config.secretNames.refreshToken,
          value: error.salvagedRefreshToken,
          what: 'refresh token' as const,
          kind: 'secret' as const
        }
        await storeSecrets([[salvage]], storing(deps.now()), written)
      }
      throw error
    }
    await storeSecrets(
      planWrites(config.secretNames, exchanged.tokens, exchanged.expiry, variable),
      storing(exchanged.sentAt),
      written
    )
    if (!exchanged.expiry) {
      throw new ActionError(
        'response',
        'The token endpoint gave no expires_in and the access token carries no exp claim, so the expiry is unknown. ' +
          `The new tokens were stored (${written.map((w) => w.name).join(', ')}); the expiry was not written rather than guessed.`
      )
    }
    return await finish(
      deps,
      putBack,
      {
        status: 'rotated',
        target: config.target,
        written,
        expiry: exchanged.expiry,
        refreshTokenRotated: Boolean(exchanged.tokens.refresh_token),
        attempts: exchanged.attempts
      },
      exchanged.tokens.access_token
    )
  } catch (error) {
    const failure =
      error instanceof ActionError
        ? error
        : new ActionError('transient', `Unexpected failure: ${String(error)}`)
    return await finish(
      deps,
      putBack,
      {
        status: 'failed',
        target: config?.target,
        written,
        expiry: exchanged?.expiry,
        refreshTokenRotated: written.some((w) => w.what === 'refresh token'),
        errorKind: failure.kind,
        message: failure.message
      },
      exchanged?.tokens.access_token
    )
  }
}

/** What a rotation would write, in order, from the same plan a rotation follows: for a dry run. */
function wouldWrite(config: Config, variableExists: boolean): string[] {
  const placeholder = 'dry-run'
  const stages = planWrites(
    config.secretNames,
    { access_token: placeholder, token_type: 'bearer', refresh_token: placeholder, id_token: placeholder },
    { expiresAt: new Date(0), expiresIn: 0, source: 'expires_in' },
    config.expiresAtVariable ? { name: config.expiresAtVariable, exists: variableExists } : undefined
  )
  return stages.flat().map((write) => (write.kind === 'variable' ? `variable ${write.name}` : write.name))
}

/** The expiry a skipped run reports: what the stored values say, when they say anything readable. */
function storedExpiry(text: string, now: Date): Expiry | undefined {
  const at = Date.parse(text)
  if (!text || Number.isNaN(at)) return undefined
  return {
    expiresAt: new Date(at),
    expiresIn: Math.max(0, Math.floor((at - now.getTime()) / 1000)),
    source: 'stored'
  }
}

async function finish(
  deps: Dependencies,
  putBack: Promise<void>,
  report: RunReport,
  accessToken?: string
): Promise<RunReport> {
  await putBack // its own failure is a warning, never the run's
  // Already masked when the response was parsed; the output only carries it to later steps.
  if (accessToken) deps.setOutput('access-token', accessToken)
  for (const [name, value] of Object.entries(outputsFor(report))) deps.setOutput(name, value)
  if (report.status === 'rotated') {
    deps.log.info(
      `Rotated ${report.written.map((w) => w.name).join(', ')}; the new access token expires at ${report.expiry?.expiresAt.toISOString()}.`
    )
  } else if (report.status === 'dry-run' && report.message) {
    deps.log.info(report.message)
  }
  try {
    await deps.writeSummary(summaryFor(report))
  } catch (error) {
    deps.log.warning(
      `Could not write the job summary: ${error instanceof Error ? error.message : String(error)}`
    )
  }
  if (report.status === 'failed') deps.setFailed(`[${report.errorKind}] ${report.message}`)
  return report
}
