/** The entry point the runner starts: the real collaborators, wired into the pipeline in main.ts. */
import * as core from '@actions/core'
import { setTimeout as sleep } from 'node:timers/promises'
import { createOctokit } from './github/octokit.js'
import { run } from './main.js'
import { createTokenPoster } from './oauth/post-token.js'
import { proxyCredentials } from './report/redact.js'
import { createSodiumSealer } from './rotation/sealed-box.js'

for (const credential of proxyCredentials(process.env)) core.setSecret(credential)

await run({
  core,
  context: { repository: process.env.GITHUB_REPOSITORY, apiUrl: process.env.GITHUB_API_URL },
  createOctokit,
  createTokenPoster,
  sealer: createSodiumSealer(),
  now: () => new Date(),
  sleep: (ms) => sleep(ms)
})
