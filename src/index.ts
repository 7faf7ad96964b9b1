import * as core from '@actions/core'
import { getOctokit } from '@actions/github'
import { createSecretsApi } from './github-secrets.js'
import { INPUT_NAMES, type RawInputs } from './inputs.js'
import { run } from './main.js'
import { createTokenPoster } from './oauth-client.js'
import { createSodiumSealer } from './sealed-box.js'

const USER_AGENT = 'refresh-oauth-secrets'
const REQUEST_TIMEOUT_MS = 30_000

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
  inputs.repository ||= env.GITHUB_REPOSITORY
  return inputs
}

await run({
  inputs: readInputs(process.env),
  mask: core.setSecret,
  log: { info: core.info, notice: core.notice, error: core.error },
  setOutput: core.setOutput,
  setFailed: core.setFailed,
  async writeSummary(summary) {
    if (!process.env.GITHUB_STEP_SUMMARY) return
    core.summary.addHeading(summary.heading, 3)
    if (summary.table.length) {
      const [head = [], ...rows] = summary.table
      core.summary.addTable([head.map((data) => ({ data, header: true })), ...rows])
    }
    for (const note of summary.notes) core.summary.addRaw(note, true).addEOL()
    await core.summary.write()
  },
  secretsApi: (config) =>
    createSecretsApi(
      getOctokit(config.githubToken, { userAgent: USER_AGENT, request: { retries: 0 } }),
      config.target
    ),
  postToken: () => createTokenPoster({ timeoutMs: REQUEST_TIMEOUT_MS, userAgent: USER_AGENT }),
  sealer: createSodiumSealer(),
  now: () => new Date()
})
