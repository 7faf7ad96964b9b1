/**
 * The local servers for a real runner: `tsx harness/serve.ts DIR` starts the OAuth server and the GitHub
 * stand-in, seeds a repository as a bootstrap would, and writes DIR/env (LOCAL_* lines for GITHUB_ENV).
 * When DIR/check appears, it checks what a `uses: ./` step left behind, writes DIR/result (first line `ok`
 * or `failed`) and exits. CI's `action` job drives it; it stops by itself after ten minutes.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { PAT, startFixture } from './fixture.js'

const dir = process.argv[2]
if (!dir) {
  console.error('usage: tsx harness/serve.ts DIR')
  process.exit(2)
}
mkdirSync(dir, { recursive: true })
const fx = await startFixture()
const env = {
  LOCAL_REFRESH_TOKEN: fx.initialRefreshToken,
  LOCAL_TOKEN_URL: fx.oauth.tokenUrl,
  LOCAL_CLIENT_ID: fx.oauth.publicClientId,
  LOCAL_PAT: PAT,
  LOCAL_GITHUB_API_URL: fx.github.url,
  LOCAL_REPOSITORY: fx.repo.repository
}
writeFileSync(
  join(dir, 'env'),
  Object.entries(env)
    .map(([name, value]) => `${name}=${value}\n`)
    .join('')
)
console.log(`serving: OAuth ${fx.oauth.tokenUrl}, GitHub ${fx.github.url}`)

const deadline = Date.now() + 10 * 60_000
while (!existsSync(join(dir, 'check')) && Date.now() < deadline) await sleep(200)

const stored = fx.github.secrets(fx.repo)
const checks: [string, boolean][] = [
  ['the refresh token was rotated', stored.WIZARD_REFRESH_TOKEN !== fx.initialRefreshToken],
  ['the stored refresh token is live', await fx.oauth.isRefreshTokenLive(stored.WIZARD_REFRESH_TOKEN ?? '')],
  ['the bootstrapped refresh token is spent', !(await fx.oauth.isRefreshTokenLive(fx.initialRefreshToken))],
  ['the stored access token is live', await fx.oauth.isAccessTokenLive(stored.WIZARD_OAUTH_TOKEN ?? '')],
  [
    'the expiry variable mirrors the secret',
    fx.github.variables(fx.repo.repository).WIZARD_EXPIRES_AT === stored.WIZARD_EXPIRES_AT
  ],
  ['exactly one grant reached the server', fx.oauth.grantsReachedProvider === 1]
]
const failed = checks.filter(([, ok]) => !ok)
const lines = [
  failed.length ? 'failed' : 'ok',
  `expires-at ${stored.WIZARD_EXPIRES_AT ?? ''}`,
  ...checks.map(([what, ok]) => `${ok ? 'PASS' : 'FAIL'} ${what}`)
]
writeFileSync(join(dir, 'result'), `${lines.join('\n')}\n`)
await fx.close()
process.exit(failed.length ? 1 : 0)
