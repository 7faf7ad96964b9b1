import { ActionError } from '../errors.js'
import type { Config } from '../inputs/schema.js'
import { describeEndpoint, rebootstrapAdvice, rerunCommand } from '../report/advice.js'
import { computeExpiry, type Expiry } from './expiry.js'
import { retrying, type Attempt, type RetryPolicy } from './backoff.js'
import { buildTokenRequest } from './grant-request.js'
import { readGrantResponse, type GrantOutcome, type TokenSet } from './grant-response.js'
import { AnswerTimeoutError, type PostToken } from './post-token.js'

export interface Exchanged {
  tokens: TokenSet
  sentAt: Date
  /** Undefined when the server gave no `expires_in` and the access token carries no `exp`. */
  expiry: Expiry | undefined
  attempts: number
}

/** The server rotated, but answered with something unusable: the new refresh token must still be stored. */
export class UnusableGrantResponse extends ActionError {
  constructor(
    message: string,
    readonly salvagedRefreshToken: string
  ) {
    super('response', message)
  }
}

export interface ExchangeDeps {
  postToken: PostToken
  mask: (value: string) => void
  now: () => Date
  sleep: (ms: number) => Promise<void>
  warn: (message: string) => void
  debug: (message: string) => void
  policy: RetryPolicy
  random?: () => number
  /** The whole wait for one answer; a lost connection is sent again only once it has passed. */
  answerTimeoutMs: number
  /** Runs before every send; throws to stop (a cancel before the grant). Told whether an earlier attempt may have arrived. */
  beforeSend?: (mayHaveReachedServer: boolean) => void
}

/** How many answer windows the whole exchange may take, retries included. */
export const EXCHANGE_WINDOWS = 2

/** Errors that prove the request never reached the server: no connection was ever made. */
const NEVER_SENT = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN/

/**
 * The refresh grant, sent again only when that cannot present a token the server may be spending:
 * - after an answer that says the server did not process it (5xx, 429, 408), with backoff and Retry-After;
 * - after a connection that was never made (refused, unknown host);
 * - after a connection lost while waiting, only once the whole answer window (`answerTimeoutMs`) has passed
 *   since it was sent: a server behind a load balancer may never learn that its client went away, and keeps
 *   processing; by then it has answered or given up;
 * - never after no answer: the answer is awaited long past request-timeout (`answerTimeoutMs`), and when it
 *   still does not come, the run fails as `unknown` instead of sending the token a second time.
 * A 2xx answer that cannot be read means the server did process the grant: it is never re-sent either.
 * When the attempts run out after one may have arrived, the outcome is `unknown`, not `transient`: the
 * stored token may be spent. Terminal, concurrent and unusable answers are never retried: presenting the
 * token again could only revoke it. `beforeSend` runs before every send (a cancelled run stops there).
 */
export async function exchange(config: Config, deps: ExchangeDeps): Promise<Exchanged> {
  const request = buildTokenRequest(config)
  let mayHaveReachedServer = false
  // The whole exchange has a bound too (two answer windows), so the run's worst case, and the lock's hold,
  // can be stated: no retry starts after it.
  const deadline = deps.now().getTime() + EXCHANGE_WINDOWS * deps.answerTimeoutMs
  return retrying(
    async (attempt): Promise<Attempt<Exchanged>> => {
      deps.beforeSend?.(mayHaveReachedServer)
      const sentAt = deps.now()
      let outcome: GrantOutcome
      let minDelayMs = 0
      const started = performance.now()
      const elapsed = () => `${Math.round(performance.now() - started)} ms`
      try {
        const response = await deps.postToken(request)
        outcome = readGrantResponse(response.status, response.body, response.headers, deps.mask)
        deps.debug(
          `Token POST ${request.url} → ${response.status} in ${elapsed()} (attempt ${attempt}, ${response.body.length} bytes)`
        )
      } catch (error) {
        deps.debug(
          `Token POST ${request.url} → no answer in ${elapsed()} (attempt ${attempt}): ${String(error)}`
        )
        if (error instanceof AnswerTimeoutError)
          throw unknownOutcome(config, `no answer within ${Math.round(error.waitedMs / 1000)} s`)
        const neverSent = NEVER_SENT.test(String(error))
        if (!neverSent) {
          mayHaveReachedServer = true
          minDelayMs = Math.max(0, sentAt.getTime() + deps.answerTimeoutMs - deps.now().getTime())
        }
        outcome = {
          ok: false,
          kind: 'transient',
          reason: `the request to the token endpoint failed (${error instanceof Error ? error.message : String(error)})`
        }
      }
      if (outcome.ok) {
        const expiry = computeExpiry(sentAt, outcome.tokens.expires_in, outcome.tokens.access_token)
        return { done: true, value: { tokens: outcome.tokens, sentAt, expiry, attempts: attempt } }
      }
      if (outcome.kind === 'processed') {
        throw unknownOutcome(
          config,
          `${outcome.reason}, so the server processed the grant but its answer is lost`
        )
      }
      if (outcome.kind === 'transient') {
        const last = attempt >= deps.policy.maxAttempts || deps.now().getTime() + minDelayMs > deadline
        if (last && mayHaveReachedServer) {
          throw unknownOutcome(config, `${outcome.reason}, after an earlier attempt lost its connection`)
        }
        return {
          done: false,
          // Past the exchange's bound, the error below ends it like the last attempt would.
          retryable: !last,
          retryAfterSeconds: outcome.retryAfterSeconds,
          minDelayMs,
          error: new ActionError(
            'transient',
            `${capitalize(outcome.reason)}; ${attempt} attempt${attempt > 1 ? 's' : ''} made. Nothing was written: ` +
              'the stored refresh token was not replaced, and the next scheduled run will retry with it.'
          )
        }
      }
      return { done: false, retryable: false, error: failureError(outcome, config, mayHaveReachedServer) }
    },
    deps.policy,
    {
      sleep: deps.sleep,
      random: deps.random,
      onRetry: (attempt, delayMs, error) =>
        deps.warn(
          `Token request attempt ${attempt} of ${deps.policy.maxAttempts} failed: ${firstSentence(error.message)}; retrying in ${(delayMs / 1000).toFixed(1)} s.`
        )
    }
  )
}

/** The grant went out and its outcome is not known: guessing wrong costs the family, so say so and stop. */
function unknownOutcome(config: Config, what: string): ActionError {
  return new ActionError(
    'unknown',
    `The grant's outcome is unknown (${what}): whether the server rotated the refresh token cannot be told ` +
      'from here. It was not sent again: a second grant while the first may still be processed would present ' +
      'a spent token and revoke the whole family. Nothing was written. If the server did not process it, the ' +
      'stored refresh token still works and the next run rotates as usual; if the next run fails with ' +
      `invalid_grant, the server did rotate and the new token was lost.\n${rebootstrapAdvice(config)}`
  )
}

/** Why a grant that must not be retried failed, for a person: what happened and what to do. */
function failureError(
  outcome: Extract<GrantOutcome, { ok: false }>,
  config: Config,
  afterLostAnswer: boolean
): ActionError {
  if (outcome.kind === 'response') {
    return new UnusableGrantResponse(
      `${capitalize(outcome.reason)}. The server issued a new refresh token, which this run stores before failing.`,
      outcome.salvagedRefreshToken
    )
  }
  if (outcome.kind === 'concurrent') {
    return new ActionError(
      'concurrent',
      `Another run is exchanging the same refresh token right now (${outcome.reason}). ` +
        'That run owns the rotation; this one did not retry, because presenting the token again would revoke it.'
    )
  }
  const where = describeEndpoint(config)
  const rerun = rerunCommand(config)
  const final = 'Retrying cannot help: every run fails the same way until this is fixed.'
  if (!outcome.refusal || outcome.oauthError === 'unsupported_grant_type') {
    return new ActionError(
      'terminal',
      `${capitalize(where)} does not answer like an OAuth token endpoint (${outcome.reason}). ${final} ` +
        `Check the zone and token-url inputs; the refresh token was most likely not spent. Then: ${rerun}`
    )
  }
  if (outcome.oauthError === 'invalid_client' || outcome.oauthError === 'unauthorized_client') {
    return new ActionError(
      'terminal',
      `${capitalize(where)} refused the client (${outcome.reason}). ${final} The server refuses a client before it ` +
        'looks at the refresh token, so the token was not spent: check client-id and client-secret (each zone has ' +
        `its own public client; a wrong zone gives this too). Then: ${rerun}`
    )
  }
  if (outcome.oauthError === 'invalid_scope' || outcome.oauthError === 'scope_not_granted') {
    return new ActionError(
      'terminal',
      `${capitalize(where)} refused the scope "${config.scope ?? ''}" (${outcome.reason}). ${final} Set the scope ` +
        `input to scopes the refresh token was issued with, or leave it empty to keep them all. Then: ${rerun}`
    )
  }
  return new ActionError(
    'terminal',
    `The OAuth server no longer accepts this refresh token: ${outcome.reason} (${where}). ` +
      (afterLostAnswer
        ? 'An earlier attempt may have reached the server and rotated the token before its answer was lost. '
        : '') +
      `${final} If the token was issued in the other zone, set the zone input (this run used ${config.explicitTokenUrl ? 'token-url' : `zone ${config.zone}`}) ` +
      `and run again; otherwise the token was revoked, expired or spent twice.\n${rebootstrapAdvice(config)}`
  )
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function firstSentence(text: string): string {
  return (text.split(/(?<=\.)\s/)[0] ?? text).replace(/\.$/, '')
}
