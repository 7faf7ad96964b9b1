/**
 * Telling people before it breaks (issue #12), in-process against the real servers: the writer token's
 * expiry, a writer token that does not expire, a missed run, advice that fits each failure, the recovery
 * seal, check mode and the summary's first line.
 */
import { createTokenPoster } from '../src/oauth/post-token.js'
import { usePipeline } from './support/in-process.js'
import { withRecoveryKey } from './support/recovery-key.js'

const pipeline = usePipeline()
const { stored, variables, runOnce, fx } = pipeline
const DAY = 86_400_000
const WORKFLOW_REF = 'octo/widgets/.github/workflows/refresh-oauth-token.yml@refs/heads/main'
const inWorkflow = { deps: { context: { repository: 'octo/widgets', workflowRef: WORKFLOW_REF } } }

describe('the writer token’s expiry', () => {
  async function runWithTokenExpiringIn(days: number | undefined) {
    const token = `github_pat_11EXPIRING${String(days).replace('.', '_')}000000000000000000000000000000000000`
    fx().github.addToken(token, {
      expiresAt: days === undefined ? undefined : new Date(Date.now() + days * DAY)
    })
    return runOnce({ 'github-token': token })
  }

  it('far off: no annotation, but the output and the summary say when', async () => {
    const { report, seen } = await runWithTokenExpiringIn(60)
    expect(report.status).toBe('rotated')
    expect(seen.lines.filter((line) => /^(warning|error): The writer token/.test(line))).toEqual([])
    const expiresAt = Date.parse(seen.outputs['github-token-expires-at'] ?? '')
    expect(Math.abs(expiresAt - (Date.now() + 60 * DAY))).toBeLessThan(5000)
    expect(seen.summary).toContain('The writer token expires at ')
  })

  it('within writer-token-warn-days: a warning naming the secret and how to renew it', async () => {
    const { report, seen } = await runWithTokenExpiringIn(10)
    expect(report.status).toBe('rotated')
    const warning = seen.lines.find((line) => line.startsWith('warning: The writer token'))
    expect(warning).toContain('(the secret WIZARD_SECRET_REFRESH_PAT) expires at')
    expect(warning).toMatch(/in (9|10) days/)
    expect(warning).toContain('gh secret set WIZARD_SECRET_REFRESH_PAT')
    expect(seen.summary).toContain('expires at')
  })

  it('in its last three days: an error-level annotation, and the run still rotates', async () => {
    const { report, seen } = await runWithTokenExpiringIn(0.5)
    expect(report.status).toBe('rotated')
    expect(seen.failed).toBeUndefined()
    expect(seen.lines.find((line) => line.startsWith('error: The writer token'))).toMatch(/in 1[12] hours/)
  })

  it('a token that does not expire (a GitHub App installation token, ghs_…): no expiry, no warning', async () => {
    const { report, seen } = await runWithTokenExpiringIn(undefined)
    expect(report.status).toBe('rotated')
    expect(seen.outputs['github-token-expires-at']).toBe('')
    expect(seen.lines.filter((line) => line.includes('The writer token'))).toEqual([])
  })

  it('an installation-style token writes like a PAT', async () => {
    const app = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a'
    fx().github.addToken(app)
    const { report } = await runOnce({ 'github-token': app })
    expect(report.status).toBe('rotated')
    expect(await fx().oauth.isRefreshTokenLive(stored().WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
  })

  it('expired or revoked (401): says so, names the secret and where to renew it; nothing was spent', async () => {
    fx().github.addToken('github_pat_expired', { expired: true })
    const { report, seen } = await runOnce({
      'github-token': 'github_pat_expired',
      'writer-token-secret': 'CI_WRITER'
    })
    expect(report).toMatchObject({ status: 'failed', errorKind: 'preflight' })
    expect(seen.failed).toContain(
      'The writer token is expired or revoked (GitHub answered 401: Bad credentials)'
    )
    expect(seen.failed).toContain('https://github.com/settings/personal-access-tokens')
    expect(seen.failed).toContain('gh secret set CI_WRITER --repo octo/widgets')
    expect(seen.summary).toContain('Failed (preflight). Next step: fix the writer token')
    expect(fx().oauth.tokenRequests).toBe(0)
  })
})

describe('a missed or late run', () => {
  it('says how long the token was dead, in the log and the summary, and rotates', async () => {
    const expired = new Date(Date.now() - 25 * 60_000).toISOString()
    fx().github.setVariable(fx().repo.repository, 'WIZARD_EXPIRES_AT', expired)
    const { report, seen } = await runOnce({
      'expires-at-variable': 'WIZARD_EXPIRES_AT',
      'expires-at': expired
    })
    expect(report.status).toBe('rotated')
    const warning = seen.lines.find((line) => line.startsWith('warning: The stored expiry'))
    expect(warning).toMatch(/passed 25m( \d+s)? ago: the run before this one was missed or late/)
    expect(seen.summary).toContain('was missed or late')
  })

  it('stays quiet when the stored token is still alive', async () => {
    const alive = new Date(Date.now() + 5 * 60_000).toISOString()
    const { seen } = await runOnce({ 'expires-at': alive })
    expect(seen.lines.filter((line) => line.includes('missed or late'))).toEqual([])
  })
})

describe('advice that fits the failure', () => {
  const refuse = (status: number, error: string) =>
    fx().oauth.injectFault({ kind: 'status', status, body: { error, error_description: 'refused' } })

  it('invalid_client: the client or zone, not a new sign-in; the token is unspent', async () => {
    const token = await fx().oauth.mintRefreshToken({ clientId: fx().oauth.confidentialClient.id })
    const { report, seen } = await runOnce(
      { 'refresh-token': token, 'client-id': fx().oauth.confidentialClient.id, 'client-secret': 'wrong' },
      inWorkflow
    )
    expect(report).toMatchObject({ status: 'failed', errorKind: 'terminal' })
    expect(seen.failed).toContain('refused the client')
    expect(seen.failed).toContain('check client-id and client-secret')
    expect(seen.failed).toContain('gh workflow run refresh-oauth-token.yml --repo octo/widgets')
    expect(seen.failed).not.toContain('signs in again')
    expect(await fx().oauth.isRefreshTokenLive(token)).toBe(true)
  })

  it('invalid_scope: the scope input', async () => {
    refuse(400, 'invalid_scope')
    const { seen } = await runOnce({ scope: 'admin' })
    expect(seen.failed).toContain('refused the scope "admin"')
    expect(seen.failed).not.toContain('signs in again')
  })

  it('a 404 from the token URL: the endpoint inputs', async () => {
    fx().oauth.injectFault({ kind: 'status', status: 404, body: 'Not Found' })
    const { seen } = await runOnce()
    expect(seen.failed).toContain(
      'does not answer like an OAuth token endpoint (the token endpoint answered 404)'
    )
    expect(seen.failed).toContain('(token-url), client')
  })

  it('invalid_grant: a new sign-in, with the real workflow named, and the zone it used', async () => {
    refuse(400, 'invalid_grant')
    const { seen } = await runOnce({}, inWorkflow)
    expect(seen.failed).toContain('no longer accepts this refresh token')
    expect(seen.failed).toContain('gh secret set WIZARD_REFRESH_TOKEN --repo octo/widgets')
    expect(seen.failed).toContain('gh workflow run refresh-oauth-token.yml --repo octo/widgets')
  })

  it('an empty zone (an unset variable) is named, and the refusal mentions the zone it used', async () => {
    // The zone's real endpoint is never contacted: this poster stands in for it and refuses the token.
    const refusing = () => async () => ({ status: 400, headers: {}, body: '{"error":"invalid_grant"}' })
    const { seen } = await runOnce({ zone: '', 'token-url': '' }, { deps: { createTokenPoster: refusing } })
    expect(seen.lines.find((line) => line.startsWith('warning: The zone input is empty'))).toContain(
      'uses zone us'
    )
    expect(seen.failed).toContain('this run used zone us')
  })
})

describe('a way back without signing in again (recovery-public-key)', () => {
  it('a refresh-token write that fails for good prints the token sealed to the key; the documented command opens it', async () => {
    await withRecoveryKey(async (key) => {
      fx().github.injectFault(
        { method: 'PUT', path: /WIZARD_REFRESH_TOKEN$/ },
        { kind: 'status', status: 500 },
        1000
      )
      let handedOver = ''
      const { report, seen, leaks } = await runOnce(
        { 'recovery-public-key': key.publicKey, 'refresh-token-write-timeout': '1s', 'max-attempts': '1' },
        {
          deps: {
            createTokenPoster: (options) => async (request) => {
              const answer = await createTokenPoster(options)(request)
              handedOver = (JSON.parse(answer.body) as { refresh_token: string }).refresh_token
              return answer
            }
          }
        }
      )
      expect(report).toMatchObject({ status: 'failed', errorKind: 'store' })
      const line = seen.lines.find((entry) => entry.startsWith('warning: Recovery: '))
      const sealed = /sealed to recovery-public-key: (\S+) /.exec(line ?? '')?.[1] ?? ''
      expect(line).toContain(
        `node scripts/recover.mjs ${sealed} | gh secret set WIZARD_REFRESH_TOKEN --repo octo/widgets`
      )
      expect(seen.summary).toContain(sealed)
      expect(leaks([handedOver])).toEqual([])
      const opened = await key.open(sealed)
      expect(opened).toBe(handedOver)
      expect(await fx().oauth.isRefreshTokenLive(opened)).toBe(true)
    })
  })

  it('without the key, nothing is printed beyond the usual failure', async () => {
    fx().github.injectFault(
      { method: 'PUT', path: /WIZARD_REFRESH_TOKEN$/ },
      { kind: 'status', status: 500 },
      1000
    )
    const { seen } = await runOnce({ 'refresh-token-write-timeout': '1s', 'max-attempts': '1' })
    expect(seen.lines.filter((line) => line.includes('Recovery:'))).toEqual([])
  })

  it('refuses a key that is not one', async () => {
    const { report, seen } = await runOnce({ 'recovery-public-key': 'not-a-key' })
    expect(report).toMatchObject({ status: 'failed', errorKind: 'input' })
    expect(seen.failed).toContain(
      'Input "recovery-public-key" (got "not-a-key") must be a base64 X25519 public key'
    )
  })
})

describe('check mode, for consumer workflows', () => {
  it('healthy while the stored token has enough life left; no refresh token, no writer token, no request', async () => {
    const until = new Date(Date.now() + 40 * 60_000).toISOString()
    const { report, seen } = await runOnce({
      'check-valid-for': '10m',
      'expires-at': until,
      'refresh-token': '',
      'github-token': ''
    })
    expect(report.status).toBe('healthy')
    expect(seen.outputs['expires-at']).toBe(until)
    expect(seen.summary).toContain('Healthy: the access token is valid until')
    expect(fx().github.requests).toEqual([])
    expect(fx().oauth.tokenRequests).toBe(0)
  })

  it('fails when too little is left, saying rotation has stopped', async () => {
    const soon = new Date(Date.now() + 4 * 60_000).toISOString()
    const { report, seen } = await runOnce({
      'check-valid-for': '10m',
      'expires-at': soon,
      'refresh-token': ''
    })
    expect(report).toMatchObject({ status: 'failed', errorKind: 'check' })
    expect(seen.failed).toContain('rotation has stopped or is late')
  })

  it('reads the expiry variable with a read token when expires-at is not given', async () => {
    fx().github.setVariable(
      fx().repo.repository,
      'WIZARD_EXPIRES_AT',
      new Date(Date.now() + 3600_000).toISOString()
    )
    const { report } = await runOnce({
      'check-valid-for': '10m',
      'expires-at-variable': 'WIZARD_EXPIRES_AT',
      'refresh-token': ''
    })
    expect(report.status).toBe('healthy')
    expect(fx().github.requests.map((request) => request.method)).toEqual(['GET'])
    expect(variables().WIZARD_ROTATION_LOCK).toBeUndefined()
  })

  it('fails clearly when there is nothing to check', async () => {
    const { report, seen } = await runOnce({
      'check-valid-for': '10m',
      'refresh-token': '',
      'github-token': ''
    })
    expect(report).toMatchObject({ status: 'failed', errorKind: 'input' })
    expect(seen.failed).toContain('Input "check-valid-for"')
  })
})

describe('a failure a person hears about (alert-issue), and a schedule that stays alive (keep-alive)', () => {
  const JOB_TOKEN = 'ghs_jobtoken0000000000000000000000000000'
  const alerting = { 'alert-issue': 'true', 'keep-alive': 'true', 'workflow-token': JOB_TOKEN }
  const refuse = () =>
    fx().oauth.injectFault({
      kind: 'status',
      status: 400,
      body: { error: 'invalid_grant', error_description: 'The refresh token was already used.' }
    })

  it('opens one issue on a failure that needs a person, adds to it on the next, closes it on a rotation', async () => {
    fx().github.addToken(JOB_TOKEN)
    refuse()
    const first = await runOnce(alerting, inWorkflow)
    expect(first.report.errorKind).toBe('terminal')
    expect(first.seen.lines).toContain('info: Alert issue: opened #1.')
    const [issue] = fx().github.issues('octo/widgets')
    expect(issue?.title).toBe(
      'OAuth token rotation needs a person: octo/widgets WIZARD_REFRESH_TOKEN (terminal)'
    )
    expect(issue?.body).toContain('gh secret set WIZARD_REFRESH_TOKEN --repo octo/widgets')
    expect(issue?.body).not.toContain(fx().initialRefreshToken)

    refuse()
    const second = await runOnce(alerting, inWorkflow)
    expect(second.seen.lines).toContain('info: Alert issue: updated #1.')
    expect(fx().github.issues('octo/widgets')).toHaveLength(1)
    expect(issue?.comments).toHaveLength(1)

    const healed = await runOnce(alerting, inWorkflow)
    expect(healed.report.status).toBe('rotated')
    expect(healed.seen.lines).toContain('info: Alert issue: closed #1.')
    expect(issue?.state).toBe('closed')
    for (const text of [issue?.body ?? '', ...(issue?.comments ?? [])]) {
      for (const token of [
        fx().initialRefreshToken,
        stored().WIZARD_REFRESH_TOKEN,
        stored().WIZARD_OAUTH_TOKEN
      ]) {
        expect(text).not.toContain(token)
      }
    }
  })

  it('keeps its own workflow enabled on every run', async () => {
    fx().github.addToken(JOB_TOKEN)
    await runOnce(alerting, inWorkflow)
    await runOnce(alerting, inWorkflow)
    expect(fx().github.workflowsEnabled('octo/widgets')).toEqual([
      'refresh-oauth-token.yml',
      'refresh-oauth-token.yml'
    ])
  })

  it('without issues: write or actions: write, warns and carries on; the run’s outcome is unchanged', async () => {
    fx().github.addToken(JOB_TOKEN, { canWriteIssues: false, canWriteActions: false })
    refuse()
    const { report, seen } = await runOnce(alerting, inWorkflow)
    expect(report.errorKind).toBe('terminal')
    const log = seen.lines.join('\n')
    expect(log).toContain('warning: Could not update the alert issue on octo/widgets (GitHub answered 403')
    expect(log).toContain('give the job `permissions: issues: write`')
    expect(log).toContain('warning: Could not keep the schedule of refresh-oauth-token.yml alive')
    expect(fx().github.issues('octo/widgets')).toEqual([])
  })

  it('is off unless asked for', async () => {
    refuse()
    await runOnce({}, inWorkflow)
    expect(fx().github.issues('octo/widgets')).toEqual([])
    expect(fx().github.workflowsEnabled('octo/widgets')).toEqual([])
  })
})
