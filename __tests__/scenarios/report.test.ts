/** Telling people: the alert issue open exactly while a person is needed, the writer token's expiry, keep-alive. */
import { JOB_TOKEN, PAT } from '../../harness/fixture.js'
import { createOctokit } from '../../src/github/octokit.js'
import { Redactor } from '../../src/redact.js'
import { applyAlert, planAlert } from '../../src/report/alert.js'
import { publish } from '../../src/report/publish.js'
import { REPORT_BUDGET_MS } from '../../src/timing.js'
import { recordingCore } from '../../harness/world.js'
import { DAY, useWorld } from '../support/world.js'

const world = useWorld()
const alerting = { 'alert-issue': 'true', 'keep-alive': 'true' }

describe('the alert issue', () => {
  it('opens on a failure that needs a person, with the steps in a code block; the next rotation closes it', async () => {
    const w = world()
    const repository = w.fx.repo.repository
    w.fx.oauth.injectFault({ kind: 'status', status: 400, body: { error: 'invalid_client' } })
    const failed = await w.run({ inputs: alerting })
    expect(failed.outcome.errorKind).toBe('terminal')
    const [issue] = w.fx.github.issues(repository)
    expect(issue).toMatchObject({ state: 'open', labels: ['refresh-oauth-secrets'] })
    expect(issue?.title).toMatch(/needs a person: octo\/widgets WIZARD_REFRESH_TOKEN \(terminal\)/)
    expect(failed.log).toMatch(/Alert issue: opened #1/)

    // The same failure again: one issue, with a comment, not a second issue.
    w.fx.oauth.injectFault({ kind: 'status', status: 400, body: { error: 'invalid_client' } })
    await w.run({ inputs: alerting })
    expect(w.fx.github.issues(repository)).toHaveLength(1)
    expect(w.fx.github.issues(repository)[0]?.comments).toHaveLength(1)

    const rotated = await w.run({ inputs: alerting })
    expect(rotated.outcome.status).toBe('rotated')
    expect(w.fx.github.issues(repository)[0]?.state).toBe('closed')
    expect(w.fx.github.workflowsEnabled(repository)).toEqual([
      'refresh-oauth-token.yml',
      'refresh-oauth-token.yml',
      'refresh-oauth-token.yml'
    ])
  })

  it('is found among more than a hundred open issues, by its label', async () => {
    const w = world()
    const repository = w.fx.repo.repository
    w.fx.oauth.injectFault({ kind: 'status', status: 400, body: { error: 'invalid_client' } })
    await w.run({ inputs: alerting })
    for (let i = 0; i < 120; i++) await createIssue(w.fx.github.url, `unrelated ${i}`)
    expect((await w.run({ inputs: alerting })).outcome.status).toBe('rotated')
    expect(w.fx.github.issues(repository)[0]?.state).toBe('closed')
  })

  it('an unknown grant opens it: if the server had rotated, no client can recover; the run after the hold closes it when it rotates', async () => {
    const w = world()
    w.fx.oauth.injectFault({ kind: 'drop-response' })
    const run = await w.run({ inputs: alerting })
    expect(run.outcome.errorKind).toBe('unknown')
    expect(w.fx.github.issues(w.fx.repo.repository)[0]?.state).toBe('open')
  })

  it('an unknown grant meeting two bursts of 5xx, one on the list and one on the create: the issue still opens (each call has its own tries)', async () => {
    // Seen in the year soak: the list failed four times, then the create met a burst of its own, and the
    // six tries shared by both ran out; the next run opened the issue 17 minutes late.
    const w = world()
    w.fx.oauth.injectFault({ kind: 'drop-response' })
    w.fx.github.injectFault({ method: 'GET', path: /\/issues$/ }, { kind: 'status', status: 502 }, 4)
    w.fx.github.injectFault({ method: 'POST', path: /\/issues$/ }, { kind: 'status', status: 503 }, 4)
    const run = await w.run({ inputs: alerting })
    expect(run.outcome.errorKind).toBe('unknown')
    expect(run.log).toMatch(/Alert issue: opened #1\./)
    // Left behind: the one open issue, and the token held as unknown (the next run after the hold presents it).
    expect(w.fx.github.issues(w.fx.repo.repository).map((issue) => issue.state)).toEqual(['open'])
  })

  it('a create whose answer was lost after GitHub opened the issue: the retry finds it, and no second issue is opened', async () => {
    const w = world()
    w.fx.oauth.injectFault({ kind: 'status', status: 400, body: { error: 'invalid_client' } })
    w.fx.github.injectFault({ method: 'POST', path: /\/issues$/ }, { kind: 'lose-answer' })
    const run = await w.run({ inputs: alerting })
    expect(run.outcome.errorKind).toBe('terminal')
    expect(run.log).toMatch(/Alert issue: opened #1\./)
    expect(w.fx.github.issues(w.fx.repo.repository)).toHaveLength(1)
    expect(w.fx.github.issues(w.fx.repo.repository)[0]?.comments).toEqual([])
  })

  it('another run opened the issue between this run’s tries: this run’s failure goes in as a comment', async () => {
    const w = world()
    const repository = { owner: 'octo', repo: 'widgets' }
    const octokit = createOctokit({
      token: JOB_TOKEN,
      baseUrl: w.fx.github.url,
      userAgent: 'test',
      debug: () => undefined
    })
    const plan = (message: string) =>
      planAlert(
        {
          status: 'failed',
          errorKind: 'terminal',
          message,
          phase: 'not-rotated',
          written: [],
          refreshTokenRotated: false,
          notes: []
        },
        'octo/widgets WIZARD_REFRESH_TOKEN',
        undefined,
        undefined
      )
    w.fx.github.injectFault({ method: 'POST', path: /\/issues$/ }, { kind: 'status', status: 502 })
    let otherRunOpened = false
    const done = await applyAlert(
      octokit,
      repository,
      plan('this run'),
      (text) => text,
      async (send) => {
        try {
          return await send()
        } catch {
          // Between the two tries, another run opens the issue with its own failure.
          await applyAlert(
            octokit,
            repository,
            plan('the other run'),
            (text) => text,
            (again) => again()
          )
          otherRunOpened = true
          return send()
        }
      }
    )
    expect(otherRunOpened).toBe(true)
    expect(done).toBe('updated #1')
    const [issue, ...more] = w.fx.github.issues(w.fx.repo.repository)
    expect(more).toEqual([])
    expect(issue?.body).toMatch(/the other run/)
    expect(issue?.comments).toEqual([expect.stringMatching(/this run/)])
  })

  it('telling that starts late ends by one deadline, however many calls it makes; a rate limit past it is a warning, not a permission hint', async () => {
    // The report after a run whose writes used their whole budget: the list and the create each meet a rate
    // limit of two minutes. Each call once had its own deadline, and the report ran past the job's timeout.
    const w = world()
    w.fx.oauth.injectFault({ kind: 'status', status: 400, body: { error: 'invalid_client' } })
    // The run itself tells no one: its outcome is told below, as from a report that starts late.
    const { outcome } = await w.run({ inputs: { 'alert-issue': 'false' } })
    if (!outcome.config) throw new Error('the run parsed its inputs')
    const limited = {
      kind: 'status',
      status: 403,
      body: { message: 'You have exceeded a secondary rate limit.' },
      headers: { 'retry-after': '120' }
    } as const
    w.fx.github.injectFault({ method: 'GET', path: /\/issues$/ }, limited)
    w.fx.github.injectFault({ method: 'POST', path: /\/issues$/ }, limited)
    const { core, seen } = recordingCore({})
    const startedAt = w.clock.ms
    await publish(
      {
        core,
        context: { repository: 'octo/widgets', apiUrl: w.fx.github.url },
        clock: w.clock,
        random: () => 0.5,
        fetch: (input, init) => w.clock.ticket(() => fetch(input, init)),
        redactor: new Redactor()
      },
      { ...outcome, config: { ...outcome.config, alertIssue: true } }
    )
    expect(w.clock.ms - startedAt).toBeLessThanOrEqual(REPORT_BUDGET_MS)
    const log = seen.lines.join('\n')
    expect(log).toMatch(
      /Could not update the alert issue on octo\/widgets \(GitHub answered 403: .*rate limit/
    )
    expect(log).not.toMatch(/permissions: issues: write/)
    // Left behind: no issue (the create was never let through); the next red run opens it.
    expect(w.fx.github.issues(w.fx.repo.repository)).toEqual([])
  })

  it('issues turned off (410, as in a fork): one clear warning; the run’s outcome is unchanged', async () => {
    const w = world()
    w.fx.github.disableIssues(w.fx.repo.repository)
    const run = await w.run({ inputs: alerting })
    expect(run.outcome.status).toBe('rotated')
    expect(run.log.match(/Issues are turned off on octo\/widgets/g)).toHaveLength(1)
    expect(run.failed).toBeUndefined()
  })

  it('without issues: write on the job token: a warning naming the permission; the run’s outcome is unchanged', async () => {
    const w = world()
    w.fx.github.addToken(JOB_TOKEN, {
      canWriteSecrets: false,
      canWriteVariables: false,
      canWriteIssues: false,
      canWriteActions: false
    })
    w.fx.oauth.injectFault({ kind: 'status', status: 400, body: { error: 'invalid_client' } })
    const run = await w.run({ inputs: alerting })
    expect(run.outcome.errorKind).toBe('terminal')
    expect(run.log).toMatch(/permissions: issues: write/)
    expect(run.log).toMatch(/permissions: actions: write/)
  })

  it('GitHub failing every attempt (5xx): the warning says so, and names no permission the job already has', async () => {
    const w = world()
    w.fx.github.injectFault({ path: /\/issues$/ }, { kind: 'status', status: 502 }, Infinity)
    w.fx.github.injectFault({ path: /\/enable$/ }, { kind: 'status', status: 502 }, Infinity)
    w.fx.oauth.injectFault({ kind: 'status', status: 400, body: { error: 'invalid_client' } })
    const run = await w.run({ inputs: alerting })
    expect(run.outcome.errorKind).toBe('terminal')
    expect(run.log).toMatch(
      /Could not update the alert issue on octo\/widgets \(GitHub answered 502: .*\)\. The next run that needs a person tries again\./
    )
    expect(run.log).toMatch(
      /Could not keep the schedule of refresh-oauth-token.yml alive \(GitHub answered 502/
    )
    expect(run.log).not.toMatch(/permissions: (issues|actions): write/)
    // Left behind: no issue (GitHub never took one), the token as it was (the refusal spent nothing).
    expect(w.fx.github.issues(w.fx.repo.repository)).toEqual([])
  })
})

describe('the writer token’s expiry', () => {
  it('a warning two weeks ahead, an error and the alert issue in its last three days; the output says when', async () => {
    const w = world()
    w.fx.github.addToken(PAT, { expiresAt: new Date(w.clock.ms + 10 * DAY) })
    const warned = await w.run({ inputs: alerting })
    expect(warned.outcome.status).toBe('rotated')
    expect(warned.log).toMatch(
      /warning: The writer token \(the secret WIZARD_SECRET_REFRESH_PAT\) expires at/
    )
    expect(warned.outputs['writer-token-expires-at']).toBe(
      new Date(w.clock.ms + 10 * DAY).toISOString().replace(/\.\d{3}Z$/, '.000Z')
    )
    expect(w.fx.github.issues(w.fx.repo.repository)).toEqual([])

    await w.clock.advance(8 * DAY)
    const urgent = await w.run({ inputs: alerting })
    expect(urgent.outcome.status).toBe('rotated')
    expect(urgent.log).toMatch(/error: The writer token/)
    expect(w.fx.github.issues(w.fx.repo.repository)[0]?.title).toMatch(/the writer token expires/)
  })
})

describe('what cannot be told does not change what happened', () => {
  it('a job summary that cannot be written: a warning; the rotation stands and the step stays green', async () => {
    const w = world()
    const run = await w.run({ summaryFails: true })
    expect(run.outcome.status).toBe('rotated')
    expect(run.log).toMatch(/warning: Could not write the job summary: Unable to find environment variable/)
    expect(run.failed).toBeUndefined()
    // Left behind: the rotated secrets, as in any rotation: the stored refresh token is live.
    expect(await w.fx.oauth.isRefreshTokenLive(w.stored()['WIZARD_REFRESH_TOKEN'] ?? '')).toBe(true)
  })

  it('keep-alive without GITHUB_WORKFLOW_REF: a warning that it cannot tell which workflow to keep enabled', async () => {
    const w = world()
    const run = await w.run({ inputs: { 'keep-alive': 'true' }, context: { workflowRef: '' } })
    expect(run.outcome.status).toBe('rotated')
    expect(run.log).toMatch(/warning: Keep-alive/)
    expect(w.fx.github.workflowsEnabled(w.fx.repo.repository)).toEqual([])
  })

  it('a writer token that expires in months: its date in the summary and the output, no warning', async () => {
    const w = world()
    const expiresAt = new Date(w.clock.ms + 90 * DAY)
    w.fx.github.addToken(PAT, { expiresAt })
    const run = await w.run()
    expect(run.summary).toMatch(/The writer token expires at/)
    expect(run.log).not.toMatch(/warning: The writer token/)
    expect(run.outputs['writer-token-expires-at']).toMatch(/^\d{4}-/)
  })
})

async function createIssue(api: string, title: string): Promise<void> {
  const response = await fetch(`${api}/repos/octo/widgets/issues`, {
    method: 'POST',
    headers: { authorization: `token ${JOB_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title, body: 'x' })
  })
  expect(response.status).toBe(201)
}
