import { randomUUID } from 'node:crypto'
import { appendFileSync } from 'node:fs'
import { EOL } from 'node:os'
import { INPUT_NAMES, type RawInputs } from './inputs.js'
import type { Summary } from './report.js'

/**
 * The runner's side of an action's contract, as GitHub documents it ("Workflow commands for GitHub
 * Actions"): commands on stdout, outputs and the job summary in the files the runner names. It is the
 * small part of @actions/core this action uses, written out because the package loads an HTTP stack (for
 * OIDC) that costs more start-up time than the whole rotation's own code (see the README's Performance).
 */
export interface Runner {
  /** `::add-mask::`: from here on the runner hides the value in every log line. */
  mask(value: string): void
  info(message: string): void
  notice(message: string): void
  warning(message: string): void
  error(message: string): void
  /** Shown only when the run has debug logging on (ACTIONS_STEP_DEBUG). */
  debug(message: string): void
  setOutput(name: string, value: string): void
  /** Logs the error and makes the step fail when the process ends. */
  setFailed(message: string): void
  writeSummary(summary: Summary): void
}

export function createRunner(
  env: NodeJS.ProcessEnv = process.env,
  write: (text: string) => void = (text) => process.stdout.write(text)
): Runner {
  const command = (name: string, message: string) => write(`::${name}::${escapeCommandData(message)}${EOL}`)
  return {
    mask: (value) => command('add-mask', value),
    info: (message) => write(message + EOL),
    notice: (message) => command('notice', message),
    warning: (message) => command('warning', message),
    error: (message) => command('error', message),
    debug: (message) => command('debug', message),
    setOutput(name, value) {
      if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, outputEntry(name, value), 'utf8')
    },
    setFailed(message) {
      process.exitCode = 1
      command('error', message)
    },
    writeSummary(summary) {
      if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, renderSummary(summary), 'utf8')
    }
  }
}

/** A command's message may span lines: the runner reads `%`, CR and LF escaped. */
export function escapeCommandData(message: string): string {
  return message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

/** One GITHUB_OUTPUT entry in the multi-line form, with a delimiter the value cannot contain. */
export function outputEntry(name: string, value: string, delimiter = `ghadelimiter_${randomUUID()}`): string {
  if (name.includes(delimiter) || value.includes(delimiter)) {
    throw new Error(`The output ${name} contains its own delimiter; it was not written.`)
  }
  return `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`
}

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)

/** The job summary as HTML (which the summary renders like Markdown), every text escaped. */
export function renderSummary(summary: Summary): string {
  const parts = [`<h3>${escapeHtml(summary.heading)}</h3>`]
  const [head, ...rows] = summary.table
  if (head) {
    const row = (cells: string[], tag: 'th' | 'td') =>
      `<tr>${cells.map((cell) => `<${tag}>${escapeHtml(cell)}</${tag}>`).join('')}</tr>`
    parts.push(`<table>${row(head, 'th')}${rows.map((cells) => row(cells, 'td')).join('')}</table>`)
  }
  for (const note of summary.notes) {
    // A note's first line is prose; what follows it (recovery commands) is to be copied, so it is code.
    const [prose = '', ...rest] = note.split('\n')
    parts.push(`<p>${escapeHtml(prose)}</p>`)
    if (rest.length) parts.push(`<pre lang="sh"><code>${escapeHtml(rest.join('\n'))}</code></pre>`)
  }
  return parts.join(EOL) + EOL
}

/**
 * Inputs straight from the runner's environment (`INPUT_<NAME>`, upper case, hyphens kept), keeping
 * "absent" apart from "empty": the runner always sets inputs that have defaults, so absence only happens in
 * a local run without action.yml.
 */
export function readInputs(env: NodeJS.ProcessEnv): RawInputs {
  const inputs: RawInputs = {}
  for (const name of INPUT_NAMES) {
    const value = env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`]
    if (value !== undefined) inputs[name] = value.trim()
  }
  // What action.yml's defaults give on a runner, for a run without them.
  inputs.repository ||= env.GITHUB_REPOSITORY
  inputs['github-api-url'] ||= env.GITHUB_API_URL
  return inputs
}
