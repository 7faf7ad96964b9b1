import type { Config } from './config.js'
import type { ErrorKind } from './errors.js'
import type { Expiry } from './oauth/expiry.js'
import type { Phase } from './phase.js'
import type { Written } from './store/store.js'

/**
 * - `rotated`: a new refresh token, access token and expiry are stored;
 * - `skipped-valid`: the stored access token lives longer than skip-if-valid-for;
 * - `skipped-spent`: this run holds a token whose successor is stored (a re-run, a queued run, or the loser
 *   of a race, once the winner's rotation shows);
 * - `dry-run`: everything but the grant; `cancelled`: stopped before the grant; `failed`.
 */
export const STATUSES = [
  'rotated',
  'skipped-valid',
  'skipped-spent',
  'dry-run',
  'cancelled',
  'failed'
] as const
export type Status = (typeof STATUSES)[number]

/** What a run came to: everything the report needs, no token but the new access token it passes on. */
export interface Outcome {
  status: Status
  errorKind?: ErrorKind
  /** The sentence a person reads first about this outcome (and, below it, the commands that fix it). */
  message?: string
  phase: Phase
  written: Written[]
  /** The access token stored once this run ended: the new one, or the one already there (from the expiry variable). */
  expiry?: Expiry
  refreshTokenRotated: boolean
  /** The new access token, for the output of the same name (masked the moment it was parsed). */
  accessToken?: string
  /** Things a person should know even when the run succeeds. */
  notes: string[]
  config?: Config
  /** GitHub's `github-authentication-token-expiration` for the writer token, as the last answer carried it. */
  writerTokenHeader?: string
}
