import { randomUUID } from 'node:crypto'
import type { Clock } from '../clock.js'
import type { GitHubApi, Patience } from '../github/api.js'
import type { Phase } from '../phase.js'
import {
  CLAIM_READ_PATIENCE_MS,
  PATIENT_WRITE_MS,
  UNKNOWN_HOLD_MS,
  WORST_CASE_RUN_MS,
  BACKOFF_BASE_MS
} from '../timing.js'
import { claimName, decodeClaim, encodeClaim, type ClaimState, type ClaimValue } from './claim.js'
import { decide, type FailReason, type Observation, type SkipReason } from './decide.js'
import { fingerprint } from './fingerprint.js'
import { encodeRecord, nextRecord, parseRecord, type ReadRecord, type SpentEntry } from './record.js'

export type LeaseApi = Pick<
  GitHubApi,
  'createVariable' | 'readVariable' | 'updateVariable' | 'writeVariable' | 'deleteVariable' | 'secretWrittenAt'
>

export interface LeaseNames {
  /** Claims are `${prefix}_CLAIM_${fingerprint}`. */
  prefix: string
  /** The spent record's variable. */
  record: string
  /** The refresh-token secret: when it was last written tells an outdated token from a current one. */
  refreshTokenSecret: string
}

/** What the lease decided: present the token (this run owns its presentation), skip, or fail red. */
export type LeaseDecision =
  | { kind: 'present'; claim: string; presentations: number; takeoverFrom?: ClaimValue }
  | { kind: 'skip'; reason: SkipReason }
  | { kind: 'fail'; reason: FailReason }

/** What the lease could not do on its way out: each is a warning with the command that fixes it. */
export interface LeaseNotes {
  /** Claims of long-spent tokens that could not be removed. */
  leftClaims: string[]
  /** The claim's outcome or the record could not be written. */
  unrecorded: { name: string; reason: string }[]
}

/**
 * The claim on one refresh token, over its whole life in a run: `acquire` (the create, the record read,
 * and the decision), `received` (beside the new refresh token's write), and `settle` (the outcome the phase
 * says, once, in the run's one `finally`). Claim writes go out in order, one after the other, so a later
 * state never lands before an earlier one.
 */
export class Lease {
  readonly fingerprint: string
  private readonly nonce = randomUUID()
  private owned: { name: string; generation: number; value: ClaimValue } | undefined
  private record: ReadRecord = { kind: 'absent' }
  private pending: Promise<void> = Promise.resolve()
  private settling: Promise<void> | undefined
  private refusedAgain = false
  /** The create in flight, if any: a cancel waits for it, since it may make this run the owner. */
  private creating: Promise<unknown> = Promise.resolve()
  private successor: string | undefined
  readonly notes: LeaseNotes = { leftClaims: [], unrecorded: [] }

  constructor(
    private readonly api: LeaseApi,
    private readonly names: LeaseNames,
    token: string,
    private readonly holder: string,
    private readonly clock: Clock
  ) {
    this.fingerprint = fingerprint(token)
  }

  /** The first claim's name: what a person deletes, or reads, when a message names it. */
  get claim(): string {
    return this.owned?.name ?? claimName(this.names.prefix, this.fingerprint, 1)
  }

  private value(state: ClaimState, presentations: number, extra: Partial<ClaimValue> = {}): ClaimValue {
    const now = this.clock.now()
    return {
      v: 1,
      state,
      holder: this.holder,
      nonce: this.nonce,
      at: this.owned?.value.at ?? now.toISOString(),
      until: new Date(now.getTime() + WORST_CASE_RUN_MS).toISOString(),
      presentations,
      ...extra
    }
  }

  /**
   * The create of the token's claim beside the read of the spent record (one round trip), then, only when
   * the claim exists already, what its value, its age and the refresh-token secret's last write say.
   */
  async acquire(): Promise<LeaseDecision> {
    let generation = 1
    let presentations = 0
    let takeoverFrom: ClaimValue | undefined
    const first = this.value('claimed', 0)
    const firstName = claimName(this.names.prefix, this.fingerprint, 1)
    const [created, recordText] = await Promise.allSettled([
      this.create(firstName, generation, first),
      this.api.readVariable(this.names.record)
    ])
    if (created.status === 'rejected') throw created.reason
    if (recordText.status === 'rejected') throw recordText.reason
    this.record = parseRecord(recordText.value)
    let claim: Observation['claim'] = this.owned ? { kind: 'created' } : await this.read(1)
    let secretWrittenAt: number | undefined
    const readPatience = this.clock.now().getTime() + CLAIM_READ_PATIENCE_MS
    for (let wait = BACKOFF_BASE_MS; ; ) {
      const step = decide({
        fingerprint: this.fingerprint,
        nonce: this.nonce,
        generation,
        presentations,
        claim,
        record: this.record,
        secretWrittenAt,
        now: this.clock.now().getTime()
      })
      const name = claimName(this.names.prefix, this.fingerprint, generation)
      switch (step.next) {
        case 'present':
          this.owned ??= { name, generation, value: this.value('claimed', step.presentations) }
          return { kind: 'present', claim: name, presentations: step.presentations, takeoverFrom }
        case 'skip':
        case 'fail':
          if (!step.release) this.owned = undefined
          return step.next === 'skip' ? { kind: 'skip', reason: step.reason } : { kind: 'fail', reason: step.reason }
        case 'read-secret-time':
          secretWrittenAt = await this.api.secretWrittenAt(this.names.refreshTokenSecret)
          continue
        case 'take-over': {
          generation = step.generation
          presentations = step.presentations
          takeoverFrom = step.from
          const next = claimName(this.names.prefix, this.fingerprint, generation)
          claim = (await this.create(next, generation, this.value('claimed', presentations)))
            ? { kind: 'created' }
            : await this.read(generation)
          continue
        }
        case 'read-again': {
          // 409, then 404: the read lags behind the create, or the holder gave the claim back meanwhile.
          if (await this.create(name, generation, this.value('claimed', presentations))) {
            claim = { kind: 'created' }
            continue
          }
          if (this.clock.now().getTime() + wait > readPatience) return { kind: 'skip', reason: { why: 'unreadable' } }
          await this.clock.sleep(wait)
          wait *= 2
          claim = await this.read(generation)
          continue
        }
      }
    }
  }

  /** One create of a claim: a 201 makes this run its owner, from that moment on (a cancel may be waiting for it). */
  private create(name: string, generation: number, value: ClaimValue): Promise<boolean> {
    const creating = this.api.createVariable(name, encodeClaim(value)).then((result) => {
      if (result === 'created') this.owned = { name, generation, value }
      return result === 'created'
    })
    this.creating = creating.catch(() => undefined)
    return creating
  }

  private async read(generation: number): Promise<Observation['claim']> {
    const text = await this.api.readVariable(claimName(this.names.prefix, this.fingerprint, generation))
    if (text === undefined) return { kind: 'not-found' }
    const value = decodeClaim(text)
    return value ? { kind: 'found', value } : { kind: 'foreign', text }
  }

  /** A claim write, in order after the ones before it. */
  private write(state: ClaimState, extra: Partial<ClaimValue>, patience: Patience): Promise<void> {
    const owned = this.owned
    if (!owned) return Promise.resolve()
    const value = this.value(state, owned.value.presentations, extra)
    const name = owned.name
    const done = this.pending.then(async () => {
      await this.api.writeVariable(name, encodeClaim(value), true, patience)
    })
    this.pending = done.catch(() => undefined)
    return done
  }

  /**
   * The new refresh token is in this run's hands: the claim says so, beside the token's own write and as
   * patiently, so no later run presents the old token even if this run dies before storing the new one.
   */
  received(successor: string): Promise<void> {
    this.successor = fingerprint(successor)
    return this.write(
      'received',
      { next: this.successor },
      { until: this.clock.now().getTime() + PATIENT_WRITE_MS }
    ).catch((error: unknown) => {
      this.notes.unrecorded.push({ name: this.claim, reason: String(error) })
    })
  }

  /** The grant is out and the run may end before its answer: the claim says unknown, held from `sentAt`. */
  unknown(sentAt: Date): Promise<void> {
    return this.write(
      'unknown',
      { sentAt: sentAt.toISOString(), until: new Date(sentAt.getTime() + UNKNOWN_HOLD_MS).toISOString() },
      undefined
    ).catch((error: unknown) => {
      this.notes.unrecorded.push({ name: this.claim, reason: String(error) })
    })
  }

  /**
   * The server refused the token (a readable answer: it did not rotate it). On a first presentation the claim
   * is given back with the rest of the phase; on the one more presentation after an unknown outcome it says
   * refused, for good: the first presentation had rotated the token, and no run may try a third time.
   */
  refused(): Promise<void> {
    if (!this.owned || this.owned.value.presentations === 0) return Promise.resolve()
    this.refusedAgain = true
    return this.write('refused', {}, undefined).catch((error: unknown) => {
      this.notes.unrecorded.push({ name: this.claim, reason: String(error) })
    })
  }

  /**
   * The outcome the phase says, once: before the grant (or when the server answered without rotating) the
   * claim is given back; with the grant out and no answer, it says unknown; with the successor in hand it says
   * received (and the record lists the token as lost), or stored (and the record lists it as spent, and the
   * claims of long-spent tokens are removed). Never throws: what it cannot do becomes a note.
   */
  settle(phase: Phase, sentAt: Date | undefined): Promise<void> {
    this.settling ??= this.creating.then(() => this.recordOutcome(phase, sentAt))
    return this.settling
  }

  private async recordOutcome(phase: Phase, sentAt: Date | undefined): Promise<void> {
    const owned = this.owned
    if (!owned) return
    const note = (name: string) => (error: unknown) => void this.notes.unrecorded.push({ name, reason: String(error) })
    switch (phase) {
      case 'before-grant':
      case 'not-rotated':
        await this.pending
        if (!this.refusedAgain) await this.api.deleteVariable(owned.name).catch(note(owned.name))
        return
      case 'grant-out':
        await this.unknown(sentAt ?? this.clock.now())
        return
      case 'successor-received':
        await Promise.all([
          this.pending,
          this.writeRecord({ fingerprint: this.fingerprint, stored: false, generations: owned.generation })
        ])
        return
      case 'refresh-token-stored':
      case 'done':
        await Promise.all([
          this.write('stored', { next: this.successor }, undefined).catch(note(owned.name)),
          this.writeRecord({ fingerprint: this.fingerprint, stored: true, generations: owned.generation })
        ])
    }
  }

  /** The record with this token added, and the claims it has shown long enough removed. */
  private async writeRecord(spent: { fingerprint: string; stored: boolean; generations: number }): Promise<void> {
    const now = this.clock.now().getTime()
    const { entries, claimsToRemove } = nextRecord(this.record, spent, now)
    await Promise.all([
      this.api
        .writeVariable(this.names.record, encodeRecord(entries, now), this.record.kind !== 'absent')
        .catch((error: unknown) => void this.notes.unrecorded.push({ name: this.names.record, reason: String(error) })),
      ...claimsToRemove.flatMap((entry) => this.removeClaims(entry))
    ])
  }

  private removeClaims(entry: SpentEntry): Promise<void>[] {
    return Array.from({ length: entry.generations }, (_, i) => {
      const name = claimName(this.names.prefix, entry.fingerprint, i + 1)
      return this.api.deleteVariable(name).then(
        () => undefined,
        () => void this.notes.leftClaims.push(name)
      )
    })
  }
}
