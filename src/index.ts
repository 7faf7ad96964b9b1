import { setTimeout as sleep } from 'node:timers/promises'
import { createGitHubApi } from './github-secrets.js'
import { createHttpSend, proxyCredentials, proxyWarning, type HttpClient } from './http.js'
import { run } from './main.js'
import { createTokenPoster } from './oauth-client.js'
import { redact } from './redact.js'
import { DEFAULT_RETRY_POLICY } from './retry.js'
import { createRunner, readInputs } from './runner.js'
import { createSodiumSealer } from './sealed-box.js'

const USER_AGENT = 'refresh-oauth-secrets'

/** The test suites shorten the backoff with this; a workflow has no reason to set it. */
const baseDelayMs =
  Number(process.env.REFRESH_OAUTH_SECRETS_RETRY_BASE_MS) || DEFAULT_RETRY_POLICY.baseDelayMs

const runner = createRunner()
const debug = (message: string) => runner.debug(redact(message))
for (const credential of proxyCredentials(process.env)) runner.mask(credential)
const unusableProxy = proxyWarning(process.env, process.version)
if (unusableProxy) runner.warning(unusableProxy)

/** Every HTTP client the run opens, closed at the end so no idle connection outlives it. */
const clients: HttpClient[] = []
const client = (options: Parameters<typeof createHttpSend>[0]) => {
  const opened = createHttpSend(options)
  clients.push(opened)
  return opened
}

await run({
  inputs: readInputs(process.env),
  mask: runner.mask,
  log: { info: runner.info, notice: runner.notice, warning: runner.warning, error: runner.error, debug },
  setOutput: runner.setOutput,
  setFailed: runner.setFailed,
  writeSummary: async (summary) => runner.writeSummary(summary),
  githubApi: (config) =>
    createGitHubApi({
      send: client({ timeoutMs: config.requestTimeoutMs }),
      apiUrl: config.githubApiUrl,
      token: config.githubToken,
      userAgent: USER_AGENT,
      target: config.target,
      debug
    }),
  // One grant a run: a fresh connection for each attempt, so a retry never lands on one the server closed.
  postToken: (config) =>
    createTokenPoster(client({ timeoutMs: config.requestTimeoutMs, keepAlive: false }), USER_AGENT),
  sealer: createSodiumSealer(),
  now: () => new Date(),
  sleep: (ms) => sleep(ms),
  retryDelays: { baseDelayMs, maxDelayMs: DEFAULT_RETRY_POLICY.maxDelayMs }
})
for (const opened of clients) opened.close()
