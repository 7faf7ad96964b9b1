import type { GitHubApi } from '../github/secrets-api.js'

/**
 * A lock on the rotation, held in a repository Actions variable: creating a variable that exists answers
 * 409, so of two runs that create it at the same moment exactly one gets it. The value names the holder and
 * when the lock lapses, so a run killed with SIGKILL (which cannot release it) blocks the next runs only
 * until then.
 */
export interface LockValue {
  holder: string
  until: string
}

export type Acquired =
  | { acquired: true; name: string; value: LockValue; tookOverFrom?: LockValue }
  | { acquired: false; name: string; heldBy: LockValue | undefined }

export function lockValue(holder: string, now: Date, holdMs: number): LockValue {
  return { holder, until: new Date(now.getTime() + holdMs).toISOString() }
}

/** The lock's stored text, or undefined when it is not one of ours (then it is treated as held, never taken). */
export function readLock(text: string | undefined): LockValue | undefined {
  if (text === undefined) return undefined
  try {
    const value = JSON.parse(text) as Partial<LockValue>
    if (
      typeof value.holder === 'string' &&
      typeof value.until === 'string' &&
      !Number.isNaN(Date.parse(value.until))
    ) {
      return { holder: value.holder, until: value.until }
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
 * Takes the lock: one create when it is free (the usual case, in the preflight's first round trip). When it
 * is held, its value says by whom; a lapsed lock is deleted and created again, and losing that second race
 * to another run means that run holds it.
 */
export async function acquireLock(
  api: Pick<GitHubApi, 'createVariable' | 'readVariable' | 'deleteVariable'>,
  name: string,
  mine: LockValue,
  now: () => Date
): Promise<Acquired> {
  const text = JSON.stringify(mine)
  if ((await api.createVariable(name, text)) === 'created') return { acquired: true, name, value: mine }
  const current = await api.readVariable(name)
  if (current === undefined) {
    // Released between our create and our read: one more try, and whoever wins holds it.
    if ((await api.createVariable(name, text)) === 'created') return { acquired: true, name, value: mine }
    return { acquired: false, name, heldBy: readLock(await api.readVariable(name)) }
  }
  const held = readLock(current)
  if (!held || !hasLapsed(held, now())) return { acquired: false, name, heldBy: held }
  await api.deleteVariable(name)
  if ((await api.createVariable(name, text)) === 'created') {
    return { acquired: true, name, value: mine, tookOverFrom: held }
  }
  return { acquired: false, name, heldBy: readLock(await api.readVariable(name)) }
}

/**
 * Gives the lock back: one delete, unless this run has outlived its lock (then another run may hold it by
 * now, and deleting would free theirs; it lapses by itself).
 */
export async function releaseLock(
  api: Pick<GitHubApi, 'deleteVariable'>,
  lock: { name: string; value: LockValue },
  now: Date
): Promise<'released' | 'lapsed'> {
  if (hasLapsed(lock.value, now)) return 'lapsed'
  await api.deleteVariable(lock.name)
  return 'released'
}
