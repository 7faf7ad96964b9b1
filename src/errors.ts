import { mayHaveSpent, type Phase } from './phase.js'

/**
 * How a run failed, as the `error-kind` output and the exit message report it:
 * - `input`: a bad input, caught before any network call;
 * - `preflight`: the writer token cannot do what the rotation needs; nothing was spent;
 * - `guard`: state the guard cannot read (a claim or the spent record edited by hand); nothing was spent;
 * - `transient`: nothing was spent and the next run tries again: GitHub or the token endpoint failed before
 *   the grant went out, or another run held the token's claim for this run's whole wait;
 * - `terminal`: the OAuth server refused the token or the client; a person must act;
 * - `concurrent`: another request refreshed the same token at the same moment;
 * - `unknown`: the grant went out and no readable answer came: whether the token was spent is unknown;
 * - `lost`: a successor of the token was received and never stored;
 * - `store`: the new refresh token was stored, but a later write failed;
 * - `response`: the server rotated but answered with something unusable; its refresh token was kept;
 * - `cancelled`: the runner cancelled the run before the grant; nothing was spent.
 */
export const ERROR_KINDS = [
  'input',
  'preflight',
  'guard',
  'transient',
  'terminal',
  'concurrent',
  'unknown',
  'lost',
  'store',
  'response',
  'cancelled'
] as const
export type ErrorKind = (typeof ERROR_KINDS)[number]

/** A failure a stage reports on purpose, with the sentence a person reads. Never carries a token. */
export class RunError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string
  ) {
    super(message)
    this.name = 'RunError'
  }
}

/**
 * What a failure means is the phase's call, not the catch site's: once the old token may have been spent,
 * nothing is `transient` (a retry would not be harmless), and before the grant nothing is `lost`.
 */
export function kindInPhase(kind: ErrorKind, phase: Phase): ErrorKind {
  if (!mayHaveSpent(phase)) return kind
  if (kind !== 'transient' && kind !== 'preflight' && kind !== 'cancelled') return kind
  if (phase === 'grant-out') return 'unknown'
  if (phase === 'successor-received') return 'lost'
  return 'store'
}
