import type { Cancellation } from './cancellation.js'
import type { Clock } from './clock.js'
import type { PostToken } from './oauth/post.js'
import type { Outcome } from './outcome.js'
import { publish } from './report/publish.js'
import { Redactor } from './report/redact.js'
import { rotate } from './run.js'
import { redactingCore, type ActionCore, type RunContext } from './runner.js'
import type { Sealer } from './store/seal.js'

/** Everything a run touches outside itself: the entry point wires the real ones, a test local servers and a virtual clock. */
export interface Collaborators {
  core: ActionCore
  context: RunContext
  clock: Clock
  random: () => number
  /** GitHub's transport; undefined: `@actions/github`'s proxy-aware fetch. */
  fetch?: typeof fetch
  post: PostToken
  sealer: Sealer
  cancellation: Cancellation
  /** Values known before the run (proxy credentials): masked and redacted like the run's own secrets. */
  secrets?: string[]
}

/** One run: the rotation, then the report. Every line either writes passes the redactor first. */
export async function main(collaborators: Collaborators): Promise<Outcome> {
  const redactor = new Redactor()
  for (const secret of collaborators.secrets ?? []) redactor.add(secret, collaborators.core.setSecret)
  const deps = { ...collaborators, core: redactingCore(collaborators.core, redactor), redactor }
  const outcome = await rotate(deps)
  await publish(deps, outcome)
  return outcome
}
