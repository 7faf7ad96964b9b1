/**
 * The workflows keep the promises the README makes about them: every action pinned by full commit SHA with
 * its version beside it, rotate.yml running the action from its own repository and commit (never from the
 * caller's checkout), environment mode reading and writing one secret, least permissions, no cancelled
 * rotation.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'

interface Step {
  name?: string
  uses?: string
  run?: string
  with?: Record<string, unknown>
}
interface Job {
  uses?: string
  environment?: unknown
  'timeout-minutes'?: number
  permissions?: unknown
  concurrency?: { group?: string; 'cancel-in-progress'?: boolean }
  steps?: Step[]
}
interface Workflow {
  on: Record<string, unknown> & {
    workflow_call?: {
      inputs?: Record<string, { default?: unknown }>
      secrets?: Record<string, { required?: boolean }>
    }
  }
  permissions?: unknown
  jobs: Record<string, Job>
}

const dir = join('.github', 'workflows')
const files = readdirSync(dir).filter((file) => file.endsWith('.yml') || file.endsWith('.yaml'))
const raw = Object.fromEntries(files.map((file) => [file, readFileSync(join(dir, file), 'utf8')]))
const workflows = Object.fromEntries(files.map((file) => [file, parse(raw[file] as string) as Workflow]))
const rotate = workflows['rotate.yml'] as Workflow
const rotateJob = rotate.jobs.rotate as Job
const rotateSteps = rotateJob.steps ?? []

/** Every `uses:` line of a file, with the comment that follows it (YAML parsing drops comments). */
const usesLines = (text: string) =>
  [...text.matchAll(/^\s*(?:-\s+)?uses:\s*['"]?([^\s'"#]+)['"]?\s*(#.*)?$/gm)].map((match) => ({
    ref: match[1] as string,
    comment: (match[2] ?? '').trim()
  }))

describe('the workflows', () => {
  it('are all here', () => {
    expect(files.sort()).toEqual(
      expect.arrayContaining([
        'check-dist.yml',
        'ci.yml',
        'refresh-oauth-token.yml',
        'release.yml',
        'rotate.yml'
      ])
    )
  })

  it.each(files)('%s pins every action by full commit SHA with its version in a comment', (file) => {
    const lines = usesLines(raw[file] as string)
    expect(lines.length).toBeGreaterThan(0)
    for (const { ref, comment } of lines) {
      if (ref.startsWith('./')) continue // this repository's own code, at the commit being run
      expect({ ref, comment }).toEqual({
        ref: expect.stringMatching(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/),
        comment: expect.stringMatching(/^# v\d+\.\d+\.\d+$/)
      })
    }
  })

  it.each(files)('%s gives every job a timeout and declares its permissions', (file) => {
    const workflow = workflows[file] as Workflow
    expect(workflow.permissions).toBeDefined()
    for (const job of Object.values(workflow.jobs)) {
      if (job.uses) continue // a call: the called workflow's job sets its own timeout
      expect(job['timeout-minutes']).toEqual(expect.any(Number))
    }
  })

  it('grants contents: write in release.yml only', () => {
    for (const file of files) {
      const writes = /contents:\s*write/.test(raw[file] as string)
      expect({ file, writes }).toEqual({ file, writes: file === 'release.yml' })
    }
  })
})

describe('rotate.yml', () => {
  it('never runs the action from the checkout of the calling repository', () => {
    const local = rotateSteps.filter((step) => step.uses?.startsWith('.'))
    expect(local.length).toBeGreaterThan(0)
    for (const step of local) {
      const path = (step.uses as string).replace(/^\.\//, '').replace(/\/$/, '')
      // `uses: ./` or `uses: .` is the root of the caller's checkout: not this action.
      expect(path).not.toBe('')
      expect(path).not.toBe('.')
      // The directory was filled by a checkout of this workflow's own repository at its own commit.
      const before = rotateSteps.slice(0, rotateSteps.indexOf(step))
      const checkout = before.find(
        (candidate) => candidate.uses?.startsWith('actions/checkout@') && candidate.with?.path === path
      )
      expect(checkout?.with?.repository).toMatch(/^\$\{\{ job\.workflow_repository\b/)
      expect(checkout?.with?.ref).toMatch(/^\$\{\{ job\.workflow_sha\b/)
    }
  })

  it("checks out nothing of the caller's", () => {
    for (const step of rotateSteps.filter((candidate) => candidate.uses?.startsWith('actions/checkout@'))) {
      expect(step.with?.repository).toMatch(/job\.workflow_repository/)
      expect(step.with?.path).toBeTruthy()
    }
  })

  it('binds the job to the environment in environment mode, and to none without one', () => {
    expect(rotateJob.environment).toBe('${{ inputs.environment }}')
    expect(rotate.on.workflow_call?.inputs?.environment?.default).toBe('')
    const action = rotateSteps.find((step) => step.with?.['refresh-token'] !== undefined)
    expect(action?.with?.environment).toBe('${{ inputs.environment }}')
  })

  it('reads the refresh token from the secret it writes the new one to', () => {
    const action = rotateSteps.find((step) => step.with?.['refresh-token'] !== undefined)
    expect(action?.with?.['refresh-token']).toBe('${{ secrets[inputs.refresh-token-secret] }}')
    expect(action?.with?.['refresh-token-secret']).toBe('${{ inputs.refresh-token-secret }}')
  })

  it('takes its secrets from `secrets: inherit` as well as from a mapping, and fails clearly when one is empty', () => {
    for (const secret of Object.values(rotate.on.workflow_call?.secrets ?? {})) {
      expect(secret.required).toBe(false)
    }
    const check = rotateSteps[0] as Step
    expect(check.run).toMatch(/secrets: inherit/)
    expect(check.run).toMatch(/exit "\$failed"/)
  })

  it('runs one rotation per target at a time and never cancels one', () => {
    expect(rotateJob.concurrency?.['cancel-in-progress']).toBe(false)
    expect(rotateJob.concurrency?.group).toMatch(/inputs\.repository/)
    expect(rotateJob.concurrency?.group).toMatch(/inputs\.environment/)
  })

  it("outlasts the refresh-token write's patience", () => {
    const action = parse(readFileSync('action.yml', 'utf8')) as {
      inputs: Record<string, { default?: string }>
    }
    const patience = action.inputs['refresh-token-write-timeout']?.default ?? '10m'
    const minutes = Number(/^(\d+)m$/.exec(patience)?.[1])
    expect(rotateJob['timeout-minutes']).toBeGreaterThan(minutes)
  })
})
