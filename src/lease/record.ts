import { z } from 'zod'
import {
  CLAIM_CLEANUP_AFTER_MS,
  CLAIM_CLEANUPS_PER_RUN,
  RECORD_MAX_BYTES,
  RECORD_MIN_RETENTION_MS,
  RECORD_RETENTION_MS
} from '../timing.js'

/**
 * The spent record: one variable listing the fingerprints of refresh tokens whose successor was received,
 * newest first. Claims cover the minutes after a rotation, while reads of this record may still be stale;
 * the record covers the months after, once a claim is gone, when its reads are surely consistent. It is
 * compact so that a year of hourly rotations' last months fit in GitHub's 48 KB:
 *
 *     v1 @mf3k00 1A2B3C4D5E6F7A8B.mf3k2a.s 0F1E2D3C4B5A6978.mf3jw0.sc2 ...
 *
 * `@` and a time: when a run last swept the claims (listed them and removed any the record marks removed).
 * Each entry: fingerprint, when it was added (epoch seconds, base 36), then flags: `s` the successor was
 * stored / `r` received but never stored, `c` its claims were removed, a digit for the generations of
 * claims it had (when more than one).
 */
const ENTRY = /^([0-9A-F]{16})\.([0-9a-z]{1,8})\.([sr])(c?)([2-9]?)$/

export const spentEntrySchema = z.string().transform((text, ctx) => {
  const match = ENTRY.exec(text)
  if (!match) {
    ctx.addIssue({ code: 'custom', message: `not an entry: ${text.slice(0, 40)}` })
    return z.NEVER
  }
  // Every group of ENTRY takes part in a match (the optional parts match as ''), so each is a string.
  const [fingerprint, seconds, stored, cleaned, generations] = match.slice(1) as [
    string,
    string,
    string,
    string,
    string
  ]
  return {
    fingerprint,
    addedAt: parseInt(seconds, 36) * 1000,
    stored: stored === 's',
    claimsRemoved: cleaned === 'c',
    generations: generations ? Number(generations) : 1
  }
})

export type SpentEntry = z.output<typeof spentEntrySchema>

export const spentRecordSchema = z.string().transform((text, ctx) => {
  const [version, ...entries] = text.trim().split(/\s+/)
  if (version !== 'v1') {
    ctx.addIssue({ code: 'custom', message: 'not a spent record (v1)' })
    return z.NEVER
  }
  const parsed: SpentEntry[] = []
  let sweptAt = 0
  for (const entry of entries) {
    if (/^@[0-9a-z]{1,8}$/.test(entry)) {
      sweptAt = parseInt(entry.slice(1), 36) * 1000
      continue
    }
    const result = spentEntrySchema.safeParse(entry)
    if (!result.success) {
      ctx.addIssue({ code: 'custom', message: result.error.issues[0]?.message ?? 'bad entry' })
      return z.NEVER
    }
    parsed.push(result.data)
  }
  return { entries: parsed, sweptAt }
})

export function encodeEntry(entry: SpentEntry): string {
  const generations = entry.generations > 1 ? String(entry.generations) : ''
  return `${entry.fingerprint}.${Math.floor(entry.addedAt / 1000).toString(36)}.${entry.stored ? 's' : 'r'}${entry.claimsRemoved ? 'c' : ''}${generations}`
}

/**
 * The record's text, newest first: every entry of the last 31 days, then older ones while they fit, none
 * older than the retention.
 */
export function encodeRecord(entries: readonly SpentEntry[], now: number, sweptAt = 0): string {
  let text = sweptAt ? `v1 @${Math.floor(sweptAt / 1000).toString(36)}` : 'v1'
  for (const entry of [...entries].sort((a, b) => b.addedAt - a.addedAt)) {
    const age = now - entry.addedAt
    if (age > RECORD_RETENTION_MS) break
    const next = `${text} ${encodeEntry(entry)}`
    if (next.length > RECORD_MAX_BYTES && age > RECORD_MIN_RETENTION_MS) break
    text = next
  }
  return text
}

/**
 * A record read from GitHub: its entries, or why it could not be read as one. `lagging`: it exists (its
 * create answered 409) but no read shows it yet: nothing may rest on it.
 */
export type ReadRecord =
  | { kind: 'absent' }
  | { kind: 'read'; entries: SpentEntry[]; sweptAt: number }
  | { kind: 'unreadable'; reason: string }
  | { kind: 'lagging' }

export function parseRecord(text: string | undefined): ReadRecord {
  if (text === undefined) return { kind: 'absent' }
  const parsed = spentRecordSchema.safeParse(text)
  return parsed.success
    ? { kind: 'read', ...parsed.data }
    : { kind: 'unreadable', reason: parsed.error.issues[0]?.message ?? 'unreadable' }
}

export function findSpent(record: ReadRecord, fingerprint: string): SpentEntry | undefined {
  return record.kind === 'read'
    ? record.entries.find((entry) => entry.fingerprint === fingerprint)
    : undefined
}

/**
 * The record this run writes: what it read, with this token's entry added (or updated), and the entries
 * whose claims are due for removal marked so. Entries are only ever added here, never dropped but by age
 * and size, so an entry lost to a write based on a stale read can only be one added within the consistency
 * horizon: its claims are still there, and are never removed on the word of a record that lacks it.
 */
export function nextRecord(
  read: ReadRecord,
  spent: { fingerprint: string; stored: boolean; generations: number } | undefined,
  now: number
): { entries: SpentEntry[]; claimsToRemove: SpentEntry[] } {
  // Never written over a read that lagged or a value this action did not write.
  if (read.kind === 'lagging' || read.kind === 'unreadable') return { entries: [], claimsToRemove: [] }
  const entries = read.kind === 'read' ? read.entries.map((entry) => ({ ...entry })) : []
  if (spent) {
    const existing = entries.find((entry) => entry.fingerprint === spent.fingerprint)
    if (existing) {
      existing.stored ||= spent.stored
      existing.generations = Math.max(existing.generations, spent.generations)
    } else {
      entries.push({ ...spent, addedAt: now, claimsRemoved: false })
    }
  }
  const claimsToRemove = entries
    .filter((entry) => !entry.claimsRemoved && now - entry.addedAt >= CLAIM_CLEANUP_AFTER_MS)
    .sort((a, b) => a.addedAt - b.addedAt)
    .slice(0, CLAIM_CLEANUPS_PER_RUN)
  for (const entry of claimsToRemove) entry.claimsRemoved = true
  return { entries, claimsToRemove }
}
