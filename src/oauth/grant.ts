import type { Clock } from '../clock.js'
import { nextDelay } from '../retry.js'
import { ANSWER_WINDOW_MS, NEVER_SENT_BUDGET_MS } from '../timing.js'
import { readGrantAnswer, type TokenSet } from './answer.js'
import { computeExpiry, type Expiry } from './expiry.js'
import { TransportError, type PostToken } from './post.js'
import type { TokenRequest } from './request.js'

/**
 * What presenting the refresh token came to, as a value: the grant never throws, and no value here carries
 * the old token. `sentAt` is when the last attempt was sent: the expiry counts from it, and a hold after an
 * unknown outcome starts at it.
 */
export type GrantResult =
  | { kind: 'rotated'; tokens: TokenSet; sentAt: Date; expiry: Expiry | undefined; attempts: number }
  /** The server rotated but its answer is unusable: the new refresh token it carried must still be stored. */
  | { kind: 'salvaged'; refreshToken: string; sentAt: Date; reason: string }
  /** Sent, and no readable answer: whether the server rotated is unknown. */
  | { kind: 'unknown'; sentAt: Date; reason: string }
  /** Another request is refreshing the same token: it may be spent by now. */
  | { kind: 'concurrent'; sentAt: Date; reason: string }
  /** A readable refusal: the token was not rotated. */
  | { kind: 'refused'; sentAt: Date; reason: string; oauthError?: string }
  /** Never reached the server, or refused before processing, for as long as retrying was allowed. */
  | { kind: 'not-sent'; reason: string; attempts: number }
  /** Cancelled before anything was sent. */
  | { kind: 'cancelled' }

export interface GrantDeps {
  post: PostToken
  clock: Clock
  random: () => number
  mask: (value: string) => void
  /** Asked before each send: false once a cancel arrived (nothing is sent after it). */
  mayStart: () => boolean
  /** Told just before each send, and after one that provably never left. */
  onSend: (sentAt: Date) => void
  onNeverSent: () => void
  onRetry: (attempt: number, waitMs: number, why: string) => void
  debug: (message: string) => void
}

/**
 * Presents the refresh token once. It is sent again only when the attempt before provably did not reach the
 * server's processing (the connection was never made, or a 429/408 refused it first), within a bounded time.
 * Anything ambiguous (no answer within the answer window, a reset, a 5xx, a cut or oversized answer) ends
 * the grant as `unknown`: sending the token again while the first may still be processed would present a
 * spent token, and Hydra would revoke the whole family.
 */
export async function presentToken(request: TokenRequest, deps: GrantDeps): Promise<GrantResult> {
  const { clock } = deps
  const deadline = clock.now().getTime() + NEVER_SENT_BUDGET_MS
  for (let attempt = 1; ; attempt++) {
    if (!deps.mayStart()) return { kind: 'cancelled' }
    const sentAt = clock.now()
    deps.onSend(sentAt)
    const started = performance.now()
    let retryWhy: string
    let atLeastMs: number | undefined
    try {
      const response = await deps.post(request, clock.timeout(ANSWER_WINDOW_MS))
      deps.debug(
        `Token POST → ${response.status} in ${Math.round(performance.now() - started)} ms (attempt ${attempt}, ${response.body.length} bytes)`
      )
      const answer = readGrantAnswer(
        response.status,
        response.body,
        response.headers,
        deps.mask,
        clock.now().getTime()
      )
      switch (answer.kind) {
        case 'tokens':
          return {
            kind: 'rotated',
            tokens: answer.tokens,
            sentAt,
            expiry: computeExpiry(sentAt, answer.tokens.expires_in, answer.tokens.access_token),
            attempts: attempt
          }
        case 'salvage':
          return { kind: 'salvaged', refreshToken: answer.refreshToken, sentAt, reason: answer.reason }
        case 'ambiguous':
          return { kind: 'unknown', sentAt, reason: answer.reason }
        case 'concurrent':
          return { kind: 'concurrent', sentAt, reason: answer.reason }
        case 'refused':
          return { kind: 'refused', sentAt, reason: answer.reason, oauthError: answer.oauthError }
        case 'not-processed':
          retryWhy = answer.reason
          atLeastMs = answer.retryAfterSeconds === undefined ? undefined : answer.retryAfterSeconds * 1000
      }
    } catch (error) {
      const failure = error instanceof TransportError ? error : new TransportError(String(error), false)
      deps.debug(
        `Token POST → no answer in ${Math.round(performance.now() - started)} ms (attempt ${attempt}): ${failure.message}`
      )
      if (!failure.neverSent) return { kind: 'unknown', sentAt, reason: failure.message }
      retryWhy = failure.message
    }
    deps.onNeverSent()
    const wait = nextDelay(
      { attempts: Infinity, deadline },
      attempt,
      { retry: true, atLeastMs, why: retryWhy },
      clock.now().getTime(),
      deps.random
    )
    if (wait === undefined) return { kind: 'not-sent', reason: retryWhy, attempts: attempt }
    deps.onRetry(attempt, wait, retryWhy)
    await clock.sleep(wait)
  }
}
