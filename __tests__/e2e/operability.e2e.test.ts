/**
 * Telling people before it breaks, through the bundle as the runner runs it (node24): the writer token's
 * expiry as an annotation and an output, the alert issue, check mode, and the recovery line opened by the
 * documented command. The in-process suite (__tests__/operability.test.ts) covers every branch; these
 * prove the runner's side of each: annotations, outputs, the job summary, the process's exit.
 */
import { leakedValues } from '../../harness/fixture.js'
import { NODE24, NODE24_AVAILABLE } from '../../harness/runtimes.js'
import { useFixturePerTest } from '../support/fixture-per-test.js'
import { withRecoveryKey } from '../support/recovery-key.js'

const describeNode24 = NODE24_AVAILABLE ? describe : describe.skip
const WORKFLOW = {
  GITHUB_WORKFLOW_REF: 'octo/widgets/.github/workflows/refresh-oauth-token.yml@refs/heads/main',
  GITHUB_SERVER_URL: 'https://github.example',
  GITHUB_RUN_ID: '4242'
}

describeNode24('telling people, dist under node24', () => {
  const { fx, run } = useFixturePerTest(NODE24)

  it('a writer token in its last days: an error annotation, the output and the summary; the run still rotates', async () => {
    const token = 'github_pat_11SOON000000000000000000000000000000000000000000000000000000000000'
    fx().github.addToken(token, { expiresAt: new Date(Date.now() + 2 * 86_400_000) })
    const result = await run({ 'github-token': token })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(
      /^::error::The writer token \(the secret WIZARD_SECRET_REFRESH_PAT\) expires at .* in [12] days/m
    )
    expect(Date.parse(result.outputs['github-token-expires-at'] ?? '')).toBeGreaterThan(Date.now())
    expect(result.summary).toContain('Healthy: rotated')
    expect(result.summary).toContain('The writer token expires at')
  })

  it('a refused token opens the alert issue with the steps, naming the real workflow and the run', async () => {
    fx().github.addToken('ghs_job', {})
    fx().oauth.injectFault({
      kind: 'status',
      status: 400,
      body: { error: 'invalid_grant', error_description: 'used' }
    })
    const result = await run({ 'alert-issue': 'true', 'workflow-token': 'ghs_job' }, WORKFLOW)
    expect(result.exitCode).toBe(1)
    expect(result.summary).toContain('Failed (terminal). Next step:')
    const [issue] = fx().github.issues('octo/widgets')
    expect(issue?.body).toContain('gh workflow run refresh-oauth-token.yml --repo octo/widgets')
    expect(issue?.body).toContain('https://github.example/octo/widgets/actions/runs/4242')
    expect(result.masked).toContain('ghs_job')
    expect(leakedValues(result, [fx().initialRefreshToken, 'ghs_job'])).toEqual([])
  })

  it('check mode: healthy with no secret at all, and a red gate when too little is left', async () => {
    const healthy = await run({
      'check-valid-for': '10m',
      'expires-at': new Date(Date.now() + 3600_000).toISOString(),
      'refresh-token': '',
      'github-token': ''
    })
    expect(healthy.exitCode).toBe(0)
    expect(healthy.outputs.status).toBe('healthy')
    const late = await run({
      'check-valid-for': '10m',
      'expires-at': new Date(Date.now() + 60_000).toISOString(),
      'refresh-token': '',
      'github-token': ''
    })
    expect(late.exitCode).toBe(1)
    expect(late.outputs['error-kind']).toBe('check')
    expect(fx().github.requests).toEqual([])
  })

  it('a refresh-token write that fails for good prints the recovery line; the documented command opens it', async () => {
    await withRecoveryKey(async (key) => {
      fx().github.injectFault(
        { method: 'PUT', path: /WIZARD_REFRESH_TOKEN$/ },
        { kind: 'status', status: 500 },
        1000
      )
      const result = await run({
        'recovery-public-key': key.publicKey,
        'refresh-token-write-timeout': '1s',
        'max-attempts': '1'
      })
      expect(result.exitCode).toBe(1)
      expect(result.outputs['error-kind']).toBe('store')
      const sealed =
        /Recovery: the new refresh token, sealed to recovery-public-key: (\S+) /.exec(result.stdout)?.[1] ??
        ''
      expect(sealed).not.toBe('')
      expect(result.summary).toContain(sealed)
      const token = await key.open(sealed)
      // The token the server issued, opened by its owner: live, and never in the log.
      expect(await fx().oauth.isRefreshTokenLive(token)).toBe(true)
      expect(leakedValues(result, [token])).toEqual([])
    })
  })
})
