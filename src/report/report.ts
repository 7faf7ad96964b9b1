import { say } from '../messages.js'
import type { Outcome } from '../outcome.js'
import type { Summary } from './summary.js'

/**
 * Whether the access token stored once this run ended is valid now: what a consumer job cares about. Never on
 * a red run: its expiry is the one it read at its start, and a grant since, another run's or its own, has
 * revoked the access token it describes (Hydra revokes the old access token on every refresh), or a refusal
 * the whole family's (`terminal`), whatever that read said.
 */
export function isHealthy(outcome: Pick<Outcome, 'expiry' | 'status'>, now: Date): boolean {
  if (outcome.status === 'failed' || outcome.status === 'cancelled') return false
  return outcome.expiry !== undefined && outcome.expiry.expiresAt.getTime() > now.getTime()
}

/** Every output the action sets, as strings. The access token itself is set apart, already masked. */
export function outputsFor(
  outcome: Outcome,
  now: Date,
  writerTokenExpiresAt: Date | undefined
): Record<string, string> {
  return {
    status: outcome.status,
    healthy: String(isHealthy(outcome, now)),
    'expires-at': outcome.expiry?.expiresAt.toISOString() ?? '',
    'expires-in': outcome.expiry
      ? String(Math.max(0, Math.floor((outcome.expiry.expiresAt.getTime() - now.getTime()) / 1000)))
      : '',
    'refresh-token-rotated': String(outcome.refreshTokenRotated),
    'secrets-written': outcome.written
      .filter((w) => w.what !== 'expiry variable')
      .map((w) => w.name)
      .join(','),
    'error-kind': outcome.errorKind ?? '',
    'writer-token-expires-at': writerTokenExpiresAt?.toISOString() ?? ''
  }
}

/** What a person sees in the job summary: names, times and outcomes, never a value. */
export function summaryFor(outcome: Outcome, now: Date, extraNotes: string[]): Summary {
  const notes: string[] = []
  if (outcome.expiry) notes.push(say.report.expiryNote(outcome.expiry))
  if (outcome.status === 'rotated' && outcome.expiry && outcome.expiry.source !== 'stored')
    notes.push(
      say.report.rotatedAt(new Date(outcome.expiry.expiresAt.getTime() - outcome.expiry.expiresIn * 1000))
    )
  if (outcome.status === 'rotated' && !outcome.refreshTokenRotated) notes.push(say.report.notRotatedRefresh)
  notes.push(...outcome.notes, ...extraNotes)
  if (outcome.message) notes.push(outcome.message)
  return {
    heading: say.report.heading(outcome.status, outcome.config),
    headline: headline(outcome, now),
    table: outcome.written.length
      ? [say.report.table, ...outcome.written.map((w) => [w.name, w.what, w.result])]
      : [],
    notes
  }
}

/** Healthy only when the stored access token is valid; a skip over an expired one says so. */
function headline(outcome: Outcome, now: Date): string {
  switch (outcome.status) {
    case 'failed':
      return say.report.failed(outcome.errorKind ?? 'transient')
    case 'cancelled':
      return say.report.cancelled
    case 'dry-run':
      return say.report.dryRun
    default:
      return isHealthy(outcome, now) && outcome.expiry
        ? say.report.healthy(outcome.expiry)
        : say.report.notHealthy(outcome.expiry, now)
  }
}
