import type { Config } from './config.js'
import type { ErrorKind } from './errors.js'
import type { FailReason, SkipReason } from './lease/decide.js'
import type { LeaseDecision } from './lease/lease.js'
import { say } from './messages.js'
import type { Expiry } from './oauth/expiry.js'
import type { Status } from './outcome.js'
import { CONSISTENCY_HORIZON_MS, WORST_CASE_RUN_MS } from './timing.js'

/** The expiry variable consumers read, as it stood before this run: what decides whether a rotation is needed. */
export interface StoredExpiry {
  exists: boolean
  expiry: Expiry | undefined
  /** When it was asked for (epoch ms): what it shows is at most the consistency horizon older. */
  askedAt: number
}

export type SkipStatus = Extract<Status, `skipped-${string}`>

export type Verdict =
  | { action: 'present'; note?: string }
  | {
      action: 'skip'
      status: SkipStatus
      message: string
      /** The run holds an old copy of the token: its read of the stored expiry tells nothing now. */
      expiryUnknown?: true
    }
  | { action: 'fail'; kind: ErrorKind; message: string }

/** What each refusal to present means for the run: a red of which kind. */
const FAIL_KIND: Record<FailReason['why'], ErrorKind> = {
  // Nothing spent by this run, no person needed yet: the next run reads the claim again.
  'in-flight': 'transient',
  unreadable: 'transient',
  'given-back': 'transient',
  // An earlier run's grant whose outcome is unknown: the token may be spent.
  held: 'unknown',
  lost: 'lost',
  'presented-twice': 'unknown',
  'foreign-claim': 'guard',
  'generations-used': 'guard',
  'unreadable-record': 'guard',
  'same-second': 'guard',
  'refused-after-unknown': 'terminal',
  'silent-with-recovery': 'lost'
}

const SKIP_STATUS: Record<SkipReason['why'], SkipStatus> = {
  spent: 'skipped-spent',
  outdated: 'skipped-spent'
}

/** skip-if-valid-for: whether a rotation is needed at all, from the stored expiry alone (before any claim). Pure. */
export function stillValid(
  stored: StoredExpiry,
  config: Config,
  now: Date
): Extract<Verdict, { action: 'skip' }> | undefined {
  const { expiry } = stored
  if (!expiry || config.skipIfValidForMs === undefined) return undefined
  if (expiry.expiresAt.getTime() - now.getTime() <= config.skipIfValidForMs) return undefined
  return {
    action: 'skip',
    status: 'skipped-valid',
    message: say.guard.valid(expiry, config.skipIfValidForMs)
  }
}

/**
 * Whether the stored expiry was read when the spending run's writes must show (it writes them within its run,
 * and reads lag by the horizon at most). An expired one read then is a chain that has stopped; read sooner, the
 * expiry is the rotation's before the spend, which says nothing of the stored access token now. Pure.
 */
function readAfterTheSpend(reason: Extract<SkipReason, { why: 'spent' }>, stored: StoredExpiry): boolean {
  const spentBy = reason.since + (reason.withinMs ?? 0)
  return stored.askedAt > spentBy + WORST_CASE_RUN_MS + CONSISTENCY_HORIZON_MS
}

/** Whether this run presents the token, from the lease's decision (is it safe?) and the stored expiry. Pure. */
export function guard(decision: LeaseDecision, stored: StoredExpiry, config: Config, now: Date): Verdict {
  if (decision.kind === 'fail')
    return {
      action: 'fail',
      kind: FAIL_KIND[decision.reason.why],
      message: say.guard.fail(decision.reason, config)
    }
  const { expiry } = stored
  const left = expiry ? expiry.expiresAt.getTime() - now.getTime() : undefined
  if (decision.kind === 'skip') {
    // A skip over a dead access token is a chain that has stopped: the token held may be the current one,
    // stored again by hand after a silent claim, or its successor's write may never have landed. A person
    // decides; never green.
    const expired = left !== undefined && left <= 0
    if (decision.reason.why === 'outdated' && (left === undefined || expired))
      return { action: 'fail', kind: 'guard', message: say.guard.outdatedAndExpired(decision.reason, config) }
    // A spent token over an expired access token, read when the spend's own expiry must show: red.
    if (decision.reason.why === 'spent' && expired && readAfterTheSpend(decision.reason, stored))
      return { action: 'fail', kind: 'guard', message: say.guard.spentAndExpired(decision.reason, config) }
    // A run holding an old copy vouches for nothing stored now: its read of the expiry may predate the spend's
    // writes, or another run's grant at this moment, either of which revokes the access token it describes
    // (Hydra revokes the old one on every refresh).
    return {
      action: 'skip',
      status: SKIP_STATUS[decision.reason.why],
      message: `${say.guard.skip(decision.reason)} ${say.guard.oldCopyVouchesForNothing}`,
      expiryUnknown: true
    }
  }
  if (decision.takeoverFrom)
    return { action: 'present', note: say.guard.secondPresentation(decision.takeoverFrom) }
  if (expiry && left !== undefined && left <= 0)
    return { action: 'present', note: say.guard.missed(expiry, now) }
  return { action: 'present' }
}
