import type { ErrorKind } from '../errors.js'
import { formatDuration } from '../inputs/duration.js'
import { describeTarget, type Target } from '../inputs/schema.js'
import type { Expiry } from '../oauth/expiry.js'
import type { Written } from '../rotation/store.js'

export type Status =
  | 'rotated'
  | 'skipped-stale'
  | 'skipped-valid'
  | 'skipped-locked'
  | 'dry-run'
  | 'healthy'
  | 'cancelled'
  | 'failed'

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
  /** When the writer token expires, as GitHub said; undefined when it did not say (no expiry, or no answer). */
  writerTokenExpiresAt?: Date
  /** Things a person should know even on success (a missed run, a writer token about to expire). */
  warnings?: string[]
}

/** Every output the action sets, as strings. The access token itself is set apart, already masked. */
export function outputsFor(report: RunReport): Record<string, string> {
  return {
    status: report.status,
    'expires-at': report.expiry?.expiresAt.toISOString() ?? '',
    'expires-in': report.expiry ? String(report.expiry.expiresIn) : '',
    'refresh-token-rotated': String(report.refreshTokenRotated),
    'secrets-written': report.written
      .filter((w) => w.what !== 'expiry variable')
      .map((w) => w.name)
      .join(','),
    'error-kind': report.errorKind ?? '',
    'github-token-expires-at': report.writerTokenExpiresAt?.toISOString() ?? ''
  }
}

export interface Summary {
  heading: string
  /** The one line a person reads first: healthy, skipped and why, or failed and the one step to take. */
  headline: string
  table: string[][]
  notes: string[]
}

/** The one step a failure asks of a person, by kind. */
const NEXT_STEP: Record<ErrorKind, string> = {
  input: 'fix the input named below; nothing was spent.',
  preflight: 'fix the writer token as below; nothing was spent.',
  terminal: 'follow the steps below; every run fails the same way until then.',
  transient: 'nothing; the next scheduled run retries with the stored token.',
  concurrent: 'nothing; the other run owns this rotation.',
  store: 'follow the steps below.',
  response: 'check the token endpoint; any new refresh token was stored first.',
  unknown: 'run the workflow by hand to find out whether the token still works (below).',
  cancelled: 'nothing; nothing was spent, and the next run rotates.',
  check: 'find out why rotation stopped: look at the rotation workflow’s last runs.'
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
    healthy: `OAuth token check on ${where}`,
    cancelled: `OAuth rotation cancelled on ${where} before the grant: nothing was spent`,
    failed: `OAuth secret rotation failed on ${where}`
  }
  const heading = headings[report.status]
  const headline = headlineFor(report)
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
  if (report.status === 'rotated' && report.expiry && report.expiry.source !== 'stored') {
    const rotatedAt = new Date(report.expiry.expiresAt.getTime() - report.expiry.expiresIn * 1000)
    notes.push(`Last rotation: this run, at ${rotatedAt.toISOString()}.`)
  }
  if (report.attempts && report.attempts > 1) {
    notes.push(`The token request succeeded on attempt ${report.attempts}, after transient failures.`)
  }
  if (report.status === 'rotated' && !report.refreshTokenRotated) {
    notes.push('The server did not issue a new refresh token; the stored one was kept.')
  }
  if (report.writerTokenExpiresAt) {
    notes.push(`The writer token expires at ${report.writerTokenExpiresAt.toISOString()}.`)
  }
  notes.push(...(report.warnings ?? []))
  if (report.message) notes.push(report.message)
  return { heading, headline, table: report.written.length ? table : [], notes }
}

function headlineFor(report: RunReport): string {
  const until = report.expiry
    ? ` until ${report.expiry.expiresAt.toISOString()} (${formatDuration(report.expiry.expiresIn)} left)`
    : ''
  switch (report.status) {
    case 'rotated':
      return `Healthy: rotated; the new access token is valid${until}.`
    case 'healthy':
      return `Healthy: the access token is valid${until}.`
    case 'skipped-valid':
      return `Healthy: skipped; the current access token is valid${until}.`
    case 'skipped-stale':
      return 'Healthy: skipped; another run rotated after this job started.'
    case 'skipped-locked':
      return 'Healthy: skipped; another run is rotating right now.'
    case 'dry-run':
      return 'Dry run: nothing was spent or rotated.'
    case 'cancelled':
      return `Cancelled before the grant. Next step: ${NEXT_STEP.cancelled}`
    case 'failed':
      return `Failed (${report.errorKind ?? 'unknown'}). Next step: ${NEXT_STEP[report.errorKind ?? 'unknown']}`
  }
}
