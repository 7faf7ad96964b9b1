import { encodeRecord, findSpent, nextRecord, parseRecord, type SpentEntry } from '../../src/lease/record.js'
import {
  CLAIM_CLEANUP_AFTER_MS,
  CLAIM_CLEANUPS_PER_RUN,
  RECORD_MAX_BYTES,
  RECORD_RETENTION_MS
} from '../../src/timing.js'

const NOW = Date.parse('2026-11-30T07:23:00Z')
const fp = (n: number) => n.toString(16).toUpperCase().padStart(16, '0')
const entry = (n: number, ageMs: number, overrides: Partial<SpentEntry> = {}): SpentEntry => ({
  fingerprint: fp(n),
  addedAt: Math.floor((NOW - ageMs) / 1000) * 1000,
  stored: true,
  claimsRemoved: false,
  generations: 1,
  ...overrides
})

describe('the spent record', () => {
  it('round-trips its entries, flags and generations', () => {
    const entries = [entry(1, 0), entry(2, 1000, { stored: false, claimsRemoved: true, generations: 3 })]
    const read = parseRecord(encodeRecord(entries, NOW))
    expect(read).toEqual({ kind: 'read', entries, sweptAt: 0 })
    expect(findSpent(read, fp(2))).toMatchObject({ stored: false, generations: 3 })
    expect(findSpent(read, fp(3))).toBeUndefined()
  })

  it('absent, or not a record at all', () => {
    expect(parseRecord(undefined)).toEqual({ kind: 'absent' })
    expect(parseRecord('hello')).toMatchObject({ kind: 'unreadable' })
    expect(parseRecord('v1 nonsense')).toMatchObject({ kind: 'unreadable' })
    expect(parseRecord('v1')).toEqual({ kind: 'read', entries: [], sweptAt: 0 })
    expect(parseRecord('v1 @mf3k00')).toMatchObject({ kind: 'read', sweptAt: parseInt('mf3k00', 36) * 1000 })
  })

  it('adds this token once, keeps what it read, and marks at most a few old claims for removal', () => {
    const old = Array.from({ length: CLAIM_CLEANUPS_PER_RUN + 3 }, (_, i) =>
      entry(100 + i, CLAIM_CLEANUP_AFTER_MS + i * 1000)
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
    const many = Array.from({ length: 3000 }, (_, i) => entry(i + 1, i * 3_600_000))
    const text = encodeRecord(many, NOW)
    expect(text.length).toBeLessThanOrEqual(RECORD_MAX_BYTES)
    const kept = parseRecord(text)
    expect(kept.kind === 'read' && kept.entries[0]?.fingerprint).toBe(fp(1))
    // A month of hourly rotations fits with room to spare.
    expect(kept.kind === 'read' && kept.entries.length).toBeGreaterThan(24 * 30)
    const ancient = encodeRecord([entry(1, RECORD_RETENTION_MS + 1000), entry(2, 0)], NOW)
    expect(ancient).toBe(`v1 ${fp(2)}.${Math.floor(NOW / 1000).toString(36)}.s`)
  })
})
