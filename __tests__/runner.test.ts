import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseCommandFile } from '../harness/run-action.js'
import { createRunner, escapeCommandData, outputEntry, readInputs, renderSummary } from '../src/runner.js'

describe('workflow commands', () => {
  it('escapes what would end or break a command line', () => {
    expect(escapeCommandData('100% done\r\nnext line')).toBe('100%25 done%0D%0Anext line')
  })

  it('writes one command per line, masks first, and fails the step through the exit code', () => {
    const lines: string[] = []
    const runner = createRunner({}, (text) => lines.push(text))
    const exitCode = process.exitCode
    try {
      runner.mask('s3cr3t\nsecond line')
      runner.warning('retrying: 50%')
      runner.setFailed('line one\nline two')
      expect(process.exitCode).toBe(1)
    } finally {
      process.exitCode = exitCode
    }
    expect(lines.join('')).toBe(
      '::add-mask::s3cr3t%0Asecond line\n::warning::retrying: 50%25\n::error::line one%0Aline two\n'
    )
  })
})

describe('outputs', () => {
  it('round-trips a multi-line value through the runner’s file format', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runner-'))
    const file = join(dir, 'output')
    await writeFile(file, '')
    const runner = createRunner({ GITHUB_OUTPUT: file }, () => undefined)
    runner.setOutput('status', 'rotated')
    runner.setOutput('note', 'two\nlines')
    expect(parseCommandFile(await readFile(file, 'utf8'))).toEqual({ status: 'rotated', note: 'two\nlines' })
  })

  it('refuses a value that holds its own delimiter rather than let it forge another output', () => {
    expect(() => outputEntry('x', 'a\nEOF\nstatus=forged', 'EOF')).toThrow(/delimiter/)
  })
})

describe('job summary', () => {
  it('renders heading, table and notes with every text escaped, commands as code', () => {
    const html = renderSummary({
      heading: 'Rotated <octo/widgets>',
      table: [
        ['secret', 'result'],
        ['WIZARD_REFRESH_TOKEN', 'updated & sealed']
      ],
      notes: ['Recover "now":\ngh secret set X < file']
    })
    expect(html).toBe(
      '<h3>Rotated &#60;octo/widgets&#62;</h3>\n' +
        '<table><tr><th>secret</th><th>result</th></tr><tr><td>WIZARD_REFRESH_TOKEN</td><td>updated &#38; sealed</td></tr></table>\n' +
        '<p>Recover &#34;now&#34;:</p>\n<pre lang="sh"><code>gh secret set X &#60; file</code></pre>\n'
    )
  })
})

describe('inputs from the environment', () => {
  it('reads INPUT_<NAME> with hyphens kept, trims, keeps empty apart from absent, and falls back to the runner’s variables', () => {
    const inputs = readInputs({
      'INPUT_REFRESH-TOKEN': '  rt  ',
      INPUT_SCOPE: '',
      GITHUB_REPOSITORY: 'octo/widgets',
      GITHUB_API_URL: 'https://ghe.example/api/v3'
    })
    expect(inputs['refresh-token']).toBe('rt')
    expect(inputs.scope).toBe('')
    expect('zone' in inputs).toBe(false)
    expect(inputs.repository).toBe('octo/widgets')
    expect(inputs['github-api-url']).toBe('https://ghe.example/api/v3')
  })
})
