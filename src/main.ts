import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { ActionError } from './errors.js'
import { Cancellation } from './cancellation.js'
import { keepWorkflowAlive } from './github/keep-alive.js'
import {
  createGitHubApi,
  describeGitHubError,
  toGitHubApiError,
  type GitHubApi
} from './github/secrets-api.js'
import { applyAlert, planAlert } from './report/alert.js'
import { formatDuration } from './inputs/duration.js'
import { parseTokenExpiration, writerTokenNotice } from './github/token-expiry.js'
import type { Octokit, OctokitOptions } from './github/octokit.js'
import { ZONES } from './inputs/zones.js'
import {
  describeTarget,
  INPUT_NAMES,
  parseInputs,
  SECRET_INPUT_NAMES,
  type Config,
  type RawInputs
} from './inputs/schema.js'
import { MAX_RETRY_DELAY_MS, type RetryPolicy } from './oauth/backoff.js'
import { EXCHANGE_WINDOWS, exchange, UnusableGrantResponse, type Exchanged } from './oauth/exchange.js'
import type { PostToken, TokenPosterOptions } from './oauth/post-token.js'
import { writeJobSummary, type SummaryBuilder } from './report/job-summary.js'
import { rebootstrapAdvice } from './report/advice.js'
import { redact } from './report/redact.js'
import { outputsFor, summaryFor, type RunReport } from './report/report.js'
import type { Expiry } from './oauth/expiry.js'
import { decide } from './rotation/guard.js'
import { leaveSpent, releaseLock, type Acquired } from './rotation/lock.js'
import { planSalvage, planWrites } from './rotation/plan.js'
import { preflight } from './rotation/preflight.js'
import type { Sealer } from './rotation/sealed-box.js'
import { storeSecrets, type StoreContext, type Written } from './rotation/store.js'

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
  /**
   * What action.yml's `${{ github.repository }}` and `${{ github.api_url }}` defaults give, for a run
   * without them, and who this run is (workflow, run id and attempt), for the lock's value.
   */
  context: { repository?: string; apiUrl?: string; runLabel?: string; workflowRef?: string; runUrl?: string }
  createOctokit: (options: OctokitOptions) => Octokit
  createTokenPoster: (options: TokenPosterOptions) => PostToken
  /** Told by the signal handlers when the runner cancels the step. */
  cancellation: Cancellation
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

/** Beyond the grant and the refresh-token write: the preflight and the last writes, with room to spare. */
const LOCK_MARGIN_MS = 15 * 60_000

/** How long a lock is held at most: longer than any run can take, so it never lapses under a live run. */
export function lockHoldMs(config: Pick<Config, 'requestTimeoutMs' | 'refreshTokenWriteTimeoutMs'>): number {
  const exchange = EXCHANGE_WINDOWS * ANSWER_WAIT_FACTOR * config.requestTimeoutMs
  return exchange + config.refreshTokenWriteTimeoutMs + LOCK_MARGIN_MS
}
/** The grant's answer is awaited this many times request-timeout before the outcome is called unknown. */
export const ANSWER_WAIT_FACTOR = 10

/**
 * inputs → preflight (write path proven, lock taken) → guard → exchange → store → report. Never throws:
 * every failure ends in `report`, with the lock given back once the refresh token is stored or the run ends.
 */
export async function run(deps: Dependencies): Promise<RunReport> {
  const { core, cancellation } = deps
  const log = { ...core, debug: redactedDebug(core) }
  const inputs = readInputs(core, deps.context)
  for (const name of SECRET_INPUT_NAMES) {
    const value = inputs[name]
    if (value) core.setSecret(value)
  }
  const written: Written[] = []
  let exchanged: Exchanged | undefined
  const state: RunState = { giveBackLock: async () => undefined, warnings: [], tokenExpiration: undefined }
  try {
    const config = parseInputs(inputs, { workflowRef: deps.context.workflowRef })
    state.config = config
    if (inputs.zone === '' && !config.explicitTokenUrl) {
      // The shipped workflow passes `${{ vars.WIZARD_ZONE }}`: empty when the variable was never set.
      log.warning(
        `The zone input is empty (an unset variable?), so this run uses zone ${config.zone}. Set it to ` +
          `${Object.keys(ZONES).join(' or ')}: a refresh token from the other zone is refused as invalid_grant.`
      )
    }
    const policy: RetryPolicy = {
      maxAttempts: config.maxAttempts,
      baseDelayMs: config.retryDelayMs,
      maxDelayMs: MAX_RETRY_DELAY_MS
    }
    const connect = () =>
      createGitHubApi(
        deps.createOctokit({
          ...octokitOptions(deps, config, config.githubToken, config.githubApiUrl),
          onTokenExpiration: (value) => (state.tokenExpiration = value)
        }),
        config.target
      )
    if (config.checkValidForMs !== undefined) {
      return await finish(deps, state, await checkExpiry(connect, config, config.checkValidForMs, deps.now))
    }
    const api = connect()
    deps.sealer.warmUp()
    const answerTimeoutMs = ANSWER_WAIT_FACTOR * config.requestTimeoutMs
    let acquiring: Promise<Acquired | undefined> = Promise.resolve(undefined)
    // A cancel during the preflight gives back a lock this run took, even while its create is still out.
    cancellation.onStopBeforeGrant(async () => {
      const lock = await Promise.race([acquiring, sleep(1500).then(() => undefined)])
      if (lock?.acquired) await releaseLock(api, lock, deps.now())
    })
    const checked = await preflight(api, config, deps.sealer, {
      holder: deps.context.runLabel ?? 'a local run',
      nonce: randomUUID(),
      lockHoldMs: lockHoldMs(config),
      now: deps.now,
      onLockAttempt: (attempt) => (acquiring = attempt)
    })
    noteWriterTokenExpiry(state, config, deps.now(), log)
    if (checked.lock?.acquired) {
      const lock = checked.lock
      let done: Promise<void> | undefined
      const unlessFailed = (what: string) => (error: unknown) =>
        log.warning(
          `Could not ${what} (${describeGitHubError(error)}); it lapses by itself at ${lock.value.until}.`
        )
      state.giveBackLock = () =>
        (done ??= releaseLock(api, lock, deps.now()).then(
          () => undefined,
          unlessFailed(`give back the lock ${lock.name}`)
        ))
      state.leaveLockSpent = () =>
        (done ??= leaveSpent(api, lock, config.refreshToken, deps.now()).then(
          () =>
            log.warning(
              `The lock ${lock.name} stays, marked with this spent refresh token: the runs after this one fail instead ` +
                'of presenting it (which would revoke the family), until a new refresh token is stored.'
            ),
          unlessFailed(`mark the lock ${lock.name}`)
        ))
      if (lock.tookOverFrom) {
        log.warning(
          lock.tookOverFrom.spent
            ? `The lock ${lock.name} was left by ${lock.tookOverFrom.holder} over a refresh token it spent and could not ` +
                'replace; this run holds another token (a new one was stored), so it took the lock over.'
            : `The lock ${lock.name} was held by ${lock.tookOverFrom.holder} until ${lock.tookOverFrom.until}, which has ` +
                'passed: that run ended without giving it back (killed, most likely). This run took it over.'
        )
      }
    }
    const current = storedExpiry(checked.expiresAtNow?.value || config.expiresAtSeen, deps.now())
    if (checked.lock && !checked.lock.acquired && checked.lock.spentHere) {
      throw new ActionError(
        'store',
        `The refresh token this job holds was spent by ${checked.lock.heldBy?.holder ?? 'an earlier run'}, whose new ` +
          'refresh token could not be stored. Presenting it again would revoke the whole family (and with it a token ' +
          'you may still recover), so it was not presented. Store a new refresh token (the recovery line that run ' +
          `printed, or a new sign-in); the next run then takes the lock ${checked.lock.name} over by itself.\n` +
          rebootstrapAdvice(config)
      )
    }
    if (checked.lock && !checked.lock.acquired) {
      const holder = checked.lock.heldBy
      const reason =
        `Another run holds the lock ${checked.lock.name}` +
        (holder ? ` (${holder.holder}, until ${holder.until})` : '') +
        ': it is rotating the same refresh token right now, so this run skipped without presenting it.'
      log.notice(reason)
      return await finish(deps, state, {
        status: 'skipped-locked',
        target: config.target,
        written,
        expiry: current,
        refreshTokenRotated: false,
        message: reason
      })
    }
    const decision = decide({
      expiresAtSeen: config.expiresAtSeen,
      expiresAtNow: checked.expiresAtNow,
      skipIfValidForMs: config.skipIfValidForMs,
      now: deps.now()
    })
    const variable = config.expiresAtVariable
      ? { name: config.expiresAtVariable, exists: checked.expiresAtNow !== undefined }
      : undefined
    if (config.dryRun) {
      const would =
        decision.action === 'exchange'
          ? `would rotate ${wouldWrite(config, variable).join(', ')}`
          : `would ${decision.action}: ${decision.reason}`
      return await finish(deps, state, {
        status: 'dry-run',
        target: config.target,
        written,
        expiry: current,
        refreshTokenRotated: false,
        message:
          `Dry run: the writer token ${config.secretNames.writeCheck ? 'wrote a sealed secret on' : 'read the public key of'} ` +
          `the target, and the refresh token was not presented. This run ${would}`
      })
    }
    if (decision.action === 'fail') throw new ActionError('input', decision.reason)
    if (decision.action === 'skip') {
      log.notice(decision.reason)
      return await finish(deps, state, {
        status: decision.status,
        target: config.target,
        written,
        expiry: current,
        refreshTokenRotated: false,
        message: decision.reason
      })
    }

    if (current && current.expiresAt.getTime() <= deps.now().getTime()) {
      const dead = formatDuration(Math.round((deps.now().getTime() - current.expiresAt.getTime()) / 1000))
      const missed =
        `The stored expiry, ${current.expiresAt.toISOString()}, passed ${dead} ago: the run before this one was ` +
        'missed or late (GitHub delays or drops scheduled runs when busy), and jobs that used the token in that ' +
        'window failed; or that run failed part way and pointed the expiry at its rotation time. Rotating now. A ' +
        'schedule every 30 minutes with skip-if-valid-for: 35m survives one dropped run (see the README).'
      log.warning(missed)
      state.warnings.push(missed)
    }
    const storing = (rotatedAt: Date): StoreContext => ({
      api,
      publicKey: checked.publicKey,
      sealer: deps.sealer,
      config,
      variableExists: variable?.exists ?? false,
      warn: log.warning,
      rotatedAt,
      now: deps.now,
      sleep: deps.sleep
    })
    const refreshTokenStored = () => {
      cancellation.phase = 'refresh-token-stored'
      void state.giveBackLock()
    }
    let rotatedAt = deps.now()
    let pendingRefreshToken: string | undefined
    cancellation.onLastChance(() => sealForRecovery(deps, config, pendingRefreshToken, state, log))
    // The old token is spent and the new one could not be stored: hand the new one to its owner (when a
    // recovery key was given), and leave the lock over the spent one so no later run presents it.
    const refreshTokenLost = async () => {
      await sealForRecovery(deps, config, pendingRefreshToken, state, log).catch((error: unknown) =>
        log.warning(`Could not seal the new refresh token for recovery: ${String(error)}`)
      )
      if (state.leaveLockSpent) state.giveBackLock = state.leaveLockSpent
    }
    try {
      exchanged = await exchange(config, {
        postToken: deps.createTokenPoster({
          timeoutMs: config.requestTimeoutMs,
          answerTimeoutMs,
          userAgent: USER_AGENT,
          onSlow: (waitedMs) =>
            log.warning(
              `No answer to the grant after ${Math.round(waitedMs / 1000)} s (request-timeout). Waiting for it, up to ` +
                `${Math.round(answerTimeoutMs / 1000)} s, instead of sending it again: a second grant while the first ` +
                'may still be processed would present a spent token.'
            )
        }),
        mask: core.setSecret,
        now: deps.now,
        sleep: deps.sleep,
        warn: log.warning,
        debug: log.debug,
        policy,
        answerTimeoutMs,
        beforeSend: (mayHaveReachedServer) => {
          cancellation.beforeSend(mayHaveReachedServer)
          rotatedAt = deps.now()
        }
      })
    } catch (error) {
      if (error instanceof UnusableGrantResponse) {
        // The server rotated but its answer cannot be used: keep the one value that cannot be got back,
        // and move the marker so a queued run does not present the spent token.
        pendingRefreshToken = error.salvagedRefreshToken
        const salvage = planSalvage(config.secretNames, error.salvagedRefreshToken, variable, rotatedAt)
        await storeSecrets(salvage, storing(rotatedAt), written, refreshTokenStored).catch(
          async (failure: unknown) => {
            await refreshTokenLost()
            throw failure
          }
        )
      }
      throw error
    }
    pendingRefreshToken = exchanged.tokens.refresh_token
    await storeSecrets(
      planWrites(config.secretNames, exchanged.tokens, exchanged.expiry, variable, exchanged.sentAt),
      storing(exchanged.sentAt),
      written,
      refreshTokenStored
    ).catch(async (failure: unknown) => {
      if (exchanged?.tokens.refresh_token && !written.some((write) => write.what === 'refresh token')) {
        await refreshTokenLost()
      }
      throw failure
    })
    if (!exchanged.expiry) {
      throw new ActionError(
        'response',
        'The token endpoint gave no usable expires_in and the access token carries no usable exp claim, so the ' +
          `expiry is unknown. The new tokens were stored (${written.map((w) => w.name).join(', ')}); the expiry was ` +
          'not written rather than guessed.'
      )
    }
    return await finish(
      deps,
      state,
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
      state,
      {
        status: failure.kind === 'cancelled' ? 'cancelled' : 'failed',
        target: state.config?.target,
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

/** Debug lines pass through `redact` first: defence in depth behind the runner's masking. */
function redactedDebug(core: Pick<ActionCore, 'debug'>): (message: string) => void {
  return (message) => core.debug(redact(message))
}

/** The same retry, timeout and logging settings for every Octokit a run makes, whatever its token. */
function octokitOptions(deps: Dependencies, config: Config, token: string, baseUrl: string): OctokitOptions {
  return {
    token,
    baseUrl,
    userAgent: USER_AGENT,
    maxAttempts: config.maxAttempts,
    retryDelayMs: config.retryDelayMs,
    requestTimeoutMs: config.requestTimeoutMs,
    maxRateLimitWaitMs: MAX_RETRY_DELAY_MS,
    debug: redactedDebug(deps.core),
    warning: deps.core.warning,
    now: deps.now
  }
}

/** What a rotation would write, in order, from the same plan a rotation follows: for a dry run. */
function wouldWrite(config: Config, variable: { name: string; exists: boolean } | undefined): string[] {
  const placeholder = 'dry-run'
  const stages = planWrites(
    config.secretNames,
    { access_token: placeholder, token_type: 'bearer', refresh_token: placeholder, id_token: placeholder },
    { expiresAt: new Date(0), expiresIn: 0, source: 'expires_in' },
    variable,
    new Date(0)
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

/** What the run gathers on its way, for whichever report ends it. */
interface RunState {
  /** Gives back the lock, once, if this run holds it; never rejects. */
  giveBackLock: () => Promise<void>
  /** Instead of giving it back: leaves the lock over the refresh token this run spent and could not replace. */
  leaveLockSpent?: () => Promise<void>
  /** Things a person should know even when the run succeeds. */
  warnings: string[]
  /** GitHub's `github-authentication-token-expiration`, as the last answer carried it. */
  tokenExpiration: string | undefined
  /** The parsed inputs, once they parsed. */
  config?: Config
  /** The writer token's expiry notice when it is in its last days: it opens the alert issue. */
  urgent?: string
}

async function finish(
  deps: Dependencies,
  state: RunState,
  done: RunReport,
  accessToken?: string
): Promise<RunReport> {
  const { core } = deps
  await state.giveBackLock() // its own failure is a warning, never the run's
  const report: RunReport = {
    ...done,
    warnings: state.warnings,
    writerTokenExpiresAt: parseTokenExpiration(state.tokenExpiration)
  }
  // finish() must not throw: the run's outcome is decided, and a second report would contradict it.
  const unless = (what: string) => (error: unknown) =>
    core.warning(`Could not ${what}: ${error instanceof Error ? error.message : String(error)}`)
  try {
    // Already masked when the response was parsed; the output only carries it to later steps.
    if (accessToken) core.setOutput('access-token', accessToken)
    for (const [name, value] of Object.entries(outputsFor(report))) core.setOutput(name, value)
  } catch (error) {
    unless('set the outputs')(error)
  }
  if (report.status === 'rotated') {
    core.info(
      `Rotated ${report.written.map((w) => w.name).join(', ')}; the new access token expires at ${report.expiry?.expiresAt.toISOString()}.`
    )
  } else if (report.status === 'dry-run' && report.message) {
    core.info(report.message)
  }
  await writeJobSummary(summaryFor(report), core.summary).catch(unless('write the job summary'))
  if (report.status === 'failed' || report.status === 'cancelled') {
    core.setFailed(`[${report.errorKind}] ${report.message}`)
  }
  if (state.config) await tellPeople(deps, state.config, report, state).catch(unless('tell people'))
  return report
}

/**
 * The alert issue and the schedule's keep-alive, with the job's own token: both best effort, after the
 * report, so neither can change what the run did or how it ended; a failure is a warning.
 */
async function tellPeople(
  deps: Dependencies,
  config: Config,
  report: RunReport,
  state: RunState
): Promise<void> {
  if (!config.workflowToken || (!config.alertIssue && !config.keepAlive)) return
  const home = config.workflow?.repository ?? deps.context.repository ?? config.target.repository
  const [owner = '', repo = ''] = home.split('/')
  const octokit = deps.createOctokit(
    octokitOptions(deps, config, config.workflowToken, deps.context.apiUrl || config.githubApiUrl)
  )
  const tasks: Promise<void>[] = []
  if (config.alertIssue) {
    const target = `${describeTarget(config.target)} ${config.secretNames.refreshToken}`
    const plan = planAlert(report, target, state.urgent, deps.context.runUrl)
    tasks.push(
      applyAlert(octokit, { owner, repo }, plan).then(
        (done) => deps.core.info(`Alert issue: ${done}.`),
        (error: unknown) =>
          deps.core.warning(
            `Could not update the alert issue on ${home} (${describeGitHubError(toGitHubApiError(error))}): give ` +
              'the job `permissions: issues: write`.'
          )
      )
    )
  }
  if (config.keepAlive) {
    const file = config.workflow?.file
    tasks.push(
      file
        ? keepWorkflowAlive(octokit, { owner, repo }, file).then(
            () => deps.core.debug(`Keep-alive: enabled ${file} on ${home}.`),
            (error: unknown) =>
              deps.core.warning(
                `Could not keep the schedule of ${file} alive (${describeGitHubError(toGitHubApiError(error))}): give ` +
                  'the job `permissions: actions: write`. Without it GitHub disables the schedule after 60 days ' +
                  'without activity in a public repository.'
              )
          )
        : Promise.resolve(
            deps.core.warning('keep-alive: the workflow file is unknown here (no GITHUB_WORKFLOW_REF).')
          )
    )
  }
  await Promise.all(tasks)
}

/** Says, once per run, when the writer token expires soon: a warning within the input's days, an error in the last three. */
function noteWriterTokenExpiry(
  state: RunState,
  config: Config,
  now: Date,
  log: Pick<ActionCore, 'warning' | 'error'>
): void {
  const expiresAt = parseTokenExpiration(state.tokenExpiration)
  if (!expiresAt) return
  const notice = writerTokenNotice(expiresAt, now, config.writerTokenWarnDays, config.writerTokenSecret)
  if (!notice) return
  log[notice.level](notice.message)
  state.warnings.push(notice.message)
  if (notice.level === 'error') state.urgent = notice.message
}

/**
 * When the new refresh token may never be stored (its write failed for good, or the run is about to be
 * killed), and the owner gave a recovery key: the token sealed to that key, printed as one line. Only the
 * holder of the private half can open it; the README gives the command that opens it and stores it.
 */
async function sealForRecovery(
  deps: Pick<Dependencies, 'sealer'>,
  config: Config,
  refreshToken: string | undefined,
  state: RunState,
  log: Pick<ActionCore, 'warning'>
): Promise<void> {
  if (!config.recoveryPublicKey || !refreshToken) return
  const sealed = await deps.sealer.seal(refreshToken, config.recoveryPublicKey)
  const line =
    `Recovery: the new refresh token, sealed to recovery-public-key: ${sealed} — open it where the private key ` +
    `is and store it: node scripts/recover.mjs ${sealed} | gh secret set ${config.secretNames.refreshToken} ` +
    `--repo ${config.target.repository}${config.target.environment ? ` --env "${config.target.environment}"` : ''}`
  log.warning(line)
  state.warnings.push(line)
}

/** Check mode: reads the stored expiry (the input, or the variable) and fails when it has too little life left. */
async function checkExpiry(
  connect: () => GitHubApi,
  config: Config,
  minimumMs: number,
  now: () => Date
): Promise<RunReport> {
  const text =
    config.expiresAtSeen ||
    (config.expiresAtVariable
      ? ((await connect()
          .readVariable(config.expiresAtVariable)
          .catch((error: unknown) => {
            throw new ActionError(
              'preflight',
              `Could not read the variable ${config.expiresAtVariable} (${describeGitHubError(error)}): give github-token ` +
                '"Variables: read", or pass expires-at: ${{ vars.' +
                config.expiresAtVariable +
                ' }} instead.'
            )
          })) ?? '')
      : '')
  const expiry = storedExpiry(text, now())
  const enough = expiry !== undefined && expiry.expiresAt.getTime() - now().getTime() >= minimumMs
  if (enough)
    return { status: 'healthy', target: config.target, written: [], expiry, refreshTokenRotated: false }
  return {
    status: 'failed',
    target: config.target,
    written: [],
    expiry,
    refreshTokenRotated: false,
    errorKind: 'check',
    message: expiry
      ? `The stored access token expires at ${expiry.expiresAt.toISOString()}, less than check-valid-for ` +
        `(${formatDuration(Math.round(minimumMs / 1000))}) from now: rotation has stopped or is late. Look at the ` +
        'rotation workflow’s last runs.'
      : `No stored expiry to check (${config.expiresAtVariable ? `the variable ${config.expiresAtVariable} does not exist` : 'expires-at is empty'}): ` +
        'the token has never been rotated here, or the wrong name is checked.'
  }
}
