import { ActionError } from './errors.js'
import { createGitHubApi } from './github/secrets-api.js'
import type { Octokit, OctokitOptions } from './github/octokit.js'
import { INPUT_NAMES, parseInputs, SECRET_INPUT_NAMES, type Config, type RawInputs } from './inputs/schema.js'
import { MAX_RETRY_DELAY_MS, type RetryPolicy } from './oauth/backoff.js'
import { exchange, UnusableGrantResponse, type Exchanged } from './oauth/exchange.js'
import type { PostToken } from './oauth/post-token.js'
import { writeJobSummary, type SummaryBuilder } from './report/job-summary.js'
import { redact } from './report/redact.js'
import { outputsFor, summaryFor, type RunReport } from './report/report.js'
import type { Expiry } from './rotation/expiry.js'
import { decide } from './rotation/guard.js'
import { planWrites } from './rotation/plan.js'
import { preflight, writeCheckValue } from './rotation/preflight.js'
import type { Sealer } from './rotation/sealed-box.js'
import { putBackWriteCheck, storeSecrets, type Written } from './rotation/store.js'

const USER_AGENT = 'refresh-oauth-secrets'

/** The part of `@actions/core` a run uses: the runner's protocol, nothing else. */
export interface ActionCore {
  getInput(name: string): string
  setSecret(value: string): void
  setOutput(name: string, value: string): void
  setFailed(message: string): void
  info(message: string): void
  notice(message: string): void
  warning(message: string): void
  error(message: string): void
  debug(message: string): void
  summary: SummaryBuilder
}

/** Everything the run touches outside itself, passed in so a test can wire fakes or local servers. */
export interface Dependencies {
  core: ActionCore
  /** What action.yml's `${{ github.repository }}` and `${{ github.api_url }}` defaults give, for a run without them. */
  context: { repository?: string; apiUrl?: string }
  createOctokit: (options: OctokitOptions) => Octokit
  createTokenPoster: (options: { timeoutMs: number; userAgent: string }) => PostToken
  sealer: Sealer
  now: () => Date
  /** The grant's backoff; GitHub calls wait inside plugin-retry. */
  sleep: (ms: number) => Promise<void>
}

/** Every input as `getInput` gives it (trimmed, '' when not set), with the run's context as the fallback. */
export function readInputs(core: Pick<ActionCore, 'getInput'>, context: Dependencies['context']): RawInputs {
  const inputs: RawInputs = {}
  for (const name of INPUT_NAMES) inputs[name] = core.getInput(name)
  inputs.repository ||= context.repository
  inputs['github-api-url'] ||= context.apiUrl
  return inputs
}

/** inputs → preflight → guard → exchange → store → report. Never throws: every failure ends in `report`. */
export async function run(deps: Dependencies): Promise<RunReport> {
  const { core } = deps
  const log = { ...core, debug: (message: string) => core.debug(redact(message)) }
  const inputs = readInputs(core, deps.context)
  for (const name of SECRET_INPUT_NAMES) {
    const value = inputs[name]
    if (value) core.setSecret(value)
  }
  let config: Config | undefined
  const written: Written[] = []
  let exchanged: Exchanged | undefined
  let putBack: Promise<void> = Promise.resolve()
  try {
    const parsed = parseInputs(inputs)
    config = parsed
    const policy: RetryPolicy = {
      maxAttempts: config.maxAttempts,
      baseDelayMs: config.retryDelayMs,
      maxDelayMs: MAX_RETRY_DELAY_MS
    }
    const octokit = deps.createOctokit({
      token: config.githubToken,
      baseUrl: config.githubApiUrl,
      userAgent: USER_AGENT,
      maxAttempts: config.maxAttempts,
      retryDelayMs: config.retryDelayMs,
      requestTimeoutMs: config.requestTimeoutMs,
      maxRateLimitWaitMs: MAX_RETRY_DELAY_MS,
      debug: log.debug,
      warning: log.warning,
      now: deps.now
    })
    const api = createGitHubApi(octokit, config.target)
    deps.sealer.warmUp()
    const checked = await preflight(api, config, deps.sealer, deps.now())
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
      config: parsed,
      variableExists: variable?.exists ?? false,
      warn: log.warning,
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
      log.notice(decision.reason)
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
        postToken: deps.createTokenPoster({ timeoutMs: config.requestTimeoutMs, userAgent: USER_AGENT }),
        mask: core.setSecret,
        now: deps.now,
        sleep: deps.sleep,
        warn: log.warning,
        debug: log.debug,
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
  const { core } = deps
  // Already masked when the response was parsed; the output only carries it to later steps.
  if (accessToken) core.setOutput('access-token', accessToken)
  for (const [name, value] of Object.entries(outputsFor(report))) core.setOutput(name, value)
  if (report.status === 'rotated') {
    core.info(
      `Rotated ${report.written.map((w) => w.name).join(', ')}; the new access token expires at ${report.expiry?.expiresAt.toISOString()}.`
    )
  } else if (report.status === 'dry-run' && report.message) {
    core.info(report.message)
  }
  try {
    await writeJobSummary(summaryFor(report), core.summary)
  } catch (error) {
    core.warning(`Could not write the job summary: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (report.status === 'failed') core.setFailed(`[${report.errorKind}] ${report.message}`)
  return report
}
