/**
 * Every duration the action waits, holds or gives up after, in one place, each with its reason. None is an
 * input: these follow from GitHub's and Hydra's behaviour, not from a user's preference, and the worst-case
 * run they add up to (`WORST_CASE_RUN_MS`) must fit the shipped workflows' `timeout-minutes`.
 */

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/**
 * How long the grant's answer is awaited from the moment it is sent. Hydra answers in well under a second;
 * a minute covers a slow gateway. Past it the outcome is unknown and the grant is never sent again by this run.
 */
export const ANSWER_WINDOW_MS = MINUTE

/**
 * After an ambiguous grant (no readable answer: timeout, reset, 5xx, a cut or oversized body) the token is
 * held this long from that send before any run presents it again: at least two answer windows (the spec's
 * floor), and long enough for a request queued in a gateway to have been processed or dropped. The hold's end
 * is written by one runner's clock and read by another's: runners keep NTP time, off by well under a second,
 * and the nine minutes past the answer window leave room for far worse.
 */
export const UNKNOWN_HOLD_MS = 10 * MINUTE

/** One GitHub request attempt, connect to last byte. */
export const GITHUB_ATTEMPT_TIMEOUT_MS = 30 * SECOND

/** Attempts in all for a GitHub call that fails transiently before the grant (nothing is at stake yet). */
export const GITHUB_ATTEMPTS = 6

/** Exponential backoff between attempts: the first wait, and the longest one. */
export const BACKOFF_BASE_MS = SECOND
export const BACKOFF_MAX_MS = 30 * SECOND

/**
 * Everything before the grant (the lease, the key, the write proof) ends within this, or the run stops
 * unspent: a GitHub call waits out a rate limit of minutes, but a longer outage is better met by the next
 * scheduled run, since nothing has been spent.
 */
export const PREFLIGHT_BUDGET_MS = 5 * MINUTE

/**
 * Everything that matters ends within this from the run's start: once the grant is out, every write (the new
 * refresh token first) keeps trying until then, through outages and rate limits of minutes (Retry-After). The
 * shipped workflows' `timeout-minutes` (30) leaves room for the report after it.
 */
export const RUN_BUDGET_MS = 25 * MINUTE

/** Connection failures that prove the grant never left: retried within this, from the first send. */
export const NEVER_SENT_BUDGET_MS = 2 * MINUTE

/**
 * How stale a variable read can be. GitHub's variable reads are eventually consistent: just after a create
 * or update a GET can return the old value or 404 (integrations/terraform-provider-github#2047, #2378; PR
 * #3502 sleeps after writes for it). Observed lags are seconds; five minutes is the margin the guard assumes.
 */
export const CONSISTENCY_HORIZON_MS = 5 * MINUTE

/**
 * How long a run waits for another run's claim on the same token to reach an outcome, or, after a 409, for
 * GitHub's reads to show the claim or the spent record at all, reading again every HOLDER_POLL_MS (at most). Two runs that race settle in seconds; a holder that
 * takes longer is storing through GitHub trouble or was killed after its grant, this run cannot tell which,
 * and it ends red rather than green over what may be a dead token.
 */
export const HOLDER_WAIT_MS = 3 * MINUTE
export const HOLDER_POLL_MS = 10 * SECOND

/**
 * How long the new refresh token's write waits for the successor's reservation: about one attempt that never
 * answers and the one after it (a cancel cuts it short). The token exists nowhere else until it is stored, so
 * no longer; a reservation slower than that lands beside the write instead.
 */
export const RESERVE_WAIT_MS = 2 * GITHUB_ATTEMPT_TIMEOUT_MS

/**
 * The longest a run can act from its claim: every wait in it ends by the run's budget (the preflight's within
 * its own, the grant's within an answer window of its last send, the writes by the run's deadline), so it
 * stops acting by then, whatever the job's timeout.
 */
export const WORST_CASE_RUN_MS = RUN_BUDGET_MS

/**
 * A claim that still says "claimed" this long after it was made belongs to a run that can no longer be
 * acting: it was killed before it could record anything. Its reads are consistent by then too.
 */
export const CLAIM_HOLD_MS = WORST_CASE_RUN_MS + CONSISTENCY_HORIZON_MS

/**
 * A claim given back (`released`) is taken over into the next generation only this long after its last
 * update, by GitHub's clock. Its holder's one DELETE may sit in GitHub before it is applied (as long as a
 * grant may sit in a gateway: UNKNOWN_HOLD_MS) and is sent only once the update has answered (within an
 * attempt's timeout), and reads may show the claim for a while after (the consistency horizon). Taken over sooner, a DELETE landing after the takeover would leave the first
 * generation free for a create that answers 201 with nothing to say the token was presented in the next.
 */
export const RELEASE_SETTLE_MS = UNKNOWN_HOLD_MS + CONSISTENCY_HORIZON_MS + GITHUB_ATTEMPT_TIMEOUT_MS

/**
 * A spent token's claim is removed once the spent record has shown its fingerprint this long: far beyond
 * the consistency horizon, so every run that could present the token reads it in the record instead.
 */
export const CLAIM_CLEANUP_AFTER_MS = DAY

/** Claims removed per run at most: the cleanup after a long outage is spread over several runs. */
export const CLAIM_CLEANUPS_PER_RUN = 8

/**
 * The spent record keeps every entry of the last 31 days, whatever their size: GitHub lets a run be re-run
 * for 30 days, with the secrets of its first attempt, so a token that old can still be presented. Older
 * entries stay while they fit in this (GitHub's limit for a variable is 48 KB), for half a year at most.
 */
export const RECORD_MIN_RETENTION_MS = 31 * DAY
export const RECORD_MAX_BYTES = 44 * 1024
export const RECORD_RETENTION_MS = 180 * DAY

/** Once a day, a run lists the claims and removes those the record has marked removed (a delete that failed). */
export const SWEEP_EVERY_MS = DAY

/** The grant is not sent while fewer GitHub calls than this are left in the writer token's rate-limit window. */
export const RATE_LIMIT_HEADROOM = 25

/** The writer token: a warning this many days before it expires, an error-level annotation in the last three. */
export const WRITER_TOKEN_WARN_DAYS = 14
export const WRITER_TOKEN_URGENT_DAYS = 3

/**
 * The alert issue and the keep-alive, after the run: worth a few attempts, through a rate limit of minutes,
 * until this long after the run's budget (so by 28 minutes from the start, inside `timeout-minutes: 30`),
 * and for this long at least.
 */
export const REPORT_BUDGET_MS = 3 * MINUTE

/** A cancel before the grant gives back the claim within this, then the process ends. */
export const CANCEL_RELEASE_MS = 2 * SECOND

/** The grant's answer is read to at most this many bytes: a token answer is a few kilobytes. */
export const MAX_ANSWER_BYTES = 1024 * 1024

export const DURATION = { SECOND, MINUTE, HOUR, DAY } as const
