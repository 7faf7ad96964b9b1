import { randomUUID } from 'node:crypto'
import type { Clock } from '../clock.js'
import type { GitHubApi, Patience } from '../github/api.js'
import type { Phase } from '../phase.js'
import {
  BACKOFF_BASE_MS,
  CLAIM_CLEANUP_AFTER_MS,
  CONSISTENCY_HORIZON_MS,
  HOLDER_POLL_MS,
  DURATION,
  HOLDER_WAIT_MS,
  RECORD_MIN_RETENTION_MS,
  SWEEP_EVERY_MS,
  UNKNOWN_HOLD_MS,
  WORST_CASE_RUN_MS
} from '../timing.js'
import {
  CLAIM_PREFIX,
  claimFingerprint,
  claimName,
  decodeClaim,
  encodeClaim,
  type ClaimState,
  type ClaimValue
} from './claim.js'
import { decide, type FailReason, type Observation, type SkipReason } from './decide.js'
import { fingerprint } from './fingerprint.js'
import { encodeRecord, nextRecord, parseRecord, type ReadRecord, type SpentEntry } from './record.js'

/** The lock variable versions before the claim used: one lock for every token, replaced by a claim per token. */
const OLD_LOCK = 'WIZARD_ROTATION_LOCK'

export type LeaseApi = Pick<
  GitHubApi,
  | 'createVariable'
  | 'readVariable'
  | 'updateVariable'
  | 'writeVariable'
  | 'deleteVariable'
  | 'secretWrittenAt'
  | 'listVariables'
>

export interface LeaseOptions {
  /** The spent record's variable. */
  record: string
  /** The refresh-token secret: when it was last written tells an outdated token from a current one. */
  refreshTokenSecret: string
  /** Who holds the claim: the workflow run, for a person reading the variable. */
  holder: string
  /** With a recovery key, a silent claim of this run is never taken over: it may have handed the successor to a person. */
  recovery: boolean
  /** Whether the run was asked to stop (a cancel): a wait for another run's claim ends there. */
  stopping: () => boolean
}

/** What the lease decided: present the token (this run owns its presentation), skip, or fail red. */
export type LeaseDecision =
  | { kind: 'present'; claim: string; presentations: number; takeoverFrom?: ClaimValue }
  | { kind: 'skip'; reason: SkipReason }
  | { kind: 'fail'; reason: FailReason }

/** What the lease could not do on its way out: each becomes a warning with the command that fixes it. */
export interface LeaseNotes {
  /** Claims of long-spent tokens that could not be removed. */
  leftClaims: string[]
  /** A claim's outcome or the record could not be written. */
  unrecorded: { name: string; reason: string }[]
  /** The lock variable of the action's earlier versions, found when the record was first made: it can go. */
  oldLock?: string
  /** The record could not keep a month of tokens: how long it keeps (ms). */
  recordCutShort?: number
}

/**
 * The claim on one refresh token, over its whole life in a run: `acquire` (the create, the record read, and
 * the decision), `reserve` and `received` (beside the new refresh token's write), and `settle` (the outcome
 * the phase says, once, in the run's one `finally`). Claim writes go out in order, one after the other, so
 * a later state never lands before an earlier one.
 */
export class Lease {
  readonly fingerprint: string
  readonly notes: LeaseNotes = { leftClaims: [], unrecorded: [] }
  private readonly nonce = randomUUID()
  private owned: { name: string; generation: number; value: ClaimValue } | undefined
  private record: ReadRecord = { kind: 'absent' }
  private pending: Promise<void> = Promise.resolve()
  private acquiring: Promise<unknown> = Promise.resolve()
  private settling: Promise<void> | undefined
  private refusedAgain = false
  /**
   * The claims a write of this run's (a create, an update) sent with no settling answer: it may still land,
   * later, so this run never deletes them.
   */
  private readonly unsettled = new Set<string>()
  private unsettledOn(name: string): Patience {
    return { uncertain: () => void this.unsettled.add(name) }
  }
  private successor: string | undefined
  private reservation: string | undefined
  /** The rotation's writes after the new refresh token: the successor's reservation is given back after them. */
  private reservationHeldFor: Promise<unknown> = Promise.resolve()
  /** An attempt of a write over the successor's secrets went unsettled: it may still land, later. */
  private successorWritesUnsettled = false

  constructor(
    private readonly api: LeaseApi,
    private readonly options: LeaseOptions,
    token: string,
    private readonly clock: Clock
  ) {
    this.fingerprint = fingerprint(token)
  }

  /** The claim's name: what a person reads, or deletes, when a message names it. */
  get claim(): string {
    return this.owned?.name ?? claimName(this.fingerprint, 1)
  }

  private value(state: ClaimState, presentations: number, extra: Partial<ClaimValue> = {}): ClaimValue {
    const now = this.clock.now()
    return {
      v: 1,
      state,
      holder: this.options.holder,
      nonce: this.nonce,
      at: this.owned?.value.at ?? now.toISOString(),
      until: new Date(now.getTime() + WORST_CASE_RUN_MS).toISOString(),
      presentations,
      ...(this.options.recovery ? { recovery: true } : {}),
      ...extra
    }
  }

  /** The decision; a `settle` that comes meanwhile (a cancel) waits for it and stops it creating anything more. */
  acquire(): Promise<LeaseDecision> {
    const acquiring = this.decide()
    this.acquiring = acquiring.catch(() => undefined)
    return acquiring
  }

  /**
   * The create of the token's claim (one round trip, after `readRecord`), then, only when the claim exists
   * already, what its value, its age and the refresh-token secret's last write say.
   */
  private async decide(): Promise<LeaseDecision> {
    let generation = 1
    let presentations = 0
    let takeoverFrom: ClaimValue | undefined
    const created = await this.create(claimName(this.fingerprint, 1), generation, this.value('claimed', 0))
    let claim: Observation['claim'] = created ? { kind: 'created' } : await this.read(1)
    let secretWrittenAt: number | undefined
    const waitUntil = this.clock.now().getTime() + HOLDER_WAIT_MS
    for (let pause = BACKOFF_BASE_MS; ;) {
      const step = decide({
        fingerprint: this.fingerprint,
        nonce: this.nonce,
        generation,
        presentations,
        claim,
        record: this.record,
        secretWrittenAt,
        now: this.clock.now().getTime(),
        waitUntil
      })
      const name = claimName(this.fingerprint, generation)
      switch (step.next) {
        case 'present':
          this.owned ??= { name, generation, value: this.value('claimed', step.presentations) }
          return { kind: 'present', claim: name, presentations: step.presentations, takeoverFrom }
        case 'skip':
        case 'fail':
          if (!step.release) this.owned = undefined
          return step.next === 'skip'
            ? { kind: 'skip', reason: step.reason }
            : { kind: 'fail', reason: step.reason }
        case 'read-secret-time':
          secretWrittenAt = await this.api.secretWrittenAt(this.options.refreshTokenSecret)
          continue
        case 'take-over': {
          generation = step.generation
          presentations = step.presentations
          takeoverFrom = step.from
          const next = claimName(this.fingerprint, generation)
          claim = (await this.create(next, generation, this.value('claimed', presentations)))
            ? { kind: 'created' }
            : await this.read(generation)
          continue
        }
        case 'read-again':
          // 409, then 404: the read lags behind the create, or the holder gave the claim back meanwhile.
          if (await this.create(name, generation, this.value('claimed', presentations))) {
            claim = { kind: 'created' }
            continue
          }
          await this.pause(pause)
          pause = Math.min(pause * 2, HOLDER_POLL_MS)
          claim = await this.read(generation)
          continue
        case 'wait':
          // The holder's next state (stored, given back, unknown) shows on a later read; a read that lags
          // only shows an earlier state, which is one more pause, never a wrong decision.
          await this.pause(HOLDER_POLL_MS)
          claim = await this.read(generation)
          continue
      }
    }
  }

  /**
   * A pause in a wait for another run, cut short by a cancel or by the run settling (another stage failed):
   * this run holds nothing then, and just stops.
   */
  private async pause(ms: number): Promise<void> {
    const stop = () => {
      if (this.options.stopping() || this.settling) throw new Error('the run is stopping')
    }
    for (let left = ms; left > 0; left -= DURATION.SECOND) {
      stop()
      await this.clock.sleep(Math.min(DURATION.SECOND, left))
    }
    stop()
  }

  /** One create of a claim: a 201 makes this run its owner. None once the lease is settling (a cancel). */
  private async create(name: string, generation: number, value: ClaimValue): Promise<boolean> {
    if (this.settling) throw new Error('the run is stopping')
    const result = await this.api.createVariable(name, encodeClaim(value), this.unsettledOn(name))
    if (result === 'created') this.owned = { name, generation, value }
    return result === 'created'
  }

  private async read(generation: number): Promise<Observation['claim']> {
    const found = await this.api.readVariable(claimName(this.fingerprint, generation))
    if (!found) return { kind: 'not-found' }
    const value = decodeClaim(found.value)
    return value
      ? { kind: 'found', value, createdAt: found.createdAt, updatedAt: found.updatedAt }
      : { kind: 'foreign', text: found.value }
  }

  /**
   * The spent record, read first (beside the key and the stored expiry). A 404 is not taken at its word (a
   * read just after a write can 404): the record is created empty, and only a 201 says there was none; a 409
   * means it exists, and it is read again until a read shows it, for as long as this run waits for another
   * run. A record that will not show is `lagging`: nothing rests on it, nothing is written over it.
   */
  async readRecord(): Promise<void> {
    this.record = await this.recordAsRead()
  }

  private async recordAsRead(): Promise<ReadRecord> {
    const found = await this.api.readVariable(this.options.record)
    if (found) return parseRecord(found.value)
    if ((await this.api.createVariable(this.options.record, encodeRecord([], 0).text)) === 'created') {
      // The first run of this version here: the lock of the earlier ones, if any, is no longer read.
      if (await this.api.readVariable(OLD_LOCK).catch(() => undefined)) this.notes.oldLock = OLD_LOCK
      return { kind: 'read', entries: [], sweptAt: 0 }
    }
    const patience = this.clock.now().getTime() + HOLDER_WAIT_MS
    for (let wait = BACKOFF_BASE_MS; this.clock.now().getTime() + wait <= patience;) {
      await this.pause(wait)
      wait = Math.min(wait * 2, HOLDER_POLL_MS)
      const again = await this.api.readVariable(this.options.record)
      if (again) return parseRecord(again.value)
    }
    return { kind: 'lagging' }
  }

  /** A claim write, in order after the ones before it. */
  private write(state: ClaimState, extra: Partial<ClaimValue>, patience: Patience): Promise<void> {
    const owned = this.owned
    if (!owned) return Promise.resolve()
    const value = this.value(state, owned.value.presentations, extra)
    const done = this.pending.then(async () => {
      await this.api.writeVariable(owned.name, encodeClaim(value), true, {
        ...patience,
        ...this.unsettledOn(owned.name)
      })
    })
    this.pending = done.catch(() => undefined)
    return done.catch(
      (error: unknown) => void this.notes.unrecorded.push({ name: owned.name, reason: String(error) })
    )
  }

  /**
   * The new refresh token is in this run's hands: the claim says so, beside the token's own write and as
   * patiently, so no later run presents the old token even if this run dies before storing the new one.
   */
  received(successor: string): Promise<void> {
    this.successor = fingerprint(successor)
    return this.write('received', { next: this.successor }, undefined)
  }

  /**
   * Beside the new token's write: its own claim, reserved by this run, so no run presents it while this run
   * may still be writing it (a late retry of this write could land over a newer token). `taken`: another run
   * claimed it first, so it read it from the secret: the write has landed, and must not be retried. Only a
   * read of that claim with another run's nonce says so: a 409 alone may answer this run's own create, sent
   * again after its first answer was lost, and taking that for "landed" would drop a write that never was.
   */
  async reserve(successor: string): Promise<'reserved' | 'taken'> {
    const name = claimName(fingerprint(successor), 1)
    const value = { ...this.value('reserved', 0), at: this.clock.now().toISOString() }
    const result = await this.api
      .createVariable(name, encodeClaim(value), this.unsettledOn(name))
      .catch(() => 'failed' as const)
    if (result === 'created') this.reservation = name
    if (result !== 'exists') return 'reserved'
    // The claim exists: whose it is shows on a read within GitHub's consistency horizon (this run is past its
    // grant, so a cancel does not cut this short; the write goes on meanwhile).
    const until = this.clock.now().getTime() + CONSISTENCY_HORIZON_MS
    for (;;) {
      const found = await this.api.readVariable(name).catch(() => undefined)
      const claim = found && decodeClaim(found.value)
      if (claim) {
        // Another run's, whatever it says: given back, its one DELETE may land next and leave the successor
        // with no claim at all while this run's writes go on.
        if (claim.nonce !== this.nonce) return 'taken'
        this.reservation = name
        return 'reserved'
      }
      if (this.clock.now().getTime() + HOLDER_POLL_MS > until) return 'reserved'
      await this.clock.sleep(HOLDER_POLL_MS)
    }
  }

  /**
   * The access token's and the expiry's writes, which go out after the new refresh token: the successor's
   * reservation is given back only once they have answered. Given back earlier, a run holding the successor
   * could rotate it meanwhile (revoking this run's access token) and these writes land over its newer ones.
   */
  holdReservationFor<T>(writes: Promise<T>): Promise<T> {
    this.reservationHeldFor = writes.catch(() => undefined)
    return writes
  }

  /**
   * The patience of the writes over the successor's secrets (the refresh token, the access token, the expiry):
   * an attempt without a settling answer may still be applied, later, over a newer rotation's values. Then the
   * reservation is given back as `released` and never deleted: a run takes it over only once it has settled
   * (`RELEASE_SETTLE_MS`), after any such attempt could land.
   */
  successorWrites(patience: Patience = undefined): Patience {
    return { ...patience, uncertain: () => void (this.successorWritesUnsettled = true) }
  }

  /** The grant is out and the run may end before its answer: the claim says unknown, held from `sentAt`. */
  unknown(sentAt: Date, cancelled = false): Promise<void> {
    return this.write(
      'unknown',
      {
        sentAt: sentAt.toISOString(),
        until: new Date(sentAt.getTime() + UNKNOWN_HOLD_MS).toISOString(),
        ...(cancelled ? { cancelled: true } : {})
      },
      undefined
    )
  }

  /**
   * The server refused the token with invalid_grant. On a first presentation the claim is given back with the
   * rest of the phase; on the one more presentation after an unknown outcome it says refused, for good: the
   * first presentation had rotated the token, and no run may try a third time.
   */
  refused(): Promise<void> {
    if (!this.owned || this.owned.value.presentations === 0) return Promise.resolve()
    this.refusedAgain = true
    return this.write('refused', {}, undefined)
  }

  /**
   * The outcome the phase says, once, after the decision (a cancel's settle waits for it): before the grant,
   * or when the server answered without rotating, the claim is given back; with the grant out and no answer,
   * it says unknown; with the successor in hand, received (and the record lists the token as lost), or stored
   * (and the record lists it as spent, and long-spent claims are removed). Never throws.
   */
  settle(phase: Phase, sentAt: Date | undefined): Promise<void> {
    this.settling ??= this.acquiring.then(() => this.recordOutcome(phase, sentAt))
    return this.settling
  }

  private async recordOutcome(phase: Phase, sentAt: Date | undefined): Promise<void> {
    const owned = this.owned
    if (!owned) return
    const reservation = this.reservation
    const release = reservation
      ? this.reservationHeldFor.then(() => this.giveBack(reservation, 0, this.successorWritesUnsettled))
      : undefined
    switch (phase) {
      case 'before-grant':
      case 'not-rotated':
        await this.pending
        if (!this.refusedAgain) await this.giveBack(owned.name, owned.value.presentations)
        break
      case 'grant-out':
        await this.unknown(sentAt ?? this.clock.now())
        break
      case 'successor-received':
        await Promise.all([
          this.pending,
          this.writeRecord({ fingerprint: this.fingerprint, stored: false, generations: owned.generation })
        ])
        break
      case 'refresh-token-stored':
      case 'done':
        await Promise.all([
          this.write('stored', { next: this.successor }, undefined),
          this.writeRecord({ fingerprint: this.fingerprint, stored: true, generations: owned.generation })
        ])
    }
    await release
  }

  /**
   * A claim this run made and never presented, given back: it says `released` first (patiently: an update of
   * this run's own claim is harmless to repeat), then one DELETE, never sent again. A DELETE whose answer was
   * lost may have been applied, and a run waiting on the claim may have created it anew since: a second
   * DELETE would remove that run's claim, and with it the only guard of a token it has presented. If the one
   * DELETE fails, the claim stays `released`, which a run takes over (in the next generation) once settled.
   *
   * No DELETE at all when an attempt of a write to this claim went unsettled (its create, an earlier state,
   * this update): it may still be applied, and once the claim is gone and a waiting run has created it anew,
   * it would overwrite that run's claim. Kept, the claim can only ever say released. None either (`keep`) for a
   * reservation whose successor's writes had an unsettled attempt (`successorWrites`).
   */
  private async giveBack(name: string, presentations: number, keep = false): Promise<void> {
    const noted = (error: unknown) => void this.notes.unrecorded.push({ name, reason: String(error) })
    const released = encodeClaim(this.value('released', presentations))
    const still = await this.api
      .updateVariable(name, released, this.unsettledOn(name))
      .catch((error: unknown) => {
        noted(error)
        return 'updated' as const
      })
    if (still === 'absent' || this.unsettled.has(name) || keep) return
    await this.api.deleteVariable(name, { once: true }).catch(noted)
  }

  /**
   * The record with this token added, and the claims it has shown long enough removed; once a day, a sweep
   * of every claim, for those whose removal failed before.
   */
  private async writeRecord(spent: {
    fingerprint: string
    stored: boolean
    generations: number
  }): Promise<void> {
    if (this.record.kind !== 'read') return
    const now = this.clock.now().getTime()
    const { entries, claimsToRemove } = nextRecord(this.record, spent, now)
    const sweep = now - this.record.sweptAt >= SWEEP_EVERY_MS
    const record = encodeRecord(entries, now, sweep ? now : this.record.sweptAt)
    if (record.cutShort) {
      const kept = parseRecord(record.text)
      const oldest = kept.kind === 'read' ? Math.min(...kept.entries.map((entry) => entry.addedAt)) : now
      this.notes.recordCutShort = now - oldest
    }
    await Promise.all([
      this.api
        .writeVariable(this.options.record, record.text, true)
        .catch(
          (error: unknown) =>
            void this.notes.unrecorded.push({ name: this.options.record, reason: String(error) })
        ),
      ...claimsToRemove.flatMap((entry) => this.removeClaims(entry)),
      sweep ? this.sweep(entries, now) : undefined
    ])
  }

  private removeClaims(entry: SpentEntry): Promise<void>[] {
    return Array.from({ length: entry.generations }, (_, i) =>
      this.remove(claimName(entry.fingerprint, i + 1))
    )
  }

  private remove(name: string): Promise<void> {
    return this.api.deleteVariable(name).then(
      () => undefined,
      () => void this.notes.leftClaims.push(name)
    )
  }

  /**
   * Claims the record marks removed whose delete failed before, and every claim older than the record's
   * month (a token refused, or left unknown by a chain that died, is never in the record): no run can hold
   * such a token any more (GitHub re-runs a run for 30 days at most), so nothing is guarded by it.
   */
  private async sweep(entries: SpentEntry[], now: number): Promise<void> {
    const removed = new Set(entries.filter((entry) => entry.claimsRemoved).map((entry) => entry.fingerprint))
    const claims = await this.api.listVariables(CLAIM_PREFIX).catch(() => [])
    await Promise.all(
      claims
        .filter(({ name, createdAt }) => {
          const print = claimFingerprint(name)
          const age = now - createdAt
          if (print === undefined) return false
          return (removed.has(print) && age >= CLAIM_CLEANUP_AFTER_MS) || age >= RECORD_MIN_RETENTION_MS
        })
        .map(({ name }) => this.remove(name))
    )
  }
}
