/**
 * `npm run demo`: the whole rotation on this machine, no account needed. Starts a real OAuth server
 * (oidc-provider, refresh-token rotation on) and a GitHub REST stand-in on 127.0.0.1, seeds a repository
 * with a refresh token as a person's bootstrap would, runs the committed dist/index.js twice the way the
 * Actions runner does (the hourly chain), and shows what it did and what is left behind.
 */
import { existsSync } from 'node:fs'
import { startFixture } from './fixture.js'
import { ACTION_ENTRY, type ActionRun } from './run-action.js'

if (!existsSync(ACTION_ENTRY)) {
  console.error('dist/index.js is missing: run `npm run bundle` first.')
  process.exit(1)
}

const fx = await startFixture()
const short = (token: string | undefined) =>
  token ? `${token.slice(0, 6)}… (${token.length} chars)` : '(none)'

function show(title: string, run: ActionRun): void {
  console.log(`\n── ${title}: exit ${run.exitCode}, ${Math.round(run.durationMs)} ms`)
  for (const line of run.stdout.split('\n')) {
    if (!line || line.startsWith('::add-mask::')) continue
    // ::debug:: lines reach a workflow's log only with step debug logging on (ACTIONS_STEP_DEBUG).
    const debug = line.startsWith('::debug::')
    console.log(`   ${debug ? 'debug' : '  log'} │ ${debug ? line.slice('::debug::'.length) : line}`)
  }
  const masked = run.masked.length
  console.log(
    `   (${masked} values registered with ::add-mask::, so the runner hides them in every log line)`
  )
  const { 'access-token': _, ...outputs } = run.outputs
  for (const [name, value] of Object.entries(outputs)) console.log(`   output │ ${name} = ${value}`)
}

try {
  console.log(`OAuth server (oidc-provider):  ${fx.oauth.tokenUrl}`)
  console.log(`GitHub REST stand-in:          ${fx.github.url}  (repository ${fx.repo.repository})`)
  console.log(`Bootstrapped refresh token:    ${short(fx.initialRefreshToken)}`)

  for (const title of ['Run 1 (hourly cron)', 'Run 2 (the next hour, with the token run 1 stored)']) {
    const run = await fx.run()
    show(title, run)
    if (run.exitCode !== 0) throw new Error(`${title} failed`)
  }

  const stored = fx.github.secrets(fx.repo)
  console.log('\n── What the repository holds now (decrypted by the stand-in with libsodium):')
  console.log(
    `   WIZARD_REFRESH_TOKEN  ${short(stored.WIZARD_REFRESH_TOKEN)}  live at the OAuth server: ${await fx.oauth.isRefreshTokenLive(stored.WIZARD_REFRESH_TOKEN ?? '')}`
  )
  console.log(
    `   WIZARD_OAUTH_TOKEN    ${short(stored.WIZARD_OAUTH_TOKEN)}  live: ${await fx.oauth.isAccessTokenLive(stored.WIZARD_OAUTH_TOKEN ?? '')}`
  )
  console.log(`   WIZARD_EXPIRES_AT     ${stored.WIZARD_EXPIRES_AT}`)
  console.log(
    `   The bootstrapped token is spent (live: ${await fx.oauth.isRefreshTokenLive(fx.initialRefreshToken)}), as Hydra's rotation requires.`
  )
  console.log(`   Requests: ${fx.oauth.tokenRequests} grants, ${fx.github.requests.length} GitHub API calls.`)
} finally {
  await fx.close()
}
