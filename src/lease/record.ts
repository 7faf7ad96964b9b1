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
 * the record covers the months after, once a claim is gone, when its reads are surely consistent. Compact,
 * so that 31 days of rotations every 20 minutes (the recommended cadence) fit in GitHub's 48 KB with room:
 *
 *     v2 @ajm2e1 ~ajm2 Gis8Vj0lHLssk GeuJP8BHf9s-r2 -1 Hs9dj0lHLs_s ...
 *
 * `@` and a time: when a run last swept the claims (epoch minutes, base 36). `~` and an hour (epoch hours,
 * base 36): the entries after it were added in that hour; `-` and a number of hours (base 36): the entries
 * after it were added that many hours before the ones before. Each entry: the fingerprint's 64 bits in 11
 * base64url characters, then flags: `s` the successor was stored / `r` received but never stored, `k` its
 * claims are kept still (not yet removed), the number of generations of claims it had (when more than
 * one). About 13 bytes an entry. `v1` (a fingerprint in hex and a time per entry) is still read.
 */
const ENTRY = /^([A-Za-z0-9_-]{11})([sr])(k?)((?:[1-9][0-9]|[2-9])?)$/
const HOUR = 3_600_000
const MINUTE = 60_000

/** The earlier form: `1A2B3C4D5E6F7A8B.<epoch seconds, base 36>.<flags>`. */
const V1_ENTRY = /^([0-9A-F]{16})\.([0-9a-z]{1,8})\.([sr])(c?)([2-9]?)$/

const hexOf = (print: string) => Buffer.from(print, 'base64url').toString('hex').toUpperCase()
const printOf = (hex: string) => Buffer.from(hex, 'hex').toString('base64url')

function entryFrom(
  fingerprint: string,
  addedAt: number,
  addedWithinMs: number,
  flags: { stored: string; claimsRemoved: boolean; generations: string }
): SpentEntry {
  return {
    fingerprint,
    addedAt,
    addedWithinMs,
    stored: flags.stored === 's',
    claimsRemoved: flags.claimsRemoved,
    generations: flags.generations ? Number(flags.generations) : 1
  }
}

export interface SpentEntry {
  /** 16 hex digits, as claim names carry it. */
  fingerprint: string
  /** Epoch ms; to the hour in the record (the start of the hour it was added in). */
  addedAt: number
  /**
   * How much later than `addedAt` it may have been added: an hour when read from the record (v1 kept
   * seconds), 0 when this run adds it. A comparison with another time must allow for it.
   */
  addedWithinMs?: number
  stored: boolean
  claimsRemoved: boolean
  generations: number
}

export const spentRecordSchema = z.string().transform((text, ctx) => {
  const [version, ...words] = text.trim().split(/\s+/)
  if (version !== 'v2' && version !== 'v1') {
    ctx.addIssue({ code: 'custom', message: 'not a spent record (v2)' })
    return z.NEVER
  }
  const entries: SpentEntry[] = []
  let sweptAt = 0
  let hour: number | undefined
  for (const word of words) {
    // Every group of the patterns takes part in a match (the optional parts as ''), so each is a string.
    const groups = (match: RegExpExecArray) => match.slice(1) as [string, string, string, string, string]
    const entry = version === 'v2' ? ENTRY.exec(word) : V1_ENTRY.exec(word)
    if (/^@[0-9a-z]{1,8}$/.test(word)) {
      sweptAt = parseInt(word.slice(1), 36) * (version === 'v2' ? MINUTE : 1000)
    } else if (version === 'v2' && /^~[0-9a-z]{1,8}$/.test(word)) {
      hour = parseInt(word.slice(1), 36) * HOUR
    } else if (version === 'v2' && hour !== undefined && /^-[0-9a-z]{1,6}$/.test(word)) {
      hour -= parseInt(word.slice(1), 36) * HOUR
    } else if (entry && version === 'v2' && hour !== undefined) {
      const [print, stored, kept, generations] = groups(entry)
      entries.push(entryFrom(hexOf(print), hour, HOUR, { stored, claimsRemoved: kept !== 'k', generations }))
    } else if (entry && version === 'v1') {
      const [fingerprint, seconds, stored, cleaned, generations] = groups(entry)
      const addedAt = parseInt(seconds, 36) * 1000
      entries.push(
        entryFrom(fingerprint, addedAt, 1000, { stored, claimsRemoved: cleaned === 'c', generations })
      )
    } else {
      ctx.addIssue({ code: 'custom', message: `not an entry: ${word.slice(0, 40)}` })
      return z.NEVER
    }
  }
  return { entries, sweptAt }
})

export function encodeEntry(entry: SpentEntry): string {
  const generations = entry.generations > 1 ? String(entry.generations) : ''
  return `${printOf(entry.fingerprint)}${entry.stored ? 's' : 'r'}${entry.claimsRemoved ? '' : 'k'}${generations}`
}

/**
 * The record's text, newest first, as many entries as fit in RECORD_MAX_BYTES, none older than the
 * retention. `cutShort`: an entry younger than RECORD_MIN_RETENTION_MS did not fit (rotations far more
 * often than the recommended cadence): a re-run of a run older than the oldest entry kept is guarded by
 * nothing, and the run says so.
 */
export function encodeRecord(
  entries: readonly SpentEntry[],
  now: number,
  sweptAt = 0
): { text: string; cutShort: boolean } {
  let text = sweptAt ? `v2 @${Math.floor(sweptAt / MINUTE).toString(36)}` : 'v2'
  let hour: number | undefined
  for (const entry of [...entries].sort((a, b) => b.addedAt - a.addedAt)) {
    const age = now - entry.addedAt
    if (age > RECORD_RETENTION_MS) break
    const entryHour = Math.floor(entry.addedAt / HOUR)
    const marker =
      hour === undefined
        ? ` ~${entryHour.toString(36)}`
        : entryHour === hour
          ? ''
          : ` -${(hour - entryHour).toString(36)}`
    const next = `${text}${marker} ${encodeEntry(entry)}`
    if (next.length > RECORD_MAX_BYTES) return { text, cutShort: age <= RECORD_MIN_RETENTION_MS }
    text = next
    hour = entryHour
  }
  return { text, cutShort: false }
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
