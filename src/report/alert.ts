import type { ErrorKind } from '../errors.js'
import type { Octokit } from '../github/octokit.js'
import { redact } from './redact.js'
import type { RunReport } from './report.js'

/** Failures that wait for a person: retrying, or the next run, will not fix them. */
const NEEDS_A_PERSON: ReadonlySet<ErrorKind> = new Set([
  'input',
  'preflight',
  'terminal',
  'store',
  'response',
  'unknown'
])

/**
 * Marks the one issue this action keeps for a target (repository, environment and refresh-token secret),
 * so it finds it again without relying on labels, and one target's rotation never closes another's alert.
 */
export function alertMarker(target: string): string {
  return `<!-- refresh-oauth-secrets:alert ${target.replace(/--/g, '')} -->`
}

export type AlertAction =
  | { action: 'open'; title: string; body: string; marker: string }
  | { action: 'close'; comment: string; marker: string }
  | { action: 'none' }

/**
 * What the alert issue should become after this run. GitHub mails a failed scheduled run only to whoever
 * last edited its cron line, so a failure that needs a person opens one issue (or adds to the open one);
 * the next rotation closes it. A writer token in its last days opens it too, before anything fails.
 */
export function planAlert(
  report: RunReport,
  target: string,
  writerTokenUrgent: string | undefined,
  runUrl: string | undefined
): AlertAction {
  const marker = alertMarker(target)
  const link = runUrl ? `\n\nThe run: ${runUrl}` : ''
  if (report.status === 'failed' && report.errorKind && NEEDS_A_PERSON.has(report.errorKind)) {
    return {
      action: 'open',
      title: `OAuth token rotation needs a person: ${target} (${report.errorKind})`,
      marker,
      body: redact(
        `${marker}\n**The rotation of the OAuth secrets failed, and the next run will fail the same way.**\n\n` +
          `${fence(report.message ?? '')}${link}\n\nThis issue closes itself on the next successful rotation.`
      )
    }
  }
  if (writerTokenUrgent) {
    return {
      action: 'open',
      title: `OAuth token rotation needs a person: ${target} (the writer token expires)`,
      marker,
      body: redact(`${marker}\n${fence(writerTokenUrgent)}${link}`)
    }
  }
  if (report.status === 'rotated') {
    return {
      action: 'close',
      marker,
      comment: `Rotated again${runUrl ? ` (${runUrl})` : ''}: the secrets are current. Closing.`
    }
  }
  return { action: 'none' }
}

/** A message with recovery commands: the prose, then the commands in a block a person can copy. */
function fence(message: string): string {
  const [prose = '', ...commands] = message.split('\n')
  return commands.length ? `${prose}\n\n\`\`\`sh\n${commands.join('\n')}\n\`\`\`` : prose
}

/**
 * Carries out the plan on the workflow's own repository with the job's token (`issues: write`): one open
 * issue at most, found by its marker; a new failure is added as a comment rather than a second issue.
 */
export async function applyAlert(
  octokit: Octokit,
  repository: { owner: string; repo: string },
  plan: AlertAction
): Promise<string> {
  if (plan.action === 'none') return 'nothing to do'
  const { data: open } = await octokit.rest.issues.listForRepo({
    ...repository,
    state: 'open',
    per_page: 100
  })
  const current = open.find((issue) => !issue.pull_request && issue.body?.includes(plan.marker))
  if (plan.action === 'close') {
    if (!current) return 'no open alert'
    await octokit.rest.issues.createComment({
      ...repository,
      issue_number: current.number,
      body: plan.comment
    })
    await octokit.rest.issues.update({ ...repository, issue_number: current.number, state: 'closed' })
    return `closed #${current.number}`
  }
  if (current) {
    await octokit.rest.issues.createComment({ ...repository, issue_number: current.number, body: plan.body })
    return `updated #${current.number}`
  }
  const { data: created } = await octokit.rest.issues.create({
    ...repository,
    title: plan.title,
    body: plan.body
  })
  return `opened #${created.number}`
}
