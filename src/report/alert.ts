import type { ErrorKind } from '../errors.js'
import { GitHubError, toGitHubError } from '../github/errors.js'
import type { Octokit } from '../github/octokit.js'
import { say } from '../messages.js'
import type { Outcome } from '../outcome.js'

/**
 * Failures a person should hear of: the next run will not fix them, or may not. An `unknown` grant is one:
 * if the server had rotated and the answer was lost, no client can recover the token, and the run that met it
 * is the one to say so (the next rotation closes the issue when the one more presentation works).
 */
const NEEDS_A_PERSON: ReadonlySet<ErrorKind> = new Set([
  'input',
  'preflight',
  'guard',
  'terminal',
  'concurrent',
  'unknown',
  'lost',
  'response'
])

function needsAPerson(outcome: Outcome): boolean {
  return (
    outcome.status === 'failed' && outcome.errorKind !== undefined && NEEDS_A_PERSON.has(outcome.errorKind)
  )
}

/** The label every alert issue carries: how the action finds its issues (a search by label, paginated). */
export const ALERT_LABEL = 'refresh-oauth-secrets'

/**
 * Marks the one issue kept per target (repository, environment and refresh-token secret), so one target's
 * rotation never closes another's alert.
 */
export function alertMarker(target: string): string {
  return `<!-- refresh-oauth-secrets:alert ${target.replace(/--/g, '')} -->`
}

export type AlertPlan =
  | { action: 'open'; title: string; body: string; marker: string }
  | { action: 'close'; comment: string; marker: string }
  | { action: 'none' }

/**
 * What the alert issue should become after this run: open exactly while a person is needed. GitHub mails a
 * failed scheduled run only to whoever last edited its cron line, so a failure that needs a person opens one
 * issue (or adds to the open one), and so does a writer token in its last days; the next rotation closes it.
 */
export function planAlert(
  outcome: Outcome,
  target: string,
  writerTokenUrgent: string | undefined,
  runUrl: string | undefined
): AlertPlan {
  const marker = alertMarker(target)
  if (needsAPerson(outcome)) {
    return {
      action: 'open',
      title: say.alert.title(target, outcome.errorKind ?? 'failed'),
      marker,
      body: `${marker}\n${say.alert.body(outcome.errorKind === 'unknown' ? say.alert.unknownLead : say.alert.failedLead, outcome.message ?? '', runUrl)}`
    }
  }
  if (writerTokenUrgent) {
    return {
      action: 'open',
      title: say.alert.title(target, say.alert.writerTokenKind),
      marker,
      body: `${marker}\n${say.alert.body(say.alert.writerTokenLead, writerTokenUrgent, runUrl)}`
    }
  }
  if (outcome.status === 'rotated') return { action: 'close', marker, comment: say.alert.closing(runUrl) }
  return { action: 'none' }
}

/**
 * Carries out the plan on the workflow's own repository with the job's token (`issues: write`): one open
 * issue at most, found by its label and marker across every page; a new failure is added as a comment.
 * Texts pass `redact` before they leave. A 410 (issues turned off, as in a fork) is its own answer.
 *
 * Each call rides out GitHub's trouble on its own (`patiently`), so a burst on the list does not use up the
 * tries of the write after it. The one write that must not land twice, opening the issue, lists again before
 * it is sent again: a create whose answer was lost may have opened it.
 */
export async function applyAlert(
  octokit: Octokit,
  repository: { owner: string; repo: string },
  plan: AlertPlan,
  redact: (text: string) => string,
  patiently: <T>(send: () => Promise<T>) => Promise<T>
): Promise<string> {
  if (plan.action === 'none') return say.alert.applied.nothing
  const call = <T>(send: () => Promise<T>) =>
    patiently(() =>
      send().catch((error: unknown) => {
        throw toGitHubError(error)
      })
    )
  const findOpen = async () => {
    const open = await octokit.paginate(octokit.rest.issues.listForRepo, {
      ...repository,
      state: 'open',
      labels: ALERT_LABEL,
      per_page: 100
    })
    return open.find((issue) => !issue.pull_request && issue.body?.includes(plan.marker))
  }
  const comment = (issue: number, body: string) =>
    call(() => octokit.rest.issues.createComment({ ...repository, issue_number: issue, body: redact(body) }))
  const current = await call(findOpen)
  if (plan.action === 'close') {
    if (!current) return say.alert.applied.noneOpen
    await comment(current.number, plan.comment)
    await call(() =>
      octokit.rest.issues.update({ ...repository, issue_number: current.number, state: 'closed' })
    )
    return say.alert.applied.closed(current.number)
  }
  if (current) {
    await comment(current.number, plan.body)
    return say.alert.applied.updated(current.number)
  }
  const body = redact(plan.body)
  let sent = false
  const opened = await call(async () => {
    const meanwhile = sent ? await findOpen() : undefined
    sent = true
    if (meanwhile) return { number: meanwhile.number, body: meanwhile.body }
    const { data } = await octokit.rest.issues.create({
      ...repository,
      title: redact(plan.title),
      body,
      labels: [ALERT_LABEL]
    })
    return { number: data.number, body }
  })
  if (opened.body === body) return say.alert.applied.opened(opened.number)
  // Another run opened it between this run's tries: this run's failure goes in as a comment.
  await comment(opened.number, plan.body)
  return say.alert.applied.updated(opened.number)
}

/** Issues are turned off on the repository: GitHub answers 410 Gone. */
export function issuesDisabled(error: unknown): boolean {
  return error instanceof GitHubError && error.status === 410
}
