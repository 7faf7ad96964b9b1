/**
 * Where the run is, as one value that the cancel handler, the crash path, the lease and the report all read.
 * It alone decides what a failure means:
 * - `before-grant`: nothing was spent; a failure is what it is (input, preflight, transient), the claim is
 *   given back;
 * - `grant-out`: the grant was sent and no readable answer came: the outcome is unknown, never `transient`;
 * - `not-rotated`: the server answered without rotating (a refusal): the token is as it was;
 * - `successor-received`: the new refresh token exists only in this run until it is stored: it is stored
 *   first and patiently, or handed to its owner sealed (the recovery line); the expiry does not move;
 * - `refresh-token-stored`: the chain is safe; what is left is the access token and the expiry;
 * - `done`: every write landed.
 */
export const PHASES = [
  'before-grant',
  'grant-out',
  'not-rotated',
  'successor-received',
  'refresh-token-stored',
  'done'
] as const
export type Phase = (typeof PHASES)[number]

/** Whether the old refresh token may have been spent by now. */
export function mayHaveSpent(phase: Phase): boolean {
  return (
    phase === 'grant-out' ||
    phase === 'successor-received' ||
    phase === 'refresh-token-stored' ||
    phase === 'done'
  )
}

/** Whether a new refresh token exists that is not stored yet: the one state in which a token can be lost. */
export function holdsUnstoredSuccessor(phase: Phase): boolean {
  return phase === 'successor-received'
}
