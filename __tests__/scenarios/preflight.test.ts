/** Everything that stops a run before the grant: nothing is spent, and the message names the fix. */
import { JOB_TOKEN, PAT } from '../../harness/fixture.js'
import { PREFLIGHT_BUDGET_MS } from '../../src/timing.js'
import { MINUTE, useWorld } from '../support/world.js'

const world = useWorld()

describe('bad input', () => {
  it('is named, every one at once, before any request; secrets never quoted', async () => {
    const w = world()
    const run = await w.run({
      inputs: {
        zone: 'mars',
        'token-url': 'http://auth.example.com/token',
        repository: 'not a repo',
        'skip-if-valid-for': 'soon',
        'dry-run': 'yes',
        'access-token-secret': 'GITHUB_TOKEN',
        'recovery-public-key': 'short',
        'client-secret': 'hunter2-but-longer'
      }
    })
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'input' })
    for (const name of [
      'zone',
      'token-url',
      'repository',
      'skip-if-valid-for',
      'dry-run',
      'access-token-secret',
      'recovery-public-key'
    ])
      expect(run.failed).toContain(`Input "${name}"`)
    expect(w.fx.github.requests).toEqual([])
    expect(w.fx.oauth.tokenRequests).toBe(0)
    expect(run.leaks(['hunter2-but-longer'])).toEqual([])
  })

  it('a missing refresh token or writer token is named for what it is', async () => {
    const w = world()
    const run = await w.run({ inputs: { 'refresh-token': '', 'writer-token': '' } })
    expect(run.failed).toMatch(/Input "refresh-token" is required/)
    expect(run.failed).toMatch(/Input "writer-token" is required: a fine-grained personal access token/)
    expect(w.fx.github.requests).toEqual([])
  })

  it('an empty zone (an unset variable) is a warning, and the us zone', async () => {
    const w = world()
    const run = await w.run({ inputs: { zone: '', 'token-url': '', 'dry-run': 'true' } })
    expect(run.log).toMatch(/warning: The zone input is empty/)
  })
})

describe('the writer token', () => {
  it('without Variables write: preflight, naming the permission GitHub wants; nothing spent', async () => {
    const w = world()
    w.fx.github.addToken(PAT, { canWriteVariables: false })
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'preflight' })
    expect(run.failed).toMatch(/GitHub wants actions_variables=write/)
    expect(run.failed).toMatch(/Variables: read and write/)
    expect(w.fx.oauth.presented).toEqual([])
  })

  it('without Secrets write: preflight at the write proof, and the claim given back', async () => {
    const w = world()
    w.fx.github.addToken(PAT, { canWriteSecrets: false, canWriteVariables: true })
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'preflight' })
    expect(run.failed).toMatch(/secrets=write/)
    expect(w.fx.oauth.presented).toEqual([])
    expect(Object.keys(w.variables()).filter((name) => name.includes('_CLAIM_'))).toEqual([])
  })

  it('expired or revoked (401): how to renew it, and under which secret to store it', async () => {
    const w = world()
    w.fx.github.addToken(PAT, { expired: true })
    const run = await w.run({ inputs: { 'writer-token-secret': 'MY_WRITER' } })
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'preflight' })
    expect(run.failed).toContain('gh secret set MY_WRITER --repo octo/widgets')
  })

  it('that cannot see the repository (404): preflight', async () => {
    const w = world()
    w.fx.github.addToken(PAT, { repositories: ['someone/else'] })
    expect((await w.run()).outcome).toMatchObject({ status: 'failed', errorKind: 'preflight' })
  })
})

describe('GitHub unwell before the grant', () => {
  it('a rate limit of a minute and a half on the key read: waited out, rotates', async () => {
    const w = world()
    w.fx.github.injectFault(
      { method: 'GET', path: /public-key$/ },
      {
        kind: 'status',
        status: 429,
        body: { message: 'API rate limit exceeded' },
        headers: { 'retry-after': '90' }
      }
    )
    expect((await w.run()).outcome.status).toBe('rotated')
  })

  it('down for longer than a call may wait: transient, nothing spent, the claim given back', async () => {
    const w = world()
    w.fx.github.injectFault({ method: 'GET', path: /public-key$/ }, { kind: 'status', status: 503 }, 100)
    const started = w.clock.ms
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'transient' })
    expect(w.clock.ms - started).toBeLessThanOrEqual(PREFLIGHT_BUDGET_MS + MINUTE)
    expect(w.fx.oauth.presented).toEqual([])
    expect(Object.keys(w.variables()).filter((name) => name.includes('_CLAIM_'))).toEqual([])
  })

  it('hanging: each attempt ends at its deadline, and the run ends transient', async () => {
    const w = world()
    w.fx.github.injectFault({ method: 'GET', path: /public-key$/ }, { kind: 'hang' }, 100)
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'transient' })
    expect(w.fx.oauth.presented).toEqual([])
  })

  it('a renamed repository (a redirect): preflight, saying so', async () => {
    const w = world()
    w.fx.github.injectFault(
      { method: 'GET', path: /public-key$/ },
      {
        kind: 'status',
        status: 301,
        body: { message: 'Moved Permanently' },
        headers: { location: 'https://api.github.com/repositories/1' }
      }
    )
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'preflight' })
    expect(run.failed).toMatch(/renamed repository/)
  })
})

describe('secrets in every output', () => {
  it('a token server that echoes the client secret, with HTML and URL characters, in its error: in no log line, summary, output or issue, in any form', async () => {
    const w = world()
    const secret = 'cs_<b>&"x y/z+w?=1\'' + 'k'.repeat(12)
    w.fx.oauth.injectFault({
      kind: 'status',
      status: 401,
      body: {
        error: 'invalid_client',
        error_description: `client secret ${secret} is wrong (${encodeURIComponent(secret)})`
      }
    })
    const run = await w.run({ inputs: { 'client-secret': secret, 'alert-issue': 'true' } })
    expect(run.outcome.errorKind).toBe('terminal')
    expect(run.leaks([secret, PAT, JOB_TOKEN])).toEqual([])
    const issue = w.fx.github.issues(w.fx.repo.repository)[0]
    expect(issue).toBeDefined()
    expect(`${issue?.title}\n${issue?.body}`).not.toContain(secret)
    expect(issue?.body).not.toContain(encodeURIComponent(secret))
    expect(run.summary).not.toContain('&#60;b&#62;&#38;')
  })
})

describe('a rate limit whose wait runs out before the grant', () => {
  it('is transient (the next run may pass), never a missing permission', async () => {
    const w = world()
    w.fx.github.injectFault(
      { method: 'GET', path: /public-key$/ },
      {
        kind: 'status',
        status: 403,
        body: { message: 'You have exceeded a secondary rate limit.' },
        headers: { 'retry-after': '600' }
      }
    )
    const run = await w.run({ inputs: { 'alert-issue': 'true' } })
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'transient' })
    expect(w.fx.github.issues(w.fx.repo.repository)).toEqual([])
  })

  it('a writer token with too few calls left in its window: the grant is not sent', async () => {
    const w = world()
    w.fx.github.injectFault(
      { method: 'PUT', path: /WIZARD_WRITE_CHECK$/ },
      {
        kind: 'status',
        status: 201,
        body: {},
        headers: {
          'x-ratelimit-remaining': '3',
          'x-ratelimit-reset': String(Math.floor(w.clock.ms / 1000) + 1800)
        }
      }
    )
    const run = await w.run()
    expect(run.outcome).toMatchObject({ status: 'failed', errorKind: 'transient' })
    expect(run.failed).toMatch(/only 3 GitHub calls left/)
    expect(w.fx.oauth.presented).toEqual([])
  })
})
