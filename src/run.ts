import type { Cancellation } from './cancellation.js'
import type { Clock } from './clock.js'
import { INPUT_NAMES, parseConfig, SECRET_INPUTS, type Config, type RawInputs } from './config.js'
import { kindInPhase, RunError } from './errors.js'
import { GitHubApi, type PublicKey } from './github/api.js'
import { createOctokit } from './github/octokit.js'
import { guard, stillValid, type StoredExpiry, type Verdict } from './guard.js'
import { Lease } from './lease/lease.js'
import { say } from './messages.js'
import { parseStoredExpiry, type Expiry } from './oauth/expiry.js'
import { presentToken, type GrantDeps, type GrantResult } from './oauth/grant.js'
import type { PostToken } from './oauth/post.js'
import { buildTokenRequest } from './oauth/request.js'
import type { Outcome } from './outcome.js'
import { holdsUnstoredSuccessor, mayHaveSpent, type Phase } from './phase.js'
import { preflightFailure } from './preflight.js'
import { sealForRecovery } from './recovery.js'
import type { Redactor } from './redact.js'
import type { ActionCore, RunContext } from './runner.js'
import { expireBeforeGrant, storeRotation } from './store-rotation.js'
import type { Sealer } from './store/seal.js'
import type { PlannedWrite } from './store/plan.js'
import { SecretWriter } from './store/store.js'
import type { RetryPolicy } from './retry.js'
import { GITHUB_ATTEMPTS, PREFLIGHT_BUDGET_MS, RATE_LIMIT_HEADROOM, RUN_BUDGET_MS } from './timing.js'

/** What the pipeline needs: the runner (already redacting), time, the two transports, the sealed box. */
export interface Dependencies {
  core: ActionCore
  context: RunContext
  clock: Clock
  random: () => number
  /** GitHub's transport; undefined: `@actions/github`'s proxy-aware fetch. */
  fetch?: typeof fetch
  post: PostToken
  sealer: Sealer
  cancellation: Cancellation
  redactor: Redactor
}

/**
 * parse → read (key ∥ stored expiry ∥ spent record) → needed? → lease (claim ∥ write proof) → guard → grant →
 * store. Never throws. The lease owns the claim; its one `finally` records what the phase says became of the
 * token. A run that skips because the stored token is still valid never claims it, so it leaves nothing behind.
 */
export async function rotate(deps: Dependencies): Promise<Outcome> {
  const run = new RunState(deps)
  let lease: Lease | undefined
  try {
    const config = run.parse(readInputs(deps))
    const github = connect(deps, config, run)
    lease = new Lease(github, leaseOptions(config, deps), config.refreshToken, deps.clock)
    deps.cancellation.attach(run.cancelHooks(lease, config))
    deps.sealer.warmUp()
    const [key, stored] = await run.beforeGrant(
      Promise.all([github.publicKey(), readStoredExpiry(github, config, deps.clock), lease.readRecord()])
    )
    const needless = stillValid(stored, config, deps.clock.now())
    if (needless) return run.end(verdictOutcome(needless, stored))
    const [decision] = await run.beforeGrant(
      Promise.all([lease.acquire(), proveWrite(github, key, deps.sealer, config, deps.clock)])
    )
    const verdict = guard(decision, stored, config, deps.clock.now())
    if (verdict.action !== 'present') return run.end(verdictOutcome(verdict, stored))
    run.requireHeadroom(github)
    if (config.dryRun)
      return run.end({ status: 'dry-run', message: say.dryRun(config, verdict), expiry: stored.expiry })
    if (verdict.note) run.note(verdict.note)
    const writer = run.track(
      new SecretWriter(github, key, deps.sealer, stored.exists, (name, error) =>
        deps.core.warning(say.store.rekey(name, error))
      )
    )
    await run.beforeGrant(
      expireBeforeGrant(writer, config, stored.expiry, deps.clock.now(), (landed) =>
        run.expiryPointed(stored.expiry, landed)
      )
    )
    const grant = await presentToken(buildTokenRequest(config), run.grantDeps())
    return run.end(
      await storeRotation(grant, {
        config,
        writer,
        lease,
        run,
        clock: deps.clock,
        cancelled: deps.cancellation.asked
      })
    )
  } catch (error) {
    return run.end(run.failure(error))
  } finally {
    run.releasing = true
    await lease?.settle(run.phase, run.sentAt)
    run.noteLease(lease)
    run.noteExpiryBehind()
  }
}

/** Every input as the runner gives it (trimmed, '' when not set), with the run's context as the fallback. */
export function readInputs(deps: Pick<Dependencies, 'core' | 'context'>): RawInputs {
  const inputs: RawInputs = {}
  for (const name of INPUT_NAMES) inputs[name] = deps.core.getInput(name)
  inputs.repository ||= deps.context.repository
  inputs['github-api-url'] ||= deps.context.apiUrl
  return inputs
}

function connect(deps: Dependencies, config: Config, run: RunState): GitHubApi {
  const octokit = createOctokit({
    token: config.writerToken,
    baseUrl: config.apiUrl,
    userAgent: 'refresh-oauth-secrets',
    fetch: deps.fetch,
    debug: (message) => deps.core.debug(message),
    onTokenExpiration: (value) => (run.writerTokenHeader = value)
  })
  return new GitHubApi(octokit, config.target, {
    clock: deps.clock,
    random: deps.random,
    budget: () => run.budget(),
    onRetry: (call, waitMs, why) => deps.core.warning(say.github.retrying(call, why, waitMs))
  })
}

function leaseOptions(config: Config, deps: Dependencies) {
  return {
    record: config.names.record,
    refreshTokenSecret: config.names.refreshToken,
    holder: deps.context.runLabel ?? say.localRun,
    recovery: Boolean(config.recoveryPublicKey),
    stopping: () => deps.cancellation.requested
  }
}

async function readStoredExpiry(github: GitHubApi, config: Config, clock: Clock): Promise<StoredExpiry> {
  const askedAt = clock.now().getTime()
  const found = await github.readVariable(config.names.expiresAtVariable)
  return { exists: found !== undefined, expiry: parseStoredExpiry(found?.value, clock.now()), askedAt }
}

/** A sealed write with the key the run will use: proves the permission, and that GitHub opens what this run seals. */
async function proveWrite(
  github: GitHubApi,
  key: PublicKey,
  sealer: Sealer,
  config: Config,
  clock: Clock
): Promise<void> {
  const sealed = await sealer.seal(say.writeCheckValue(clock.now()), key.key).catch((error: unknown) => {
    throw new RunError('preflight', say.preflight.seal(config, error))
  })
  await github.putSecret(config.names.writeCheck, sealed, key.key_id)
}

function verdictOutcome(
  verdict: Exclude<Verdict, { action: 'present' }>,
  stored: StoredExpiry
): Partial<Outcome> {
  return verdict.action === 'fail'
    ? { status: 'failed', errorKind: verdict.kind, message: verdict.message, expiry: stored.expiry }
    : {
        status: verdict.status,
        message: verdict.message,
        expiry: verdict.expiryUnknown ? undefined : stored.expiry
      }
}

/**
 * The run's phase and what it learned on the way: read by the cancel handler, the lease's `finally` and the
 * outcome. The phase moves only on the grant's events and the new refresh token's write.
 */
class RunState {
  phase: Phase = 'before-grant'
  sentAt: Date | undefined
  writerTokenHeader: string | undefined
  private config: Config | undefined
  private successor: string | undefined
  private recovered = false
  private writer: SecretWriter | undefined
  private readonly notes: string[] = []
  private readonly deadline: number
  private readonly runDeadline: number
  /** The run is over and its claim, if never presented, is being given back. */
  releasing = false

  constructor(private readonly deps: Dependencies) {
    const start = deps.clock.now().getTime()
    this.deadline = start + PREFLIGHT_BUDGET_MS
    this.runDeadline = start + RUN_BUDGET_MS
  }

  /**
   * How hard GitHub calls try now: before the grant a few attempts within the preflight's budget (nothing is
   * spent; the next run can try again); once the token may be spent, until the run's deadline.
   */
  budget(): RetryPolicy {
    if (mayHaveSpent(this.phase)) return { attempts: Infinity, deadline: this.runDeadline }
    // A claim left behind holds the token from every run for its whole hold: giving it back is worth waiting
    // out a rate limit of minutes for, up to the run's deadline.
    if (this.releasing) return { attempts: Infinity, deadline: this.runDeadline }
    return {
      attempts: GITHUB_ATTEMPTS,
      deadline: this.phase === 'before-grant' ? this.deadline : this.runDeadline
    }
  }

  /** Every input at once, before any request; the secret ones are masked first. */
  parse(inputs: RawInputs): Config {
    for (const name of SECRET_INPUTS) {
      const value = inputs[name]
      if (value) this.deps.redactor.add(value, this.deps.core.setSecret)
    }
    this.config = parseConfig(inputs, { workflowRef: this.deps.context.workflowRef })
    if (!this.config.zoneGiven && !this.config.explicitTokenUrl)
      this.deps.core.warning(say.input.zoneEmpty(this.config.zone))
    return this.config
  }

  note(message: string): void {
    this.deps.core.warning(message)
    this.notes.push(message)
  }

  /** A stage before the grant: its failure read as a preflight's; a cancel, or the budget running out, stops the run after it. */
  async beforeGrant<T>(stage: Promise<T>): Promise<T> {
    const result = await stage.catch((error: unknown) => {
      if (this.deps.cancellation.requested) throw new RunError('cancelled', say.cancel.beforeGrant)
      throw preflightFailure(error, this.config)
    })
    if (this.deps.cancellation.requested) throw new RunError('cancelled', say.cancel.beforeGrant)
    if (this.deps.clock.now().getTime() > this.deadline)
      throw new RunError('transient', say.preflight.tooSlow)
    return result
  }

  /**
   * The writes after the grant must not meet an exhausted rate limit (a primary limit resets only hourly):
   * with too few calls left in the writer token's window, the grant is not sent.
   */
  requireHeadroom(github: GitHubApi): void {
    const limit = github.rateLimit
    const now = this.deps.clock.now().getTime()
    if (limit && limit.remaining < RATE_LIMIT_HEADROOM && limit.resetAt > now)
      throw new RunError('transient', say.preflight.rateLimitLow(limit.remaining, new Date(limit.resetAt)))
  }

  grantDeps(): GrantDeps {
    const { deps } = this
    return {
      post: deps.post,
      clock: deps.clock,
      random: deps.random,
      mask: (value) => deps.redactor.add(value, deps.core.setSecret),
      mayStart: () => !deps.cancellation.requested,
      onSend: (sentAt) => {
        this.phase = 'grant-out'
        this.sentAt = sentAt
      },
      onNeverSent: () => void (this.phase = 'before-grant'),
      onRetry: (attempt, waitMs, why) => deps.core.warning(say.grant.retrying(attempt, why, waitMs)),
      debug: (message) => deps.core.debug(message)
    }
  }

  /**
   * The grant came back: the phase follows what it says of the old token. A 2xx without a new refresh token
   * leaves the grant's outcome as it was (`grant-out`): with a rotating server the old token is spent now.
   * When the runner's last signal came while the grant was out, the recovery line goes out at once.
   */
  granted(grant: GrantResult): void {
    if (grant.kind === 'rotated' || grant.kind === 'salvaged') {
      this.successor = grant.kind === 'rotated' ? grant.tokens.refresh_token : grant.refreshToken
      if (this.successor) this.phase = 'successor-received'
      if (this.successor && this.deps.cancellation.final) void this.recover(this.successor)
    } else if (grant.kind === 'refused' || grant.kind === 'not-sent' || grant.kind === 'cancelled') {
      this.phase = 'not-rotated'
      // A refused refresh token is a spent one presented again, or a grant revoked: either way the server
      // revokes the family's access tokens with it, the stored one too.
      if (grant.kind === 'refused' && grant.oauthError === 'invalid_grant') this.accessRevoked = true
    }
  }

  /** The server refused the token: the stored access token is revoked, whatever its expiry says. */
  private accessRevoked = false
  /** What the expiry variable said (read at the start) before it was pointed at the send. */
  private expiryBeforePointer: Expiry | undefined

  expiryPointed(before: Expiry | undefined, landed: PlannedWrite['what'][]): void {
    if (landed.includes('expiry variable')) this.expiryBeforePointer = before
  }

  /**
   * The expiry consumers read was pointed at the send before the grant, and the grant never reached the
   * server (or the server refused the client, which revokes nothing): the stored access token may still
   * work, though its expiry says it expired. Said, never put back (`expireBeforeGrant` says why).
   */
  noteExpiryBehind(): void {
    const before = this.expiryBeforePointer
    if (!before || mayHaveSpent(this.phase) || this.accessRevoked) return
    if (before.expiresAt.getTime() > this.deps.clock.now().getTime())
      this.note(say.store.expiryBehind(before))
  }

  /** The new refresh token may never be stored: with a recovery key, it is printed sealed, once. */
  async recover(token: string): Promise<void> {
    if (this.recovered || !this.config) return
    this.recovered = true
    await sealForRecovery(this.deps, this.config, token, (line) => this.note(line)).catch((error: unknown) =>
      this.note(say.recovery.failed(error))
    )
  }

  cancelHooks(lease: Lease, config: Config) {
    return {
      phase: () => this.phase,
      stopNow: () => lease.settle(this.phase, this.sentAt),
      lastWords: async () => {
        if (this.phase === 'grant-out') await lease.unknown(this.sentAt ?? this.deps.clock.now(), true)
        if (holdsUnstoredSuccessor(this.phase) && this.successor && config.recoveryPublicKey)
          await this.recover(this.successor)
      }
    }
  }

  /** The writes of this run, so a failure still says what landed. */
  track(writer: SecretWriter): SecretWriter {
    this.writer = writer
    return writer
  }

  /** A failure, as the phase it happened in says it must be read. */
  failure(error: unknown): Partial<Outcome> {
    const failed = error instanceof RunError ? error : new RunError('transient', say.unexpected(error))
    const kind = kindInPhase(failed.kind, this.phase)
    const written = this.writer?.written ?? []
    return {
      status: kind === 'cancelled' ? 'cancelled' : 'failed',
      errorKind: kind,
      message: failed.message,
      written,
      refreshTokenRotated: written.some((write) => write.what === 'refresh token')
    }
  }

  noteLease(lease: Lease | undefined): void {
    if (lease) for (const line of say.lease.notes(lease.notes, this.config)) this.note(line)
  }

  end(outcome: Partial<Outcome>): Outcome {
    return {
      status: 'failed',
      written: [],
      refreshTokenRotated: false,
      ...outcome,
      phase: this.phase,
      notes: this.notes,
      config: this.config,
      writerTokenHeader: this.writerTokenHeader
    }
  }
}
