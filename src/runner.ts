import type { summary as coreSummary } from '@actions/core'
import { redactPatterns, type Redactor } from './redact.js'

/** `@actions/core`'s job summary builder: it writes HTML and escapes nothing itself. */
export type SummaryBuilder = Pick<
  typeof coreSummary,
  'addHeading' | 'addTable' | 'addRaw' | 'addCodeBlock' | 'write' | 'emptyBuffer'
>

/** The part of `@actions/core` a run uses: the runner's protocol, nothing else. */
export interface ActionCore {
  getInput(name: string): string
  setSecret(value: string): void
  setOutput(name: string, value: string): void
  setFailed(message: string): void
  info(message: string): void
  notice(message: string): void
  warning(message: string): void
  error(message: string): void
  debug(message: string): void
  summary: SummaryBuilder
}

/** Who this run is and where, from the runner's environment. */
export interface RunContext {
  repository?: string
  apiUrl?: string
  workflowRef?: string
  /** `workflow "X" run N attempt M`: written into the claim, for a person reading it. */
  runLabel?: string
  runUrl?: string
}

/**
 * The runner's protocol with every line passed through the redactor first (debug lines through the token
 * patterns too): the runner's own masking applies only on a runner and only to exact values. Outputs and the
 * summary are redacted where they are written, since the access-token output must carry its value.
 */
export function redactingCore(core: ActionCore, redactor: Redactor): ActionCore {
  const clean = (text: string) => redactor.redact(text)
  return {
    ...core,
    getInput: (name) => core.getInput(name),
    setSecret: (value) => core.setSecret(value),
    setOutput: (name, value) => core.setOutput(name, value),
    setFailed: (message) => core.setFailed(clean(message)),
    info: (message) => core.info(clean(message)),
    notice: (message) => core.notice(clean(message)),
    warning: (message) => core.warning(clean(message)),
    error: (message) => core.error(clean(message)),
    debug: (message) => core.debug(redactPatterns(clean(message))),
    summary: core.summary
  }
}
