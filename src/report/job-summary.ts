import type { summary as coreSummary } from '@actions/core'
import type { Summary } from './report.js'

/** `@actions/core`'s job summary builder: it writes HTML and escapes nothing itself. */
export type SummaryBuilder = Pick<
  typeof coreSummary,
  'addHeading' | 'addTable' | 'addRaw' | 'addCodeBlock' | 'write' | 'emptyBuffer'
>

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/**
 * The report's summary through `core.summary`, every text escaped: a server's error description or an
 * environment name must not become markup. A note's first line is prose; the lines after it (recovery
 * commands) are to be copied, so they become a code block.
 */
export async function writeJobSummary(summary: Summary, builder: SummaryBuilder): Promise<void> {
  builder.emptyBuffer()
  builder.addHeading(escapeHtml(summary.heading), 3)
  builder.addRaw(`<p><strong>${escapeHtml(summary.headline)}</strong></p>`, true)
  const [head, ...rows] = summary.table
  if (head) {
    builder.addTable([
      head.map((cell) => ({ data: escapeHtml(cell), header: true })),
      ...rows.map((row) => row.map(escapeHtml))
    ])
  }
  for (const note of summary.notes) {
    const [prose = '', ...commands] = note.split('\n')
    builder.addRaw(`<p>${escapeHtml(prose)}</p>`, true)
    if (commands.length) builder.addCodeBlock(escapeHtml(commands.join('\n')), 'sh')
  }
  await builder.write()
}
