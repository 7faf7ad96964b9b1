import { summary } from '@actions/core'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeJobSummary } from '../../src/report/job-summary.js'

// `core.summary` is one object that remembers the file it first wrote to: one file serves the whole file.
let dir: string
let file: string
const saved = process.env.GITHUB_STEP_SUMMARY

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'job-summary-'))
  file = join(dir, 'step-summary.md')
  process.env.GITHUB_STEP_SUMMARY = file
})

beforeEach(async () => {
  await writeFile(file, '')
  summary.emptyBuffer()
})

afterAll(async () => {
  if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY
  else process.env.GITHUB_STEP_SUMMARY = saved
  await rm(dir, { recursive: true, force: true })
})

const written = () => readFile(file, 'utf8')

describe('writeJobSummary', () => {
  it('writes heading, table and notes with every text escaped, a note’s later lines as a code block', async () => {
    await writeJobSummary(
      {
        heading: 'Rotated <octo/widgets> (environment "prod & eu")',
        headline: 'Healthy: rotated <now>.',
        table: [
          ['secret', 'result <b>'],
          ['WIZARD_REFRESH_TOKEN', 'updated & sealed'],
          ['WIZARD_EXPIRES_AT', '"2026-11-26T23:00:00.000Z"']
        ],
        notes: [
          'The server said: <script>alert("x")</script>',
          'Recover "now" & then:\ngh secret set X < file\ngh variable set Y --body "a&b"'
        ]
      },
      summary
    )
    expect(await written()).toBe(
      '<h3>Rotated &#60;octo/widgets&#62; (environment &#34;prod &#38; eu&#34;)</h3>\n' +
        '<p><strong>Healthy: rotated &#60;now&#62;.</strong></p>\n' +
        '<table><tr><th>secret</th><th>result &#60;b&#62;</th></tr>' +
        '<tr><td>WIZARD_REFRESH_TOKEN</td><td>updated &#38; sealed</td></tr>' +
        '<tr><td>WIZARD_EXPIRES_AT</td><td>&#34;2026-11-26T23:00:00.000Z&#34;</td></tr></table>\n' +
        '<p>The server said: &#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;</p>\n' +
        '<p>Recover &#34;now&#34; &#38; then:</p>\n' +
        '<pre lang="sh"><code>gh secret set X &#60; file\ngh variable set Y --body &#34;a&#38;b&#34;</code></pre>\n'
    )
  })

  it('leaves the table out when there is none, and a one-line note without a code block', async () => {
    await writeJobSummary(
      {
        heading: 'OAuth rotation skipped',
        headline: 'Healthy: skipped.',
        table: [],
        notes: ['Nothing to do.']
      },
      summary
    )
    expect(await written()).toBe(
      '<h3>OAuth rotation skipped</h3>\n<p><strong>Healthy: skipped.</strong></p>\n<p>Nothing to do.</p>\n'
    )
  })

  it('writes only its own summary: what the builder held before is dropped, and a second write does not repeat the first', async () => {
    summary.addRaw('left over from an earlier failure', true)
    await writeJobSummary(
      { heading: 'First', headline: 'H1', table: [['a'], ['1']], notes: ['one'] },
      summary
    )
    await writeJobSummary({ heading: 'Second', headline: 'H2', table: [], notes: [] }, summary)
    const html = await written()
    expect(html).not.toContain('left over')
    expect(html).toBe(
      '<h3>First</h3>\n<p><strong>H1</strong></p>\n<table><tr><th>a</th></tr><tr><td>1</td></tr></table>\n' +
        '<p>one</p>\n<h3>Second</h3>\n<p><strong>H2</strong></p>\n'
    )
    expect(html.match(/First/g)).toHaveLength(1)
  })
})
