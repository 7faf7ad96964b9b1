import type { SummaryBuilder } from '../runner.js'

export interface Summary {
  heading: string
  /** The one line a person reads first: healthy or not, skipped and why, or failed and the one step to take. */
  headline: string
  table: string[][]
  notes: string[]
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/**
 * The summary through `core.summary`: every text redacted first, then escaped (a server's error description
 * or an environment name must not become markup). A note's first line is prose; the lines after it
 * (commands) are to be copied, so they become a code block.
 */
export async function writeJobSummary(
  summary: Summary,
  builder: SummaryBuilder,
  redact: (text: string) => string
): Promise<void> {
  const safe = (text: string) => escapeHtml(redact(text))
  builder.emptyBuffer()
  builder.addHeading(safe(summary.heading), 3)
  builder.addRaw(`<p><strong>${safe(summary.headline)}</strong></p>`, true)
  const [head, ...rows] = summary.table
  if (head)
    builder.addTable([
      head.map((cell) => ({ data: safe(cell), header: true })),
      ...rows.map((row) => row.map(safe))
    ])
  for (const note of summary.notes) {
    const [prose = '', ...commands] = note.split('\n')
    builder.addRaw(`<p>${safe(prose)}</p>`, true)
    if (commands.length) builder.addCodeBlock(safe(commands.join('\n')), 'sh')
  }
  await builder.write()
}
