import { claimFingerprint, claimName } from '../../src/lease/claim.js'
import { encodeRecord, findSpent, nextRecord, parseRecord, type SpentEntry } from '../../src/lease/record.js'
import {
  CLAIM_CLEANUP_AFTER_MS,
  CLAIM_CLEANUPS_PER_RUN,
  RECORD_MAX_BYTES,
  RECORD_MIN_RETENTION_MS,
  RECORD_RETENTION_MS
} from '../../src/timing.js'

const NOW = Date.parse('2026-11-30T07:23:00Z')
const HOUR = 3_600_000
const fp = (n: number) => n.toString(16).toUpperCase().padStart(16, '0')
// The record keeps when an entry was added to the hour.
const entry = (n: number, ageMs: number, overrides: Partial<SpentEntry> = {}): SpentEntry => ({
  fingerprint: fp(n),
  addedAt: Math.floor((NOW - ageMs) / HOUR) * HOUR,
  stored: true,
  claimsRemoved: false,
  generations: 1,
  ...overrides
})

describe('the spent record', () => {
  it('round-trips its entries, flags and generations', () => {
    const entries = [
      entry(1, 0),
      entry(2, 1000, { stored: false, claimsRemoved: true, generations: 3 }),
      entry(3, 2000, { generations: 27 })
    ]
    const read = parseRecord(encodeRecord(entries, NOW).text)
    // Read back, each entry knows its time only to the hour.
    const toTheHour = entries.map((each) => ({ ...each, addedWithinMs: HOUR }))
    expect(read).toEqual({ kind: 'read', entries: toTheHour, sweptAt: 0 })
    expect(findSpent(read, fp(2))).toMatchObject({ stored: false, generations: 3 })
    expect(findSpent(read, fp(3))).toMatchObject({ generations: 27 })
    expect(findSpent(read, fp(4))).toBeUndefined()
  })

  it('claim names carry up to two digits of generation, as the sweep reads them', () => {
    expect(claimName(fp(1), 27)).toBe(`WIZARD_CLAIM_${fp(1)}_27`)
    expect(claimFingerprint(claimName(fp(1), 27))).toBe(fp(1))
    expect(claimFingerprint(claimName(fp(1), 1))).toBe(fp(1))
    expect(claimFingerprint(`WIZARD_CLAIM_${fp(1)}_270`)).toBeUndefined()
  })

  it('absent, or not a record at all', () => {
    expect(parseRecord(undefined)).toEqual({ kind: 'absent' })
    expect(parseRecord('hello')).toMatchObject({ kind: 'unreadable' })
    expect(parseRecord('v2 nonsense')).toMatchObject({ kind: 'unreadable' })
    // An entry before any hour says when it was added: not one this action wrote.
    expect(parseRecord('v2 AAAAAAAAAAAs')).toMatchObject({ kind: 'unreadable' })
    expect(parseRecord('v2 -1 AAAAAAAAAAAs')).toMatchObject({ kind: 'unreadable' })
    expect(parseRecord('v2')).toEqual({ kind: 'read', entries: [], sweptAt: 0 })
    expect(parseRecord('v2 @ajm2e1')).toMatchObject({
      kind: 'read',
      sweptAt: parseInt('ajm2e1', 36) * 60_000
    })
  })

  it('still reads the earlier form (v1), and a v1 record is written anew as v2', () => {
    const at = (ageMs: number) => Math.floor((NOW - ageMs) / 1000)
    const v1 = `v1 @${at(0).toString(36)} ${fp(5)}.${at(HOUR).toString(36)}.sc2 ${fp(6)}.${at(2 * HOUR).toString(36)}.r`
    const read = parseRecord(v1)
    expect(read).toEqual({
      kind: 'read',
      sweptAt: at(0) * 1000,
      entries: [
        {
          fingerprint: fp(5),
          addedAt: at(HOUR) * 1000,
          addedWithinMs: 1000,
          stored: true,
          claimsRemoved: true,
          generations: 2
        },
        {
          fingerprint: fp(6),
          addedAt: at(2 * HOUR) * 1000,
          addedWithinMs: 1000,
          stored: false,
          claimsRemoved: false,
          generations: 1
        }
      ]
    })
    expect(read.kind === 'read' && encodeRecord(read.entries, NOW).text).toMatch(/^v2 ~/)
  })

  it('adds this token once, keeps what it read, and marks at most a few old claims for removal', () => {
    const old = Array.from({ length: CLAIM_CLEANUPS_PER_RUN + 3 }, (_, i) =>
      entry(100 + i, CLAIM_CLEANUP_AFTER_MS + i * HOUR)
    )
    const recent = entry(7, CLAIM_CLEANUP_AFTER_MS - 1000)
    const { entries, claimsToRemove } = nextRecord(
      { kind: 'read', entries: [...old, recent], sweptAt: 0 },
      { fingerprint: fp(9), stored: true, generations: 1 },
      NOW
    )
    expect(entries).toHaveLength(old.length + 2)
    expect(claimsToRemove).toHaveLength(CLAIM_CLEANUPS_PER_RUN)
    // Oldest first, and never one the record has shown for less than a day.
    expect(claimsToRemove.map((e) => e.fingerprint)).not.toContain(fp(7))
    expect(claimsToRemove[0]?.fingerprint).toBe(fp(100 + CLAIM_CLEANUPS_PER_RUN + 2))
    expect(entries.filter((e) => e.claimsRemoved)).toHaveLength(CLAIM_CLEANUPS_PER_RUN)
  })

  it('an entry already there is updated, never duplicated; stored wins over lost', () => {
    const { entries } = nextRecord(
      { kind: 'read', entries: [entry(1, 5000, { stored: false })], sweptAt: 0 },
      { fingerprint: fp(1), stored: true, generations: 2 },
      NOW
    )
    expect(entries).toEqual([expect.objectContaining({ fingerprint: fp(1), stored: true, generations: 2 })])
  })

  it('keeps the newest entries that fit in a variable, and none past the retention', () => {
    const many = Array.from({ length: 5000 }, (_, i) => entry(i + 1, i * HOUR))
    const { text, cutShort } = encodeRecord(many, NOW)
    expect(text.length).toBeLessThanOrEqual(RECORD_MAX_BYTES)
    expect(cutShort).toBe(false)
    const kept = parseRecord(text)
    expect(kept.kind === 'read' && kept.entries[0]?.fingerprint).toBe(fp(1))
    // Hourly rotations: three months fit.
    expect(kept.kind === 'read' && kept.entries.length).toBeGreaterThan(24 * 90)
    const ancient = encodeRecord([entry(1, RECORD_RETENTION_MS + HOUR), entry(2, 0)], NOW).text
    expect(ancient).toBe(
      `v2 ~${Math.floor(NOW / HOUR).toString(36)} ${Buffer.from(fp(2), 'hex').toString('base64url')}sk`
    )
  })

  it('31 days of the recommended cadence (a rotation about every 20 minutes, 72 a day) fit, with room for 100 a day', () => {
    const month = (perDay: number) =>
      Array.from({ length: perDay * 31 }, (_, i) =>
        entry(i + 1, (i * 86_400_000) / perDay, { claimsRemoved: i > perDay })
      )
    for (const perDay of [72, 100]) {
      const { text, cutShort } = encodeRecord(month(perDay), NOW)
      expect(cutShort).toBe(false)
      expect(text.length).toBeLessThanOrEqual(RECORD_MAX_BYTES)
      const kept = parseRecord(text)
      expect(kept.kind === 'read' && kept.entries.length).toBe(perDay * 31)
    }
    // Far more often than that, the record keeps what fits and says it was cut short of the month.
    const crowded = encodeRecord(month(200), NOW)
    expect(crowded.cutShort).toBe(true)
    expect(crowded.text.length).toBeLessThanOrEqual(RECORD_MAX_BYTES)
    expect(RECORD_MIN_RETENTION_MS).toBe(31 * 86_400_000)
  })
})
