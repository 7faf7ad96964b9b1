/**
 * A virtual clock for running the action in-process: an answer window, a Retry-After of minutes, a claim's
 * hold or a year of hourly runs pass without real waiting, and nothing depends on machine load.
 *
 * Time moves only when nothing real is happening. Real work is counted: a request the action sends (a
 * "ticket", from the moment it goes out until its answer is read), and a stand-in's handling of a request.
 * When the count is zero and something waits on the clock (a sleep, a deadline), the clock jumps to the
 * earliest wake-up and fires it. A stand-in that holds a request on purpose (queued, hung, slow) parks it:
 * the parked ticket does not count, so the clock can move past it, and the deadline the action set fires in
 * virtual time, as it would in real time.
 *
 * `Date` follows the clock (through @sinonjs/fake-timers, faking Date only; timers stay real), so the OAuth
 * server's token lifetimes and the GitHub stand-in's timestamps are virtual too.
 */
import FakeTimers from '@sinonjs/fake-timers'
import type { Clock } from '../src/clock.js'

interface Wake {
  at: number
  seq: number
  fire: () => void
}

interface Ticket {
  id: number
  open: boolean
  parked: boolean
}

export const TICKET_HEADER = 'x-virtual-ticket'
/** Which in-process run sent a request: the soak keys its seeded faults by it, not by arrival order. */
export const RUN_HEADER = 'x-world-run'

export class VirtualClock implements Clock {
  private current: number
  private seq = 0
  private readonly wakes: Wake[] = []
  private readonly tickets = new Map<number, Ticket>()
  private serving = 0
  private scheduled = false
  private readonly fake: ReturnType<ReturnType<typeof FakeTimers.withGlobal>['install']>
  /** Real work with no ticket of its own (a stand-in's later processing, a library's load). */
  private holds = 0

  constructor(start: Date | number = Date.now()) {
    this.current = typeof start === 'number' ? start : start.getTime()
    this.fake = FakeTimers.withGlobal(globalThis).install({ now: this.current, toFake: ['Date'] })
  }

  /** Puts the real Date back. */
  uninstall(): void {
    this.fake.uninstall()
  }

  now(): Date {
    return new Date(this.current)
  }

  get ms(): number {
    return this.current
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.at(this.current + Math.max(0, ms), resolve))
  }

  timeout(ms: number): AbortSignal {
    const controller = new AbortController()
    this.at(this.current + Math.max(0, ms), () =>
      controller.abort(new DOMException('The operation timed out.', 'TimeoutError'))
    )
    return controller.signal
  }

  /** Runs `fire` when the clock reaches `at`. */
  at(at: number, fire: () => void): void {
    this.wakes.push({ at, seq: this.seq++, fire })
    this.wakes.sort((a, b) => a.at - b.at || a.seq - b.seq)
    this.schedule()
  }

  /** Real work that must finish before the clock may move on. */
  async hold<T>(work: () => Promise<T>): Promise<T> {
    this.holds++
    try {
      return await work()
    } finally {
      this.holds--
      this.schedule()
    }
  }

  /** A request the action sends: counted until its answer is read. The header lets a stand-in park it. */
  async ticket<T>(send: (header: Record<string, string>) => Promise<T>): Promise<T> {
    const ticket: Ticket = { id: this.seq++, open: true, parked: false }
    this.tickets.set(ticket.id, ticket)
    try {
      return await send({ [TICKET_HEADER]: String(ticket.id) })
    } finally {
      ticket.open = false
      this.tickets.delete(ticket.id)
      this.schedule()
    }
  }

  /** A stand-in handling a request: counted while it works, not while it parks. */
  async serve<T>(
    ticketHeader: string | string[] | undefined,
    work: (park: (ms: number) => Promise<void>) => Promise<T>
  ): Promise<T> {
    const ticket = this.tickets.get(Number(Array.isArray(ticketHeader) ? ticketHeader[0] : ticketHeader))
    // While the stand-in has it, the request counts as the stand-in's work, not the ticket's.
    if (ticket) ticket.parked = true
    this.serving++
    const park = async (ms: number) => {
      this.serving--
      this.schedule()
      // A request held forever (a hung server) never counts again: its client's deadline ends it.
      if (!Number.isFinite(ms)) return new Promise<void>(() => undefined)
      try {
        await this.sleep(ms)
      } finally {
        this.serving++
      }
    }
    try {
      return await work(park)
    } finally {
      this.serving--
      if (ticket) ticket.parked = false
      this.schedule()
    }
  }

  /** Moves the clock by `ms` at once (between runs): everything due fires in order. */
  async advance(ms: number): Promise<void> {
    await this.sleep(ms)
  }

  private busy(): boolean {
    if (this.holds > 0 || this.serving > 0) return true
    for (const ticket of this.tickets.values()) if (ticket.open && !ticket.parked) return true
    return false
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    // After every promise continuation now queued has run: they may start real work or wait on the clock.
    setImmediate(() => {
      this.scheduled = false
      this.tick()
    })
  }

  private tick(): void {
    if (this.busy()) return
    const next = this.wakes.shift()
    if (!next) return
    if (next.at > this.current) {
      this.current = next.at
      this.fake.setSystemTime(this.current)
    }
    next.fire()
    this.schedule()
  }
}
