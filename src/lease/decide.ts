import { CONSISTENCY_HORIZON_MS, RELEASE_SETTLE_MS } from '../timing.js'
import { MAX_GENERATIONS, type ClaimValue } from './claim.js'
import { findSpent, type ReadRecord } from './record.js'

/**
 * What one step of the lease saw. `claim` is the answer to this run's create of generation `generation`
 * (201: `created`), or, after a 409, what reading that claim gave, with GitHub's own time of its creation.
 */
export interface Observation {
  fingerprint: string
  nonce: string
  generation: number
  /** Earlier presentations of this token whose outcome was unknown, as the claims so far say (0 or 1). */
  presentations: number
  claim:
    | { kind: 'created' }
    | { kind: 'found'; value: ClaimValue; createdAt: number; updatedAt: number }
    | { kind: 'not-found' }
    | { kind: 'foreign'; text: string }
  record: ReadRecord
  /** When the refresh-token secret was last written, by GitHub's clock (epoch ms; 0: never), once asked for. */
  secretWrittenAt?: number
  now: number
  /** Until when this run waits for another run's claim to reach an outcome (or to show at all). */
  waitUntil: number
}

export type SkipReason =
  /**
   * The successor of this run's token was stored by an earlier run: this run holds an old token. Spent at
   * `since`, or, from the record, within `withinMs` after it.
   */
  | { why: 'spent'; since: number; withinMs?: number; by?: string }
  /** A newer token was stored after this token's claim: this run's token is outdated. */
  | { why: 'outdated'; claimedAt: number; by: string }

/**
 * Every way of not presenting that is not a proof the chain goes on is red: a run cannot tell a holder that is
 * storing slowly from one that was killed after its grant, nor an unknown outcome from a spent token, and a
 * green run over a dead token is the one report this action never gives.
 */
export type FailReason =
  /**
   * Another run held the token's claim for this run's whole wait without reaching an outcome: storing
   * through GitHub trouble, or killed. Nothing was spent by this run.
   */
  | { why: 'in-flight'; by: string; claimedAt: number; until: number }
  /** An earlier presentation's outcome is unknown and it may still be processed: held until `until`. */
  | { why: 'held'; by: string; sentAt: number; until: number }
  /** The claim or the record exists (409) and no read showed it within the wait: GitHub's reads lag. */
  | { why: 'unreadable'; what: 'claim' | 'record' }
  /**
   * The successor was received and never stored: presenting the token again would revoke it too. Spent at
   * `since`, or, from the record, within `withinMs` after it.
   */
  | { why: 'lost'; since: number; withinMs?: number; by?: string }
  /** Presented twice already with unknown outcomes: a third would be guessing. */
  | { why: 'presented-twice'; by: string; sentAt?: number }
  /** Presented once more after an unknown outcome, and refused: the first presentation had rotated it. */
  | { why: 'refused-after-unknown'; by: string; at: number }
  /**
   * The holder went silent with a recovery key: it may have printed the successor for a person, and
   * presenting the token again would revoke that one too.
   */
  | { why: 'silent-with-recovery'; by: string; claimedAt: number }
  /** A variable of the claim's name holds something this action did not write. */
  | { why: 'foreign-claim'; generation: number }
  /**
   * The claim was given back without a presentation, and its removal may still land: taken over before
   * `until`, a later create of this generation could present the token unguarded. Nothing spent.
   */
  | { why: 'given-back'; by: string; at: number; until: number }
  /** Every generation of the token's claim is used, the last given back: a person clears them. */
  | { why: 'generations-used'; by: string; generation: number }
  /** The spent record is not one this action wrote: it cannot tell whether the token was spent long ago. */
  | { why: 'unreadable-record'; reason: string }
  /**
   * The refresh-token secret was written within the very second the silent claim was made: a person's seed
   * just before it, or the holder's successor just after, cannot be told apart (GitHub gives times to the second).
   */
  | { why: 'same-second'; claimedAt: number; by: string }

export type Step =
  | { next: 'present'; generation: number; presentations: number; takeoverFrom?: ClaimValue }
  | { next: 'skip'; reason: SkipReason; release: boolean }
  | { next: 'fail'; reason: FailReason; release: boolean }
  /** The claim's holder can no longer be acting: whether a newer token was stored since decides. */
  | { next: 'read-secret-time' }
  /** The earlier claim can no longer be acting and its token was not spent for sure: one more, by a new create. */
  | { next: 'take-over'; generation: number; presentations: number; from: ClaimValue }
  /** 409 then 404: read again (or create again, if it was given back meanwhile). */
  | { next: 'read-again' }
  /** Another run is presenting or storing the token: read its claim again after a pause, until its outcome shows. */
  | { next: 'wait' }

/**
 * The lease's decision, one step at a time: plain data in, the next step out. A token is presented only by
 * the run whose create of its claim answered 201, and only when neither the spent record nor the claim's
 * value says its successor was received. Values other runs wrote moments ago decide only between ways of not
 * presenting (skip, or fail red); the one path that presents after a 409 (`take-over`) rests on a claim old
 * enough for every read of it to be consistent, on GitHub's own clock, and on a second create that only one
 * run wins.
 */
export function decide(seen: Observation): Step {
  const created = seen.claim.kind === 'created'
  const spent = findSpent(seen.record, seen.fingerprint)
  if (spent) {
    return spent.stored
      ? {
          next: 'skip',
          reason: { why: 'spent', since: spent.addedAt, withinMs: spent.addedWithinMs },
          release: created
        }
      : {
          next: 'fail',
          reason: { why: 'lost', since: spent.addedAt, withinMs: spent.addedWithinMs },
          release: created
        }
  }
  if (seen.record.kind === 'unreadable')
    return {
      next: 'fail',
      reason: { why: 'unreadable-record', reason: seen.record.reason },
      release: created
    }
  if (seen.record.kind === 'lagging')
    return { next: 'fail', reason: { why: 'unreadable', what: 'record' }, release: created }
  switch (seen.claim.kind) {
    case 'created':
      return { next: 'present', generation: seen.generation, presentations: seen.presentations }
    case 'not-found':
      return whileWaiting(seen, { next: 'read-again' }, { why: 'unreadable', what: 'claim' })
    case 'foreign':
      return { next: 'fail', reason: { why: 'foreign-claim', generation: seen.generation }, release: false }
    case 'found':
      return decideOnClaim(seen, seen.claim.value, seen.claim.createdAt, seen.claim.updatedAt)
  }
}

function decideOnClaim(seen: Observation, claim: ClaimValue, createdAt: number, updatedAt: number): Step {
  // This run's own create landed and its answer was lost.
  if (claim.nonce === seen.nonce)
    return { next: 'present', generation: seen.generation, presentations: claim.presentations }
  const until = Date.parse(claim.until)
  const by = claim.holder
  const stillActing = seen.now < until + CONSISTENCY_HORIZON_MS
  // The holder may be acting: wait for its outcome (a race with it resolves in seconds), and past the wait,
  // red, since a holder killed after its grant looks the same as a slow one.
  const inFlight = (): Step =>
    whileWaiting(seen, { next: 'wait' }, { why: 'in-flight', by, claimedAt: createdAt, until })
  switch (claim.state) {
    case 'stored':
      return { next: 'skip', reason: { why: 'spent', since: createdAt, by }, release: false }
    case 'refused':
      return {
        next: 'fail',
        reason: { why: 'refused-after-unknown', by, at: Date.parse(claim.at) },
        release: false
      }
    case 'released': {
      // Its holder never presented it and is done with it: taking it over counts no presentation, once its
      // removal can no longer land. Until then, this generation is created again (201 once it has landed).
      const settled = updatedAt + RELEASE_SETTLE_MS
      if (seen.now >= settled) return takeOver(seen, claim, claim.presentations)
      return whileWaiting(
        seen,
        { next: 'read-again' },
        { why: 'given-back', by, at: updatedAt, until: settled }
      )
    }
    case 'reserved':
      if (stillActing) return inFlight()
      // Never presented: its holder was storing it. Taking it over counts no presentation.
      return takeOver(seen, claim, claim.presentations)
    case 'received':
      if (stillActing) return inFlight()
      if (seen.secretWrittenAt === undefined) return { next: 'read-secret-time' }
      // Only a write in a later second proves the successor stored; anything less is red, never green.
      return compareSeconds(seen.secretWrittenAt, createdAt) === 'after'
        ? { next: 'skip', reason: { why: 'spent', since: createdAt, by }, release: false }
        : { next: 'fail', reason: { why: 'lost', since: createdAt, by }, release: false }
    case 'claimed':
      if (stillActing) return inFlight()
      return afterSilence(seen, claim, createdAt, createdAt)
    case 'unknown': {
      const sentAt = Date.parse(claim.sentAt ?? claim.at)
      // Red, not a wait: the hold is minutes, and a token whose outcome is unknown may be spent.
      if (seen.now < until)
        return { next: 'fail', reason: { why: 'held', by, sentAt, until }, release: false }
      return afterSilence(seen, claim, createdAt, sentAt)
    }
  }
}

/**
 * The claim's holder is gone and never said the successor was received (killed, or its outcome was
 * unknown). A refresh-token secret written after the claim, by GitHub's clock on both sides, means a newer
 * token is stored: this one is outdated. A holder that had a recovery key and went silent may have handed
 * the successor to a person: red. Else the token is presented once more, unless it already was.
 */
function afterSilence(seen: Observation, claim: ClaimValue, createdAt: number, since: number): Step {
  if (seen.secretWrittenAt === undefined) return { next: 'read-secret-time' }
  switch (compareSeconds(seen.secretWrittenAt, createdAt)) {
    case 'after':
      return { next: 'skip', reason: { why: 'outdated', claimedAt: since, by: claim.holder }, release: false }
    case 'same':
      return {
        next: 'fail',
        reason: { why: 'same-second', claimedAt: createdAt, by: claim.holder },
        release: false
      }
    case 'before':
      break
  }
  const silent = claim.state === 'claimed' || claim.cancelled === true
  if (silent && claim.recovery)
    return {
      next: 'fail',
      reason: { why: 'silent-with-recovery', by: claim.holder, claimedAt: createdAt },
      release: false
    }
  const presentations = claim.presentations + 1
  if (presentations > 1) {
    return {
      next: 'fail',
      reason: {
        why: 'presented-twice',
        by: claim.holder,
        sentAt: claim.sentAt ? Date.parse(claim.sentAt) : undefined
      },
      release: false
    }
  }
  return takeOver(seen, claim, presentations)
}

/** Within this run's wait for another run, the next read; past it, red (nothing spent, nothing to give back). */
function whileWaiting(seen: Observation, meanwhile: Step, reason: FailReason): Step {
  return seen.now < seen.waitUntil ? meanwhile : { next: 'fail', reason, release: false }
}

function takeOver(seen: Observation, claim: ClaimValue, presentations: number): Step {
  if (seen.generation >= MAX_GENERATIONS)
    return claim.state === 'released' || claim.state === 'reserved'
      ? {
          next: 'fail',
          reason: { why: 'generations-used', by: claim.holder, generation: seen.generation },
          release: false
        }
      : { next: 'fail', reason: { why: 'presented-twice', by: claim.holder }, release: false }
  return { next: 'take-over', generation: seen.generation + 1, presentations, from: claim }
}

/** GitHub gives times to the second: whether the secret was written in a later second than `at`, the same, or before. */
function compareSeconds(secretWrittenAt: number, at: number): 'after' | 'same' | 'before' {
  const written = Math.floor(secretWrittenAt / 1000)
  const claimed = Math.floor(at / 1000)
  return written > claimed ? 'after' : written === claimed ? 'same' : 'before'
}
