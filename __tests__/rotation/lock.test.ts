import type { GitHubApi } from '../../src/github/secrets-api.js'
import { acquireLock, hasLapsed, lockValue, readLock, releaseLock } from '../../src/rotation/lock.js'

const now = new Date('2026-11-28T12:00:00.000Z')

/** A variables store with GitHub's create-only-if-absent rule, and a log of the calls. */
function variables(initial: Record<string, string> = {}) {
  const store = new Map(Object.entries(initial))
  const calls: string[] = []
  const api: Pick<GitHubApi, 'createVariable' | 'readVariable' | 'deleteVariable'> = {
    async createVariable(name, value) {
      calls.push(`POST ${name}`)
      if (store.has(name)) return 'exists'
      store.set(name, value)
      return 'created'
    },
    async readVariable(name) {
      calls.push(`GET ${name}`)
      return store.get(name)
    },
    async deleteVariable(name) {
      calls.push(`DELETE ${name}`)
      return store.delete(name) ? 'deleted' : 'absent'
    }
  }
  return { api, store, calls }
}

describe('the lock', () => {
  const mine = lockValue('run 7', now, 20 * 60_000)

  it('names its holder and when it lapses', () => {
    expect(mine).toEqual({ holder: 'run 7', until: '2026-11-28T12:20:00.000Z' })
    expect(readLock(JSON.stringify(mine))).toEqual(mine)
    expect(readLock('not json')).toBeUndefined()
    expect(readLock('{"holder":1}')).toBeUndefined()
    expect(readLock(undefined)).toBeUndefined()
    expect(hasLapsed(mine, now)).toBe(false)
    expect(hasLapsed(mine, new Date('2026-11-28T12:20:00.000Z'))).toBe(true)
  })

  it('is taken with one create when free', async () => {
    const github = variables()
    expect(await acquireLock(github.api, 'LOCK', mine, () => now)).toMatchObject({ acquired: true })
    expect(github.calls).toEqual(['POST LOCK'])
  })

  it('is not taken while another run holds it, and says who', async () => {
    const theirs = lockValue('run 6', now, 60_000)
    const github = variables({ LOCK: JSON.stringify(theirs) })
    expect(await acquireLock(github.api, 'LOCK', mine, () => now)).toEqual({
      acquired: false,
      name: 'LOCK',
      heldBy: theirs
    })
  })

  it('is never taken from a value it cannot read (someone else’s variable)', async () => {
    const github = variables({ LOCK: 'hands off' })
    expect(await acquireLock(github.api, 'LOCK', mine, () => now)).toMatchObject({
      acquired: false,
      heldBy: undefined
    })
    expect(github.store.get('LOCK')).toBe('hands off')
  })

  it('is taken over once it lapsed, naming the run that held it', async () => {
    const stale = lockValue('run 5', new Date(now.getTime() - 3600_000), 60_000)
    const github = variables({ LOCK: JSON.stringify(stale) })
    expect(await acquireLock(github.api, 'LOCK', mine, () => now)).toMatchObject({
      acquired: true,
      tookOverFrom: stale
    })
    expect(github.calls).toEqual(['POST LOCK', 'GET LOCK', 'DELETE LOCK', 'POST LOCK'])
  })

  it('tries once more when it was freed between the create and the read', async () => {
    const github = variables({ LOCK: 'x' })
    const read = github.api.readVariable
    github.api.readVariable = async (name) => {
      github.store.delete(name)
      return read(name)
    }
    expect(await acquireLock(github.api, 'LOCK', mine, () => now)).toMatchObject({ acquired: true })
  })

  it('is given back with one delete, unless this run outlived it', async () => {
    const github = variables({ LOCK: JSON.stringify(mine) })
    expect(await releaseLock(github.api, { name: 'LOCK', value: mine }, now)).toBe('released')
    expect(github.store.has('LOCK')).toBe(false)
    const later = new Date(now.getTime() + 3600_000)
    expect(await releaseLock(github.api, { name: 'LOCK', value: mine }, later)).toBe('lapsed')
  })
})
