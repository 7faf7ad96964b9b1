import type { ErrorKind } from '../errors.js'
import { formatDuration } from '../inputs/duration.js'
import { describeTarget, type Target } from '../inputs/schema.js'
import type { Expiry } from '../oauth/expiry.js'
import type { Written } from '../rotation/store.js'

export type Status =
  'rotated' | 'skipped-stale' | 'skipped-valid' | 'skipped-locked' | 'dry-run' | 'cancelled' | 'failed'

export interface RunReport {
  status: Status
  target?: Target
  written: Written[]
  expiry?: Expiry
  refreshTokenRotated: boolean
  errorKind?: ErrorKind
  message?: string
  /** Token requests this run made (more than one means transient failures were retried). */
  attempts?: number
}

/** Every output the action sets, as strings. The access token itself is set apart, already masked. */
export function outputsFor(report: RunReport): Record<string, string> {
  return {
    status: report.status,
    'expires-at': report.expiry?.expiresAt.toISOString() ?? '',
    'expires-in': report.expiry ? String(report.expiry.expiresIn) : '',
    'refresh-token-rotated': String(report.refreshTokenRotated),
    'secrets-written': report.written.map((w) => w.name).join(','),
    'error-kind': report.errorKind ?? ''
  }
}

export interface Summary {
  heading: string
  table: string[][]
  notes: string[]
}

/** What a person sees in the job summary: names, times and outcomes, never a value. */
export function summaryFor(report: RunReport): Summary {
  const where = report.target ? describeTarget(report.target) : 'the target'
  const headings: Record<Status, string> = {
    rotated: `OAuth secrets rotated on ${where}`,
    'skipped-stale': `OAuth rotation skipped on ${where}: another run already rotated`,
    'skipped-valid': `OAuth rotation skipped on ${where}: the current token is still valid`,
    'skipped-locked': `OAuth rotation skipped on ${where}: another run holds the lock`,
    'dry-run': `OAuth rotation dry run on ${where}`,
    cancelled: `OAuth rotation cancelled on ${where} before the grant: nothing was spent`,
    failed: `OAuth secret rotation failed on ${where}`
  }
  const heading = headings[report.status]
  const table = [['Secret', 'What', 'Result'], ...report.written.map((w) => [w.name, w.what, w.result])]
  const notes: string[] = []
  if (report.expiry) {
    const source = {
      expires_in: "the server's expires_in",
      'jwt-exp': "the token's exp claim",
      stored: 'the stored expiry'
    }
    const which = report.expiry.source === 'stored' ? 'The current' : 'The new'
    notes.push(
      `${which} access token expires at ${report.expiry.expiresAt.toISOString()} (in ${formatDuration(report.expiry.expiresIn)}, from ${source[report.expiry.source]}).`
    )
  }
  if (report.attempts && report.attempts > 1) {
    notes.push(`The token request succeeded on attempt ${report.attempts}, after transient failures.`)
  }
  if (report.status === 'rotated' && !report.refreshTokenRotated) {
    notes.push('The server did not issue a new refresh token; the stored one was kept.')
  }
  if (report.message) notes.push(report.message)
  return { heading, table: report.written.length ? table : [], notes }
}
