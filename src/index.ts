/** The entry point the runner starts: the real collaborators, wired into the pipeline in main.ts. */
import * as core from '@actions/core'
import { setTimeout as sleep } from 'node:timers/promises'
import { Cancellation } from './cancellation.js'
import { createOctokit } from './github/octokit.js'
import { run } from './main.js'
import { createTokenPoster } from './oauth/post-token.js'
import { proxyCredentials } from './report/redact.js'
import { outputsFor, type RunReport } from './report/report.js'
import { createSodiumSealer } from './rotation/sealed-box.js'

// The runner cancels with SIGINT, then SIGTERM; a handler keeps Node from dying mid-write.
const cancellation = new Cancellation(core.warning, (message) => {
  const report: RunReport = {
    status: 'cancelled',
    errorKind: 'cancelled',
    written: [],
    refreshTokenRotated: false
  }
  for (const [name, value] of Object.entries(outputsFor(report))) core.setOutput(name, value)
  core.setFailed(`[cancelled] ${message}`)
  process.exit(1)
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => cancellation.request(signal))

const {
  GITHUB_REPOSITORY,
  GITHUB_API_URL,
  GITHUB_WORKFLOW,
  GITHUB_WORKFLOW_REF,
  GITHUB_SERVER_URL,
  GITHUB_RUN_ID,
  GITHUB_RUN_ATTEMPT
} = process.env

try {
  for (const credential of proxyCredentials(process.env)) core.setSecret(credential)
  await run({
    core,
    context: {
      repository: GITHUB_REPOSITORY,
      apiUrl: GITHUB_API_URL,
      workflowRef: GITHUB_WORKFLOW_REF,
      runUrl:
        GITHUB_SERVER_URL && GITHUB_REPOSITORY && GITHUB_RUN_ID
          ? `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`
          : undefined,
      runLabel: GITHUB_RUN_ID
        ? `workflow "${GITHUB_WORKFLOW ?? ''}" run ${GITHUB_RUN_ID} attempt ${GITHUB_RUN_ATTEMPT ?? '1'}`
        : undefined
    },
    createOctokit,
    createTokenPoster,
    cancellation,
    sealer: createSodiumSealer(),
    now: () => new Date(),
    sleep: (ms) => sleep(ms)
  })
} catch (error) {
  // run() reports every failure itself; this is the last line of defence against a stack trace.
  core.setFailed(`[transient] Unexpected failure: ${error instanceof Error ? error.message : String(error)}`)
}
