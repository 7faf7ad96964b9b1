/** The entry point the runner starts: the real collaborators, wired into main(). */
import * as core from '@actions/core'
import { Cancellation } from './cancellation.js'
import { systemClock } from './clock.js'
import { main } from './main.js'
import { say } from './messages.js'
import { createTokenPoster } from './oauth/post.js'
import { proxyCredentials } from './redact.js'
import { createSodiumSealer } from './store/seal.js'

const env = process.env

// The runner cancels with SIGINT, then SIGTERM, then SIGKILL: handlers keep Node from dying mid-write. Before
// the grant, the last signal ends the run once its claim is given back.
const cancellation = new Cancellation(core.warning, systemClock, () => {
  core.setOutput('status', 'cancelled')
  core.setOutput('error-kind', 'cancelled')
  core.setFailed(`[cancelled] ${say.cancel.beforeGrant}`)
  process.exit(1)
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => cancellation.request(signal))

try {
  const outcome = await main({
    core,
    context: {
      repository: env.GITHUB_REPOSITORY,
      apiUrl: env.GITHUB_API_URL,
      workflowRef: env.GITHUB_WORKFLOW_REF,
      runUrl:
        env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
          ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
          : undefined,
      runLabel: env.GITHUB_RUN_ID
        ? `workflow "${env.GITHUB_WORKFLOW ?? ''}" run ${env.GITHUB_RUN_ID} attempt ${env.GITHUB_RUN_ATTEMPT ?? '1'}`
        : undefined
    },
    clock: systemClock,
    random: Math.random,
    post: createTokenPoster('refresh-oauth-secrets'),
    sealer: createSodiumSealer(),
    cancellation,
    secrets: proxyCredentials(env)
  })
  // A cancelled run ends now: the runner is about to kill it anyway.
  if (outcome.status === 'cancelled') process.exit(1)
} catch (error) {
  // main() reports every failure itself; this is the last line of defence against a stack trace.
  core.setFailed(say.unexpected(error))
}
