import { encodeClaim, decodeClaim, MAX_GENERATIONS, type ClaimValue } from '../../src/lease/claim.js'
import { othersClaim, T0 } from '../support/claims.js'
import { decide, type Observation } from '../../src/lease/decide.js'
import type { ReadRecord } from '../../src/lease/record.js'
import {
  CLAIM_HOLD_MS,
  CONSISTENCY_HORIZON_MS,
  HOLDER_WAIT_MS,
  RELEASE_SETTLE_MS,
  UNKNOWN_HOLD_MS,
  WORST_CASE_RUN_MS
} from '../../src/timing.js'

const FP = '1A2B3C4D5E6F7A8B'
const claim = othersClaim

function seen(overrides: Partial<Observation> = {}): Observation {
  return {
    fingerprint: FP,
    nonce: 'mine',
    generation: 1,
    presentations: 0,
    claim: { kind: 'created' },
    record: { kind: 'absent' },
    now: T0,
    waitUntil: T0 + HOLDER_WAIT_MS,
    ...overrides
  }
}

const found = (value: ClaimValue, updatedAt = Date.parse(value.at)): Observation['claim'] => ({
  kind: 'found',
  value,
  createdAt: Date.parse(value.at),
  updatedAt
})
const recordWith = (stored: boolean, addedAt = T0 - 86_400_000 * 2): ReadRecord => ({
  kind: 'read',
  entries: [{ fingerprint: FP, addedAt, stored, claimsRemoved: true, generations: 1 }],
  sweptAt: 0
})

describe('the lease decision', () => {
  it('presents when this run created the claim and no record lists the token', () => {
    expect(decide(seen())).toEqual({ next: 'present', generation: 1, presentations: 0 })
  })

  it('never presents a token the spent record lists, even with a fresh claim of its own (a re-run days later)', () => {
    expect(decide(seen({ record: recordWith(true) }))).toMatchObject({
      next: 'skip',
      reason: { why: 'spent' },
      release: true
    })
    expect(decide(seen({ record: recordWith(false) }))).toMatchObject({
      next: 'fail',
      reason: { why: 'lost' },
      release: true
    })
  })

  it('the record wins over any claim value, even one that looks takeable', () => {
    const stale = claim({
      state: 'unknown',
      sentAt: new Date(T0).toISOString(),
      until: new Date(T0 + UNKNOWN_HOLD_MS).toISOString()
    })
    expect(
      decide(seen({ claim: found(stale), record: recordWith(true), now: T0 + 86_400_000 }))
    ).toMatchObject({ next: 'skip', release: false })
  })

  it('fails red on a record it cannot read, rather than guess whether the token was spent long ago', () => {
    expect(decide(seen({ record: { kind: 'unreadable', reason: 'not v1' } }))).toMatchObject({
      next: 'fail',
      reason: { why: 'unreadable-record' },
      release: true
    })
  })

  it('knows its own claim when the answer to its create was lost (same nonce)', () => {
    expect(decide(seen({ claim: found(claim({ nonce: 'mine', presentations: 1 })) }))).toEqual({
      next: 'present',
      generation: 1,
      presentations: 1
    })
  })

  it('waits while the holder may still be presenting, and past its wait ends red, never green, however old the value read may be', () => {
    for (const now of [T0, T0 + WORST_CASE_RUN_MS, T0 + WORST_CASE_RUN_MS + CONSISTENCY_HORIZON_MS - 1]) {
      expect(decide(seen({ claim: found(claim()), now, waitUntil: now + 1 }))).toEqual({ next: 'wait' })
      expect(decide(seen({ claim: found(claim()), now, waitUntil: now }))).toMatchObject({
        next: 'fail',
        reason: { why: 'in-flight', by: 'run 1', claimedAt: T0 },
        release: false
      })
    }
  })

  it('a claim that exists (409) and does not show: read again within the wait, then red', () => {
    expect(decide(seen({ claim: { kind: 'not-found' } }))).toEqual({ next: 'read-again' })
    expect(decide(seen({ claim: { kind: 'not-found' }, waitUntil: T0 }))).toMatchObject({
      next: 'fail',
      reason: { why: 'unreadable', what: 'claim' }
    })
  })

  it('skips a token whose successor is stored (a queued run, a re-run)', () => {
    expect(decide(seen({ claim: found(claim({ state: 'stored' })) }))).toMatchObject({
      next: 'skip',
      reason: { why: 'spent' }
    })
  })

  it('after the hold, asks when the refresh-token secret was last written before deciding anything', () => {
    const now = T0 + CLAIM_HOLD_MS
    expect(decide(seen({ claim: found(claim()), now }))).toEqual({ next: 'read-secret-time' })
  })

  it('a holder gone silent, with a newer token stored since its claim: the token held is outdated', () => {
    const now = T0 + CLAIM_HOLD_MS
    expect(decide(seen({ claim: found(claim()), now, secretWrittenAt: T0 + 5000 }))).toMatchObject({
      next: 'skip',
      reason: { why: 'outdated' }
    })
    // Within the claim's own second, a seed just before and a successor just after look the same: red, never a guess.
    expect(
      decide(
        seen({ claim: found(claim({ at: new Date(T0 + 900).toISOString() })), now, secretWrittenAt: T0 })
      )
    ).toMatchObject({
      next: 'fail',
      reason: { why: 'same-second' }
    })
  })

  it('a holder gone silent and nothing stored since: one more presentation, by a second create', () => {
    const now = T0 + CLAIM_HOLD_MS
    const from = claim()
    expect(decide(seen({ claim: found(from), now, secretWrittenAt: T0 - 3_600_000 }))).toEqual({
      next: 'take-over',
      generation: 2,
      presentations: 1,
      from
    })
  })

  it('never a third presentation: after two unknown outcomes, red', () => {
    const now = T0 + CLAIM_HOLD_MS
    expect(
      decide(seen({ claim: found(claim({ presentations: 1 })), generation: 2, now, secretWrittenAt: 0 }))
    ).toMatchObject({
      next: 'fail',
      reason: { why: 'presented-twice' }
    })
  })

  it('an unknown outcome holds the token for the hold from its send, then allows one more presentation', () => {
    const sentAt = T0 + 10_000
    const unknown = claim({
      state: 'unknown',
      sentAt: new Date(sentAt).toISOString(),
      until: new Date(sentAt + UNKNOWN_HOLD_MS).toISOString()
    })
    // Red while held: the outcome is unknown, so the token may be dead.
    expect(decide(seen({ claim: found(unknown), now: sentAt + UNKNOWN_HOLD_MS - 1 }))).toMatchObject({
      next: 'fail',
      reason: { why: 'held', until: sentAt + UNKNOWN_HOLD_MS },
      release: false
    })
    expect(decide(seen({ claim: found(unknown), now: sentAt + UNKNOWN_HOLD_MS }))).toEqual({
      next: 'read-secret-time'
    })
    expect(
      decide(seen({ claim: found(unknown), now: sentAt + UNKNOWN_HOLD_MS, secretWrittenAt: 0 }))
    ).toMatchObject({
      next: 'take-over',
      generation: 2
    })
  })

  it('a successor received and not stored is red once its holder is done; waited for while it may still be storing', () => {
    const received = claim({ state: 'received', next: 'FFFF' })
    expect(decide(seen({ claim: found(received), now: T0 + 1000 }))).toEqual({ next: 'wait' })
    const later = T0 + CLAIM_HOLD_MS
    expect(decide(seen({ claim: found(received), now: later }))).toEqual({ next: 'read-secret-time' })
    expect(decide(seen({ claim: found(received), now: later, secretWrittenAt: 0 }))).toMatchObject({
      next: 'fail',
      reason: { why: 'lost' }
    })
    // Stored in the claim's own second cannot be told from never stored: red, never green.
    expect(decide(seen({ claim: found(received), now: later, secretWrittenAt: T0 }))).toMatchObject({
      next: 'fail'
    })
    expect(decide(seen({ claim: found(received), now: later, secretWrittenAt: T0 + 2000 }))).toMatchObject({
      next: 'skip',
      reason: { why: 'spent' }
    })
  })

  it('409 then 404: reads again (a lagging read, or a claim given back meanwhile)', () => {
    expect(decide(seen({ claim: { kind: 'not-found' } }))).toEqual({ next: 'read-again' })
  })

  it('a claim variable this action did not write is red, naming the generation', () => {
    expect(decide(seen({ claim: { kind: 'foreign', text: 'hello' }, generation: 2 }))).toMatchObject({
      next: 'fail',
      reason: { why: 'foreign-claim', generation: 2 }
    })
  })
})

describe('the claim value', () => {
  it('round-trips, and anything else is not a claim', () => {
    const value = claim({ state: 'unknown', sentAt: new Date(T0).toISOString(), next: 'ABCD' })
    expect(decodeClaim(encodeClaim(value))).toEqual(value)
    expect(decodeClaim('{"v":2}')).toBeUndefined()
    expect(decodeClaim('not json')).toBeUndefined()
    expect(decodeClaim(JSON.stringify({ ...value, presentations: 2 }))).toBeUndefined()
  })
})

describe('the lease decision against the hostile cases of its review', () => {
  it('compares the claim and the secret on GitHub’s clock, whatever the holder’s clock said', () => {
    // The holder's clock ran 3 s ahead: its `at` is after the secret's write, but GitHub's created_at is before.
    const skewed = claim({ at: new Date(T0 + 3000).toISOString() })
    const seenSkewed = seen({
      claim: { kind: 'found', value: skewed, createdAt: T0, updatedAt: T0 },
      now: T0 + CLAIM_HOLD_MS,
      secretWrittenAt: T0 + 2000
    })
    expect(decide(seenSkewed)).toMatchObject({ next: 'skip', reason: { why: 'outdated' } })
  })

  it('never takes over a silent holder that had a recovery key: it may have handed the successor to a person', () => {
    const now = T0 + CLAIM_HOLD_MS
    expect(decide(seen({ claim: found(claim({ recovery: true })), now, secretWrittenAt: 0 }))).toMatchObject({
      next: 'fail',
      reason: { why: 'silent-with-recovery' }
    })
    // An unknown outcome the holder recorded in the normal course (not at its last signal) is not silent.
    const unknown = claim({
      state: 'unknown',
      recovery: true,
      sentAt: new Date(T0).toISOString(),
      until: new Date(T0 + UNKNOWN_HOLD_MS).toISOString()
    })
    expect(decide(seen({ claim: found(unknown), now, secretWrittenAt: 0 }))).toMatchObject({
      next: 'take-over'
    })
    expect(
      decide(seen({ claim: found({ ...unknown, cancelled: true }), now, secretWrittenAt: 0 }))
    ).toMatchObject({
      next: 'fail',
      reason: { why: 'silent-with-recovery' }
    })
  })

  it('a reservation (the successor’s claim, made by the run storing it) holds while its holder writes, then is taken over without counting a presentation', () => {
    const reserved = claim({ state: 'reserved' })
    expect(decide(seen({ claim: found(reserved), now: T0 + 1000 }))).toEqual({ next: 'wait' })
    expect(decide(seen({ claim: found(reserved), now: T0 + CLAIM_HOLD_MS }))).toMatchObject({
      next: 'take-over',
      generation: 2,
      presentations: 0
    })
  })

  it('a record that exists but no read shows yet: red (nothing spent), and a claim this run made is given back', () => {
    expect(decide(seen({ record: { kind: 'lagging' } }))).toMatchObject({
      next: 'fail',
      reason: { why: 'unreadable', what: 'record' },
      release: true
    })
  })

  it('a claim given back (released): created again while its removal may land, red past the wait, then taken over counting no presentation', () => {
    const released = claim({ state: 'released' })
    expect(decide(seen({ claim: found(released), now: T0 + 1000 }))).toEqual({ next: 'read-again' })
    expect(
      decide(seen({ claim: found(released), now: T0 + HOLDER_WAIT_MS, waitUntil: T0 + HOLDER_WAIT_MS }))
    ).toMatchObject({
      next: 'fail',
      reason: { why: 'given-back', until: T0 + RELEASE_SETTLE_MS },
      release: false
    })
    expect(decide(seen({ claim: found(released), now: T0 + RELEASE_SETTLE_MS }))).toMatchObject({
      next: 'take-over',
      generation: 2,
      presentations: 0
    })
    // The settling counts from its last update, by GitHub's clock.
    expect(decide(seen({ claim: found(released, T0 + 60_000), now: T0 + RELEASE_SETTLE_MS }))).toMatchObject({
      next: 'fail',
      reason: { why: 'given-back', until: T0 + 60_000 + RELEASE_SETTLE_MS }
    })
  })

  it('the last generation given back: red for a person (never called presented twice)', () => {
    const released = claim({ state: 'released' })
    expect(
      decide(seen({ claim: found(released), generation: MAX_GENERATIONS, now: T0 + RELEASE_SETTLE_MS }))
    ).toMatchObject({ next: 'fail', reason: { why: 'generations-used', generation: MAX_GENERATIONS } })
  })

  it('a second presentation refused: never a third', () => {
    expect(
      decide(seen({ claim: found(claim({ state: 'refused', presentations: 1 })), generation: 2 }))
    ).toMatchObject({
      next: 'fail',
      reason: { why: 'refused-after-unknown' }
    })
  })
})
