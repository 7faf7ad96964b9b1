import { createHash } from 'node:crypto'
import type { GitHubApi } from '../github/secrets-api.js'

/**
 * A lock on the rotation, held in a repository Actions variable: creating a variable that exists answers
 * 409, so of two runs that create it at the same moment exactly one gets it. The value names the holder,
 * when the lock lapses (so a run killed with SIGKILL, which cannot give it back, blocks the next runs only
 * until then) and a nonce, by which a run knows its own lock when the answer to its create was lost.
 *
 * A run whose new refresh token could not be stored leaves the lock behind on purpose, marked with a
 * fingerprint of the refresh token it spent: a later run that still holds that spent token fails instead of
 * presenting it (which would revoke the family, and with it a token a person may still recover); a run with
 * any other token (a person stored a new one) takes the lock over.
 */
export interface LockValue {
  holder: string
  until: string
  nonce: string
  /** Fingerprint of a refresh token that was spent and whose successor could not be stored. */
  spent?: string
}

export type Acquired =
  | { acquired: true; name: string; value: LockValue; tookOverFrom?: LockValue; takeoverMarker?: string }
  | { acquired: false; name: string; heldBy: LockValue | undefined; spentHere?: boolean }

export type LockApi = Pick<GitHubApi, 'createVariable' | 'readVariable' | 'deleteVariable' | 'writeVariable'>

export function lockValue(holder: string, now: Date, holdMs: number, nonce: string): LockValue {
  return { holder, until: new Date(now.getTime() + holdMs).toISOString(), nonce }
}

/**
 * A short one-way fingerprint of a refresh token: enough to recognise the same token again, nothing that
 * helps to guess it (the token is long and random).
 */
export function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16)
}

/** The lock's stored text, or undefined when it is not one of ours (then it is treated as held, never taken). */
export function readLock(text: string | undefined): LockValue | undefined {
  if (text === undefined) return undefined
  try {
    const value = JSON.parse(text) as Partial<LockValue>
    if (
      typeof value.holder === 'string' &&
      typeof value.until === 'string' &&
      typeof value.nonce === 'string' &&
      !Number.isNaN(Date.parse(value.until))
    ) {
      const lock: LockValue = { holder: value.holder, until: value.until, nonce: value.nonce }
      if (typeof value.spent === 'string') lock.spent = value.spent
      return lock
    }
  } catch {
    // fall through
  }
  return undefined
}

/** A lock may be taken over only once it has lapsed: its holder has run longer than any run can. */
export function hasLapsed(lock: LockValue, now: Date): boolean {
  return Date.parse(lock.until) <= now.getTime()
}

/**
 * Takes the lock: one create when it is free (the usual case, in the preflight's first round trip). When
 * it exists, its value decides: this run's own (a create whose answer was lost), held by a live run, left
 * by a run that spent the very token this run holds, or lapsed / left over a token that has since been
 * replaced, which one run may take over.
 */
export async function acquireLock(
  api: LockApi,
  name: string,
  mine: LockValue,
  myToken: string,
  now: () => Date
): Promise<Acquired> {
  const text = JSON.stringify(mine)
  for (let tries = 0; tries < 2; tries++) {
    if ((await api.createVariable(name, text)) === 'created') return { acquired: true, name, value: mine }
    const current = await api.readVariable(name)
    if (current === undefined) continue // given back between our create and our read: try once more
    const held = readLock(current)
    if (held?.nonce === mine.nonce) return { acquired: true, name, value: mine }
    if (held?.spent !== undefined && held.spent === fingerprint(myToken)) {
      return { acquired: false, name, heldBy: held, spentHere: true }
    }
    const takeable = held !== undefined && (held.spent !== undefined || hasLapsed(held, now()))
    if (!takeable) return { acquired: false, name, heldBy: held }
    return takeOver(api, name, mine, held, current)
  }
  return { acquired: false, name, heldBy: readLock(await api.readVariable(name)) }
}

/**
 * Of several runs that find the same lapsed lock, only the one that creates the takeover marker named after
 * that lock's value may replace it (a delete-then-create would let two of them in). The marker stays until
 * the new holder gives the lock back, so a run that read the old value late cannot take over again.
 */
async function takeOver(
  api: LockApi,
  name: string,
  mine: LockValue,
  held: LockValue,
  current: string
): Promise<Acquired> {
  const marker = `${name}_TAKEOVER_${createHash('sha256').update(current).digest('hex').slice(0, 12).toUpperCase()}`
  if ((await api.createVariable(marker, mine.holder)) !== 'created') {
    return { acquired: false, name, heldBy: held }
  }
  await api.writeVariable(name, JSON.stringify(mine), true)
  return { acquired: true, name, value: mine, tookOverFrom: held, takeoverMarker: marker }
}

/**
 * Gives the lock back, unless this run has outlived it (then another run may hold it by now, and deleting
 * would free theirs; it lapses by itself). A takeover marker goes with it.
 */
export async function releaseLock(
  api: Pick<GitHubApi, 'deleteVariable'>,
  lock: Extract<Acquired, { acquired: true }>,
  now: Date
): Promise<'released' | 'lapsed'> {
  if (hasLapsed(lock.value, now)) return 'lapsed'
  await api.deleteVariable(lock.name)
  if (lock.takeoverMarker) await api.deleteVariable(lock.takeoverMarker)
  return 'released'
}

/** How long a lock left over a spent token stays: until a person stores a new one, which takes it over at once. */
const SPENT_HOLD_MS = 90 * 86_400_000

/**
 * Leaves the lock behind over a refresh token this run spent and could not replace: the runs after it fail
 * instead of presenting the spent token, until a person stores a new one.
 */
export async function leaveSpent(
  api: Pick<GitHubApi, 'writeVariable' | 'deleteVariable'>,
  lock: Extract<Acquired, { acquired: true }>,
  spentToken: string,
  now: Date
): Promise<void> {
  const value: LockValue = {
    ...lock.value,
    until: new Date(now.getTime() + SPENT_HOLD_MS).toISOString(),
    spent: fingerprint(spentToken)
  }
  await api.writeVariable(lock.name, JSON.stringify(value), true)
  if (lock.takeoverMarker) await api.deleteVariable(lock.takeoverMarker)
}
