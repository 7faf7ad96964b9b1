/**
 * The shipped workflows and every YAML snippet in the README: they parse, every action is pinned by a full
 * commit SHA with its version beside it, every caller of the reusable workflow grants what its jobs ask for
 * (GitHub refuses the run at start-up otherwise), and the timeouts leave the action its whole run.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { RUN_BUDGET_MS } from '../../src/timing.js'

type Job = {
  permissions?: Record<string, string> | string
  uses?: string
  steps?: { uses?: string; with?: Record<string, unknown> }[]
  'timeout-minutes'?: number
  with?: Record<string, unknown>
}
type Workflow = { on?: unknown; permissions?: unknown; jobs: Record<string, Job> }

const workflows = Object.fromEntries(
  readdirSync('.github/workflows').map((file) => [
    file,
    parse(readFileSync(`.github/workflows/${file}`, 'utf8')) as Workflow
  ])
)
const readme = readFileSync('README.md', 'utf8')
const snippets = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? '')
const readmeWorkflows = snippets.map((text) => parse(text) as Workflow)
const rawUses = (text: string) =>
  [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)].map((m) => [m[1] ?? '', m[2] ?? ''] as const)

const RANK: Record<string, number> = { none: 0, read: 1, write: 2 }
const granted = (permissions: Job['permissions'], name: string) =>
  typeof permissions === 'string'
    ? permissions.includes('write')
      ? 2
      : 1
    : (RANK[permissions?.[name] ?? 'none'] ?? 0)

describe('the workflows', () => {
  it('every README snippet is a workflow that parses, with jobs', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(6)
    for (const workflow of readmeWorkflows) expect(Object.keys(workflow.jobs ?? {}).length).toBeGreaterThan(0)
  })

  it('pins every action by a full commit SHA with its version beside it (this action’s own placeholder apart)', () => {
    const texts = [
      ...Object.keys(workflows).map((file) => readFileSync(`.github/workflows/${file}`, 'utf8')),
      ...snippets
    ]
    for (const text of texts) {
      for (const [uses, rest] of rawUses(text)) {
        if (uses.startsWith('./')) continue
        if (uses.startsWith('OWNER/refresh-oauth-secrets')) {
          expect(uses).toMatch(/@<full-commit-sha>$/)
          continue
        }
        expect(uses).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/)
        expect(rest).toMatch(/# v\d+\.\d+\.\d+/)
      }
    }
  })

  it('every caller of the reusable workflow grants every permission its jobs request', () => {
    const rotate = workflows['rotate.yml']!
    const requested = new Map<string, number>()
    for (const job of Object.values(rotate.jobs))
      for (const [name, level] of Object.entries((job.permissions as Record<string, string>) ?? {}))
        requested.set(name, Math.max(requested.get(name) ?? 0, RANK[level] ?? 0))
    expect([...requested.keys()].sort()).toEqual(['actions', 'contents', 'issues'])
    const callers = [...Object.values(workflows), ...readmeWorkflows].flatMap((workflow) =>
      Object.values(workflow.jobs ?? {}).filter((job) => job.uses?.includes('rotate.yml'))
    )
    expect(callers.length).toBeGreaterThanOrEqual(2)
    for (const caller of callers)
      for (const [name, level] of requested)
        expect({ name, granted: granted(caller.permissions, name) }).toEqual({ name, granted: level })
  })

  it('gives the action its whole run: every job that runs it allows more than the run’s budget, with room for the report', () => {
    const budgetMinutes = RUN_BUDGET_MS / 60_000
    const running = [...Object.values(workflows), ...readmeWorkflows].flatMap((workflow) =>
      Object.values(workflow.jobs ?? {}).filter((job) =>
        job.steps?.some((step) =>
          /refresh-oauth-secrets(@|$)|^\.\/\.refresh-oauth-secrets$/.test(step.uses ?? '')
        )
      )
    )
    expect(running.length).toBeGreaterThanOrEqual(5)
    for (const job of running) expect(job['timeout-minutes']).toBeGreaterThanOrEqual(budgetMinutes + 5)
    expect(readme).toContain(`the action stops acting after ${budgetMinutes} minutes`)
  })

  it('start from no permissions; only the release’s publish job may write contents, and it installs and tests nothing', () => {
    for (const [file, workflow] of Object.entries(workflows)) {
      for (const [name, job] of Object.entries(workflow.jobs)) {
        const permissions = job.permissions ?? workflow.permissions
        if (
          typeof permissions === 'object' &&
          permissions &&
          (permissions as Record<string, string>).contents === 'write'
        ) {
          expect(`${file} ${name}`).toBe('release.yml publish')
          const steps = JSON.stringify(job.steps)
          expect(steps).not.toMatch(/npm|\.ci\/run|setup-node/)
        }
      }
    }
    expect(workflows['release.yml']?.jobs.publish).toMatchObject({ needs: 'verify' })
  })

  it('the App recipe asks for the permission inputs create-github-app-token reads', () => {
    const app = readmeWorkflows.find((workflow) =>
      JSON.stringify(workflow).includes('create-github-app-token')
    )!
    const step = Object.values(app.jobs)[0]!.steps!.find((s) =>
      s.uses?.startsWith('actions/create-github-app-token')
    )!
    expect(
      Object.keys(step.with ?? {})
        .filter((name) => name.startsWith('permission-'))
        .sort()
    ).toEqual(['permission-actions-variables', 'permission-secrets'])
  })
})
