/** action.yml, check/action.yml, the input schema, the outputs and the README describe one interface. */
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { INPUT_NAMES, parseConfig } from '../../src/config.js'
import { ERROR_KINDS } from '../../src/errors.js'
import { STATUSES } from '../../src/outcome.js'
import { outputsFor } from '../../src/report/report.js'

interface ActionYml {
  inputs: Record<string, { default?: string; required?: boolean; description: string }>
  outputs: Record<string, { description: string }>
  runs: { using: string; main: string }
}
const action = parse(readFileSync('action.yml', 'utf8')) as ActionYml
const check = parse(readFileSync('check/action.yml', 'utf8')) as ActionYml
const readme = readFileSync('README.md', 'utf8')

/** The first column of the first table under a heading. */
function tableNames(heading: string): string[] {
  const section = readme.split(`### ${heading}\n`)[1] ?? ''
  const table = section.slice(section.indexOf('\n|')).split('\n\n')[0] ?? ''
  return [...table.matchAll(/^\| `([a-z-]+)` *\|/gm)].map((match) => match[1] ?? '')
}

describe('the interface', () => {
  it('both actions run their committed bundle on node24', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
    expect(check.runs).toEqual({ using: 'node24', main: '../dist/check/index.js' })
  })

  it('declares exactly the inputs the schema reads, at most twenty, the two it cannot do without marked required', () => {
    expect(Object.keys(action.inputs).sort()).toEqual([...INPUT_NAMES].sort())
    expect(INPUT_NAMES.length).toBeLessThanOrEqual(20)
    const required = Object.entries(action.inputs)
      .filter(([, input]) => input.required)
      .map(([name]) => name)
    expect(required.sort()).toEqual(['refresh-token', 'writer-token'])
  })

  it("gives every input the schema's own default, so a run without action.yml behaves the same", () => {
    const required = { 'refresh-token': 'rt', 'writer-token': 'pat', repository: 'octo/cat' }
    const defaults = Object.fromEntries(
      Object.entries(action.inputs)
        .filter(([, input]) => input.default !== undefined && !String(input.default).startsWith('${{'))
        .map(([name, input]) => [name, String(input.default)])
    )
    expect(parseConfig({ ...required, ...defaults })).toEqual(parseConfig(required))
    expect(action.inputs['github-token']?.default).toBe('${{ github.token }}')
  })

  it('declares every output the action sets, and names every status and error kind there is', () => {
    const set = [
      'access-token',
      ...Object.keys(
        outputsFor(
          { status: 'rotated', phase: 'done', written: [], refreshTokenRotated: false, notes: [] },
          new Date(),
          undefined
        )
      )
    ]
    expect(Object.keys(action.outputs).sort()).toEqual(set.sort())
    for (const status of STATUSES) expect(action.outputs.status?.description).toContain(`\`${status}\``)
    for (const kind of ERROR_KINDS) expect(action.outputs['error-kind']?.description).toContain(`\`${kind}\``)
  })

  it("lists every input, output and error kind in the README's tables, and every status", () => {
    expect(tableNames('Inputs').sort()).toEqual(Object.keys(action.inputs).sort())
    expect(tableNames('Outputs').sort()).toEqual(Object.keys(action.outputs).sort())
    expect(tableNames('When it is red').sort()).toEqual([...ERROR_KINDS].sort())
    for (const status of STATUSES) expect(readme).toContain(`\`${status}\``)
  })

  it('puts the workflow a user pastes within the README’s first 40 lines, and the journey right after it', () => {
    const lines = readme.split('\n')
    const end = lines.findIndex((line, i) => i > 5 && line === '```')
    expect(end).toBeGreaterThan(0)
    expect(end).toBeLessThan(40)
    const journey = readme.indexOf('## Getting started')
    expect(journey).toBeGreaterThan(0)
    const steps = ['**1. Seed', '**2. Create the writer token', '**3. Paste', '**4. Dry run'].map((step) =>
      readme.indexOf(step)
    )
    expect(steps).toEqual([...steps].sort((a, b) => a - b))
    expect(steps[0]).toBeGreaterThan(journey)
  })
})
