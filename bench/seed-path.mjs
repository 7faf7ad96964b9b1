#!/usr/bin/env node
/**
 * The path the hourly workflow took before the action, kept for `npm run bench` to compare against: one
 * dependency-free Node script that does the refresh grant with `fetch`, then writes each secret with its
 * own `gh secret set` process, one after the other (refresh token first, expiry last).
 *
 * Environment:
 *   SEED_TOKEN_URL        the token endpoint
 *   SEED_CLIENT_ID        the public client's id
 *   WIZARD_REFRESH_TOKEN  the stored refresh token (the workflow passed `${{ secrets.WIZARD_REFRESH_TOKEN }}`)
 *   SEED_REPO             `[HOST/]OWNER/REPO` for `gh secret set --repo`
 *   SEED_GH_COMMAND       optional JSON array, the command standing for `gh` (default `["gh"]`)
 * plus whatever `gh` needs to reach and authenticate to the host (GH_HOST, GH_ENTERPRISE_TOKEN, ...).
 */
import { spawn } from 'node:child_process'

const need = (name) => {
  const value = process.env[name]
  if (!value) {
    console.error(`seed-path: ${name} is not set`)
    process.exit(2)
  }
  return value
}
const tokenUrl = need('SEED_TOKEN_URL')
const clientId = need('SEED_CLIENT_ID')
const refreshToken = need('WIZARD_REFRESH_TOKEN')
const repo = need('SEED_REPO')
const gh = JSON.parse(process.env.SEED_GH_COMMAND || '["gh"]')

// The expiry counts from when the request was sent, so it is never later than the server's.
const sentAt = Date.now()
const response = await fetch(tokenUrl, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
  body: new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: clientId
  }).toString()
})
const text = await response.text()
if (!response.ok) {
  console.error(`seed-path: the token endpoint answered ${response.status}`)
  process.exit(1)
}
const tokens = JSON.parse(text)
if (typeof tokens.access_token !== 'string' || typeof tokens.expires_in !== 'number') {
  console.error('seed-path: the token endpoint gave no access_token or expires_in')
  process.exit(1)
}
const expiresAt = new Date(sentAt + tokens.expires_in * 1000).toISOString()

const writes = [
  ['WIZARD_REFRESH_TOKEN', tokens.refresh_token],
  ['WIZARD_OAUTH_TOKEN', tokens.access_token],
  ['WIZARD_EXPIRES_AT', expiresAt]
].filter(([, value]) => typeof value === 'string' && value !== '')

for (const [name, value] of writes) {
  const [command, ...prefix] = gh
  const code = await new Promise((resolve, reject) => {
    const child = spawn(command, [...prefix, 'secret', 'set', name, '--repo', repo, '--body', value], {
      stdio: ['ignore', 'inherit', 'inherit']
    })
    child.on('error', reject)
    child.on('close', resolve)
  })
  if (code !== 0) {
    console.error(`seed-path: gh secret set ${name} exited with ${code}`)
    process.exit(1)
  }
}
console.log(`seed-path: wrote ${writes.map(([name]) => name).join(', ')}; expires at ${expiresAt}`)
