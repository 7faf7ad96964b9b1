import * as core from '@actions/core'
import { getOctokit } from '@actions/github'
import { setTimeout as sleep } from 'node:timers/promises'
import { createGitHubApi } from './github-secrets.js'
import { INPUT_NAMES, type RawInputs } from './inputs.js'
import { run } from './main.js'
import { createTokenPoster } from './oauth-client.js'
import { redact } from './redact.js'
import { DEFAULT_RETRY_POLICY } from './retry.js'
import { createSodiumSealer } from './sealed-box.js'

const USER_AGENT = 'refresh-oauth-secrets'

/**
 * Inputs straight from the runner's environment, keeping "absent" apart from "empty": the runner always
 * sets inputs that have defaults, so absence only happens in a local run without action.yml.
 */
function readInputs(env: NodeJS.ProcessEnv): RawInputs {
  const inputs: RawInputs = {}
  for (const name of INPUT_NAMES) {
    const value = env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`]
    if (value !== undefined) inputs[name] = value.trim()
  }
  // What action.yml's defaults give on a runner, for a run without them.
  inputs.repository ||= env.GITHUB_REPOSITORY
  inputs['github-api-url'] ||= env.GITHUB_API_URL
  return inputs
}

/** The test suites shorten the backoff with this; a workflow has no reason to set it. */
const baseDelayMs =
  Number(process.env.REFRESH_OAUTH_SECRETS_RETRY_BASE_MS) || DEFAULT_RETRY_POLICY.baseDelayMs

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)

await run({
  inputs: readInputs(process.env),
  mask: core.setSecret,
  log: {
    info: core.info,
    notice: core.notice,
    warning: core.warning,
    error: core.error,
    debug: (message) => core.debug(redact(message))
  },
  setOutput: core.setOutput,
  setFailed: core.setFailed,
  async writeSummary(summary) {
    if (!process.env.GITHUB_STEP_SUMMARY) return
    core.summary.addHeading(escapeHtml(summary.heading), 3)
    if (summary.table.length) {
      const [head = [], ...rows] = summary.table
      core.summary.addTable([
        head.map((data) => ({ data: escapeHtml(data), header: true })),
        ...rows.map((row) => row.map(escapeHtml))
      ])
    }
    for (const note of summary.notes) {
      // A note's first line is prose; what follows it (recovery commands) is to be copied, so it is code.
      const [prose = '', ...rest] = note.split('\n')
      core.summary.addRaw(`<p>${escapeHtml(prose)}</p>`, true)
      if (rest.length) core.summary.addCodeBlock(escapeHtml(rest.join('\n')), 'sh')
    }
    await core.summary.write()
  },
  githubApi: (config) =>
    createGitHubApi(
      getOctokit(config.githubToken, {
        baseUrl: config.githubApiUrl,
        userAgent: USER_AGENT,
        request: { retries: 0 }
      }),
      config.target,
      config.requestTimeoutMs,
      (message) => core.debug(redact(message))
    ),
  postToken: (config) => createTokenPoster({ timeoutMs: config.requestTimeoutMs, userAgent: USER_AGENT }),
  sealer: createSodiumSealer(),
  now: () => new Date(),
  sleep: (ms) => sleep(ms),
  retryDelays: { baseDelayMs, maxDelayMs: DEFAULT_RETRY_POLICY.maxDelayMs }
})
