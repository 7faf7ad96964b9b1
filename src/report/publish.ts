import type { Clock } from '../clock.js'
import { classifyGitHubFailure, toGitHubError } from '../github/errors.js'
import { retrying } from '../retry.js'
import { GITHUB_ATTEMPTS, REPORT_BUDGET_MS } from '../timing.js'
import { createOctokit } from '../github/octokit.js'
import { parseTokenExpiration, writerTokenLevel } from '../github/token-expiry.js'
import { say } from '../messages.js'
import type { Outcome } from '../outcome.js'
import type { ActionCore, RunContext } from '../runner.js'
import { applyAlert, issuesDisabled, planAlert } from './alert.js'
import type { Redactor } from '../redact.js'
import { isHealthy, outputsFor, summaryFor } from './report.js'
import { writeJobSummary } from './summary.js'

export interface PublishDeps {
  core: ActionCore
  context: RunContext
  clock: Clock
  random: () => number
  fetch?: typeof fetch
  redactor: Redactor
  /** Epoch ms: telling people may keep trying until then (and for REPORT_BUDGET_MS at least). */
  reportBy?: number
}

/**
 * The outcome, told: outputs, one log line, the job summary, the step's failure, then (best effort, with the
 * job's own token) the alert issue and the schedule's keep-alive. Never throws: the outcome is decided, and
 * a second report would contradict it; what cannot be told is a warning.
 */
export async function publish(deps: PublishDeps, outcome: Outcome): Promise<void> {
  const { core, clock } = deps
  const now = clock.now()
  const unless = (what: string) => (error: unknown) => core.warning(say.report.couldNot(what, error))
  const extra: string[] = []
  const writerTokenExpiresAt = parseTokenExpiration(outcome.writerTokenHeader)
  let urgent: string | undefined
  const level = writerTokenExpiresAt && writerTokenLevel(writerTokenExpiresAt, now)
  if (writerTokenExpiresAt && level && outcome.config) {
    const message = say.writerToken.expires(writerTokenExpiresAt, now, outcome.config.names.writerToken)
    core[level](message)
    extra.push(message)
    if (level === 'error') urgent = message
  } else if (writerTokenExpiresAt) {
    extra.push(say.report.writerTokenExpiresAt(writerTokenExpiresAt))
  }
  try {
    // Masked the moment the answer was parsed; the output only carries it to later steps.
    if (outcome.accessToken) core.setOutput('access-token', outcome.accessToken)
    for (const [name, value] of Object.entries(outputsFor(outcome, now, writerTokenExpiresAt)))
      core.setOutput(name, deps.redactor.redact(value))
  } catch (error) {
    unless('set the outputs')(error)
  }
  if (outcome.status === 'rotated') core.info(say.report.rotatedLine(outcome.written, outcome.expiry))
  else if (outcome.message && outcome.status !== 'failed' && outcome.status !== 'cancelled') {
    if (outcome.status.startsWith('skipped') && !isHealthy(outcome, now))
      core.warning(`${outcome.message} ${say.report.notHealthy(outcome.expiry, now)}`)
    else core.notice(outcome.message)
  }
  await writeJobSummary(summaryFor(outcome, now, extra), core.summary, (text) =>
    deps.redactor.redact(text)
  ).catch(unless('write the job summary'))
  if (outcome.status === 'failed' || outcome.status === 'cancelled')
    core.setFailed(`[${outcome.errorKind ?? 'cancelled'}] ${outcome.message ?? ''}`)
  await tellPeople(deps, outcome, urgent).catch(unless('tell people'))
}

/**
 * The alert issue and the keep-alive ride out what a GitHub call does (a 5xx, a rate limit of a minute or two)
 * through the same retry rule as every other call: an issue a person needed is not lost to one bad answer.
 * Each call has its own tries; all of them end by one deadline, set once when telling starts, so the report
 * ends inside the job's timeout however many calls it makes.
 */
function patiently<T>(deps: PublishDeps, deadline: number, send: () => Promise<T>): Promise<T> {
  return retrying(
    send,
    (error) => classifyGitHubFailure(error, deps.clock.now().getTime()),
    { attempts: GITHUB_ATTEMPTS, deadline },
    deps
  )
}

async function tellPeople(deps: PublishDeps, outcome: Outcome, urgent: string | undefined): Promise<void> {
  const config = outcome.config
  if (!config?.jobToken || (!config.alertIssue && !config.keepAlive)) return
  const home = config.workflow?.repository ?? deps.context.repository ?? config.target.repository
  const [owner = '', repo = ''] = home.split('/')
  const octokit = createOctokit({
    token: config.jobToken,
    baseUrl: deps.context.apiUrl || config.apiUrl,
    userAgent: 'refresh-oauth-secrets',
    fetch: deps.fetch,
    debug: deps.core.debug
  })
  const deadline = Math.max(deps.clock.now().getTime() + REPORT_BUDGET_MS, deps.reportBy ?? 0)
  const tasks: Promise<void>[] = []
  if (config.alertIssue) {
    const target = `${config.target.repository}${config.target.environment ? ` (${config.target.environment})` : ''} ${config.names.refreshToken}`
    const plan = planAlert(outcome, target, urgent, deps.context.runUrl)
    tasks.push(
      applyAlert(
        octokit,
        { owner, repo },
        plan,
        (text) => deps.redactor.redact(text),
        (send) => patiently(deps, deadline, send)
      ).then(
        (done) => deps.core.info(say.alert.done(done)),
        (error: unknown) =>
          deps.core.warning(issuesDisabled(error) ? say.alert.disabled(home) : say.alert.failed(home, error))
      )
    )
  }
  if (config.keepAlive) {
    const file = config.workflow?.file
    tasks.push(
      file
        ? patiently(deps, deadline, () =>
            octokit.rest.actions
              .enableWorkflow({ owner, repo, workflow_id: file })
              .catch((error: unknown) => {
                throw toGitHubError(error)
              })
          ).then(
            () => deps.core.debug(say.keepAlive.enabled(file, home)),
            (error: unknown) => deps.core.warning(say.keepAlive.failed(file, toGitHubError(error)))
          )
        : Promise.resolve(deps.core.warning(say.keepAlive.unknownWorkflow))
    )
  }
  await Promise.all(tasks)
}
