import { ActionError } from './errors.js'

/** Where the run is, as far as a cancel is concerned. */
export type Phase = 'before-grant' | 'grant-sent' | 'refresh-token-stored'

const CANCELLED_BEFORE_GRANT =
  'The run was cancelled before the grant was sent: nothing was spent or written.'

/**
 * What a cancel does depends on one thing: whether the grant has been sent. The runner cancels a step with
 * SIGINT, then SIGTERM 7.5 s later, then SIGKILL 2.5 s after that. Before the grant, the run stops at once
 * (giving back its lock on the way out) and the refresh token stays unspent. Once the grant is out, the new
 * refresh token exists only in this run: the run keeps going until it is stored, says so, and ends as soon
 * as the writes are done.
 */
export class Cancellation {
  signal: string | undefined
  phase: Phase = 'before-grant'
  private cleanup: () => Promise<void> = async () => undefined
  private lastWords: () => Promise<void> = async () => undefined
  private spoke = false

  constructor(
    private readonly warning: (message: string) => void,
    /** Ends the run now, before the grant: fails the step and exits. */
    private readonly stopNow: (message: string) => void
  ) {}

  /** What to undo when a cancel stops the run before the grant (the lock it took). */
  onStopBeforeGrant(cleanup: () => Promise<void>): void {
    this.cleanup = cleanup
  }

  /**
   * What to say when the run may be killed before the refresh token is stored (the runner's SIGTERM comes
   * 2.5 s before its SIGKILL): the recovery seal of the new refresh token, when there is one.
   */
  onLastChance(lastWords: () => Promise<void>): void {
    this.lastWords = lastWords
  }

  /** Called from the process's signal handlers. */
  request(signal: string): void {
    const first = this.signal === undefined
    this.signal = signal
    if (this.phase === 'before-grant') {
      if (!first) return
      this.warning(`${signal} received before the grant was sent: stopping.`)
      const bounded = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())
      void Promise.race([this.cleanup().catch(() => undefined), bounded]).then(() =>
        this.stopNow(CANCELLED_BEFORE_GRANT)
      )
      return
    }
    this.warning(
      this.phase === 'grant-sent'
        ? `${signal} received after the grant was sent: finishing the one write that cannot be redone, the new ` +
            'refresh token, before stopping.'
        : `${signal} received: the new refresh token is stored; finishing the last writes.`
    )
    // SIGTERM is the last signal before SIGKILL (and the only one some orchestrators send).
    if (this.phase === 'grant-sent' && (signal === 'SIGTERM' || !first) && !this.spoke) {
      this.spoke = true
      void this.lastWords().catch(() => undefined)
    }
  }

  /**
   * Before each send of the grant: a cancelled run sends nothing more, unless an earlier attempt may have
   * reached the server (then only finishing can save the token it may have rotated).
   */
  beforeSend(mayHaveReachedServer: boolean): void {
    if (this.signal && !mayHaveReachedServer) throw new ActionError('cancelled', CANCELLED_BEFORE_GRANT)
    this.phase = 'grant-sent'
  }
}
