import type { Clock } from './clock.js'
import { say } from './messages.js'
import type { Phase } from './phase.js'
import { CANCEL_RELEASE_MS } from './timing.js'

/** What the pipeline lends the cancel handler while it runs. */
export interface CancelHooks {
  phase(): Phase
  /** Before the grant, at the last signal: give the claim back (bounded) and end the process. */
  stopNow(): Promise<void>
  /** With the grant out, at the last signal: what must be said or recorded before a SIGKILL. */
  lastWords(): Promise<void>
}

/**
 * What a cancel does depends on the phase alone. The runner cancels a step with SIGINT, then SIGTERM about
 * 7.5 s later, then SIGKILL 2.5 s after that. Before the grant, the run stops at its next step (nothing is
 * sent after a cancel), and at SIGTERM at the latest it gives its claim back and ends. Once the grant is
 * out, the new refresh token exists only in this run: the run keeps going until it is stored, and at
 * SIGTERM it records what it knows and, with a recovery key, prints the token sealed.
 */
export class Cancellation {
  signal: string | undefined
  /** The last signal before SIGKILL has come (SIGTERM, or a second signal): what must be said is said now. */
  final = false
  private hooks: CancelHooks | undefined
  private spoke = false
  private heard = () => undefined as void
  /** Resolves at the first signal: a wait that a cancel must cut short races it. */
  readonly asked = new Promise<void>((resolve) => (this.heard = resolve))

  constructor(
    private readonly warning: (message: string) => void,
    private readonly clock: Clock,
    /** Ends the process once the claim is given back (or the bound passed): outputs say cancelled, exit 1. */
    private readonly end: () => void
  ) {}

  attach(hooks: CancelHooks): void {
    this.hooks = hooks
  }

  get requested(): boolean {
    return this.signal !== undefined
  }

  /** From the process's signal handlers (or a test). */
  request(signal: string): void {
    const first = this.signal === undefined
    this.signal = signal
    this.heard()
    const phase = this.hooks?.phase() ?? 'before-grant'
    if (first || signal === 'SIGTERM') this.warning(say.cancel.received(signal, phase))
    // SIGTERM is the last signal before SIGKILL (and the only one some orchestrators send).
    const last = signal === 'SIGTERM' || !first
    if (last) this.final = true
    if (!last || this.spoke || !this.hooks) return
    this.spoke = true
    const hooks = this.hooks
    if (phase === 'before-grant' || phase === 'not-rotated') {
      void Promise.race([hooks.stopNow().catch(() => undefined), this.clock.sleep(CANCEL_RELEASE_MS)]).then(
        this.end
      )
    } else {
      void hooks.lastWords().catch(() => undefined)
    }
  }
}
