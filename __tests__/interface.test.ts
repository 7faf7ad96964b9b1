/** action.yml, the input schema and the README describe one interface; this keeps them from drifting. */
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { INPUT_NAMES, parseInputs } from '../src/inputs/schema.js'
import { outputsFor } from '../src/report/report.js'

interface ActionYml {
  inputs: Record<string, { default?: string; required?: boolean }>
  outputs: Record<string, unknown>
  runs: { using: string; main: string }
}
const action = parse(readFileSync('action.yml', 'utf8')) as ActionYml
const readme = readFileSync('README.md', 'utf8')
const tableNames = (heading: string) => {
  const section = readme.split(`### ${heading}\n`)[1] ?? ''
  const firstTable = section.slice(section.indexOf('\n|')).split('\n\n')[0] ?? ''
  return [...firstTable.matchAll(/^\| `([a-z-]+)` +\|/gm)].map((match) => match[1])
}

describe('the interface', () => {
  it('runs the committed bundle on node24', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
  })

  it('declares exactly the inputs the schema reads', () => {
    expect(Object.keys(action.inputs).sort()).toEqual([...INPUT_NAMES].sort())
  })

  it("gives every input the schema's own default, so a run without action.yml behaves the same", () => {
    const required = { 'refresh-token': 'rt', 'github-token': 'pat', repository: 'octo/cat' }
    const fromSchema = parseInputs(required)
    const defaults = Object.fromEntries(
      Object.entries(action.inputs)
        .filter(([, input]) => input.default !== undefined && !String(input.default).startsWith('${{'))
        .map(([name, input]) => [name, String(input.default)])
    )
    expect(parseInputs({ ...required, ...defaults })).toEqual(fromSchema)
    // The two defaults that come from the run's context; the entry point reads the same values there.
    expect(action.inputs.repository?.default).toBe('${{ github.repository }}')
    expect(action.inputs['github-api-url']?.default).toBe('${{ github.api_url }}')
  })

  it('declares every output the action sets', () => {
    const set = [
      'access-token',
      ...Object.keys(outputsFor({ status: 'rotated', written: [], refreshTokenRotated: false }))
    ]
    expect(Object.keys(action.outputs).sort()).toEqual(set.sort())
  })

  it("lists every input and output in the README's tables", () => {
    expect(tableNames('Inputs').sort()).toEqual(Object.keys(action.inputs).sort())
    expect(tableNames('Outputs').sort()).toEqual(Object.keys(action.outputs).sort())
  })
})
