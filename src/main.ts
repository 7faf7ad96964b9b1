import type { Outcome } from './outcome.js'
import { publish } from './report/publish.js'
import { Redactor } from './redact.js'
import { rotate, type Dependencies } from './run.js'
import { redactingCore } from './runner.js'
import { REPORT_BUDGET_MS, RUN_BUDGET_MS } from './timing.js'

/**
 * Everything a run touches outside itself: the entry point wires the real ones, a test local servers and a
 * virtual clock. The pipeline's dependencies, but the redactor, which a run makes for itself.
 */
export type Collaborators = Omit<Dependencies, 'redactor'> & {
  /** Values known before the run (proxy credentials): masked and redacted like the run's own secrets. */
  secrets?: string[]
}

/** One run: the rotation, then the report. Every line either writes passes the redactor first. */
export async function main(collaborators: Collaborators): Promise<Outcome> {
  const redactor = new Redactor()
  for (const secret of collaborators.secrets ?? []) redactor.add(secret, collaborators.core.setSecret)
  const deps = { ...collaborators, core: redactingCore(collaborators.core, redactor), redactor }
  const startedAt = collaborators.clock.now().getTime()
  const outcome = await rotate(deps)
  await publish({ ...deps, reportBy: startedAt + RUN_BUDGET_MS + REPORT_BUDGET_MS }, outcome)
  return outcome
}
