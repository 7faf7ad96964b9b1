import {
  acquireLock,
  fingerprint,
  hasLapsed,
  leaveSpent,
  lockValue,
  readLock,
  releaseLock,
  type LockApi
} from '../../src/rotation/lock.js'

const now = new Date('2026-11-28T12:00:00.000Z')
const clock = () => now

/** A variables store with GitHub's create-only-if-absent rule, and a log of the calls. */
function variables(initial: Record<string, string> = {}) {
  const store = new Map(Object.entries(initial))
  const calls: string[] = []
  const api: LockApi = {
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
    },
    async writeVariable(name, value) {
      calls.push(`PATCH ${name}`)
      const existed = store.has(name)
      store.set(name, value)
      return existed ? 'updated' : 'created'
    }
  }
  return { api, store, calls }
}

const mine = lockValue('run 7', now, 20 * 60_000, 'nonce-7')
const theirs = (holder: string, until: Date, nonce = `nonce-${holder}`) =>
  lockValue(holder, new Date(until.getTime() - 60_000), 60_000, nonce)

describe('the lock value', () => {
  it('names its holder, when it lapses and a nonce; anything else is not ours', () => {
    expect(mine).toEqual({ holder: 'run 7', until: '2026-11-28T12:20:00.000Z', nonce: 'nonce-7' })
    expect(readLock(JSON.stringify(mine))).toEqual(mine)
    expect(readLock('not json')).toBeUndefined()
    expect(readLock('{"holder":"x","until":"2026-11-28T12:00:00Z"}')).toBeUndefined()
    expect(readLock(undefined)).toBeUndefined()
    expect(hasLapsed(mine, now)).toBe(false)
    expect(hasLapsed(mine, new Date('2026-11-28T12:20:00.000Z'))).toBe(true)
  })

  it('fingerprints a token without holding it', () => {
    expect(fingerprint('ory_rt_abc')).toMatch(/^[0-9a-f]{16}$/)
    expect(fingerprint('ory_rt_abc')).toBe(fingerprint('ory_rt_abc'))
    expect(fingerprint('ory_rt_abd')).not.toBe(fingerprint('ory_rt_abc'))
  })
})

describe('acquireLock', () => {
  it('takes a free lock with one create', async () => {
    const github = variables()
    expect(await acquireLock(github.api, 'LOCK', mine, 'rt', clock)).toMatchObject({ acquired: true })
    expect(github.calls).toEqual(['POST LOCK'])
  })

  it('knows its own lock when the answer to its create was lost (the retry gets 409)', async () => {
    const github = variables({ LOCK: JSON.stringify(mine) })
    expect(await acquireLock(github.api, 'LOCK', mine, 'rt', clock)).toMatchObject({ acquired: true })
  })

  it('leaves a live lock to its holder, and says who', async () => {
    const held = theirs('run 6', new Date(now.getTime() + 60_000))
    const github = variables({ LOCK: JSON.stringify(held) })
    expect(await acquireLock(github.api, 'LOCK', mine, 'rt', clock)).toEqual({
      acquired: false,
      name: 'LOCK',
      heldBy: held
    })
  })

  it('never takes a value it cannot read (someone else’s variable)', async () => {
    const github = variables({ LOCK: 'hands off' })
    expect(await acquireLock(github.api, 'LOCK', mine, 'rt', clock)).toMatchObject({
      acquired: false,
      heldBy: undefined
    })
    expect(github.store.get('LOCK')).toBe('hands off')
  })

  it('takes over a lapsed lock through a takeover marker, naming the run that held it', async () => {
    const stale = theirs('run 5', new Date(now.getTime() - 3600_000))
    const github = variables({ LOCK: JSON.stringify(stale) })
    const taken = await acquireLock(github.api, 'LOCK', mine, 'rt', clock)
    expect(taken).toMatchObject({ acquired: true, tookOverFrom: stale })
    expect(github.calls.slice(0, 2)).toEqual(['POST LOCK', 'GET LOCK'])
    expect(github.calls[2]).toMatch(/^POST LOCK_TAKEOVER_[0-9A-F]{12}$/)
    expect(github.calls[3]).toBe('PATCH LOCK')
    expect(readLock(github.store.get('LOCK'))).toEqual(mine)
  })

  it('lets exactly one of two runs take over the same lapsed lock', async () => {
    const stale = theirs('run 5', new Date(now.getTime() - 3600_000))
    const github = variables({ LOCK: JSON.stringify(stale) })
    const other = lockValue('run 8', now, 20 * 60_000, 'nonce-8')
    const results = await Promise.all([
      acquireLock(github.api, 'LOCK', mine, 'rt', clock),
      acquireLock(github.api, 'LOCK', other, 'rt', clock)
    ])
    expect(results.filter((result) => result.acquired)).toHaveLength(1)
  })

  it('a lock left over the very token this run holds: not taken, and says the token is spent', async () => {
    const spent = { ...theirs('run 4', new Date(now.getTime() + 86_400_000)), spent: fingerprint('rt-spent') }
    const github = variables({ LOCK: JSON.stringify(spent) })
    expect(await acquireLock(github.api, 'LOCK', mine, 'rt-spent', clock)).toMatchObject({
      acquired: false,
      spentHere: true,
      heldBy: spent
    })
  })

  it('a lock left over a spent token is taken over by a run holding a new one', async () => {
    const spent = { ...theirs('run 4', new Date(now.getTime() + 86_400_000)), spent: fingerprint('rt-spent') }
    const github = variables({ LOCK: JSON.stringify(spent) })
    expect(await acquireLock(github.api, 'LOCK', mine, 'rt-new', clock)).toMatchObject({
      acquired: true,
      tookOverFrom: spent
    })
  })

  it('tries once more when the lock was given back between its create and its read', async () => {
    const github = variables({ LOCK: 'x' })
    const read = github.api.readVariable
    github.api.readVariable = async (name) => {
      github.store.delete(name)
      return read(name)
    }
    expect(await acquireLock(github.api, 'LOCK', mine, 'rt', clock)).toMatchObject({ acquired: true })
  })
})

describe('releasing', () => {
  it('gives the lock and its takeover marker back, unless this run outlived it', async () => {
    const github = variables({ LOCK: JSON.stringify(mine), LOCK_TAKEOVER_X: 'run 7' })
    const held = { acquired: true as const, name: 'LOCK', value: mine, takeoverMarker: 'LOCK_TAKEOVER_X' }
    expect(await releaseLock(github.api, held, now)).toBe('released')
    expect([...github.store.keys()]).toEqual([])
    const later = new Date(now.getTime() + 3600_000)
    expect(await releaseLock(github.api, held, later)).toBe('lapsed')
  })

  it('leaves the lock over a spent token for long, with its fingerprint', async () => {
    const github = variables({ LOCK: JSON.stringify(mine) })
    await leaveSpent(github.api, { acquired: true, name: 'LOCK', value: mine }, 'rt-spent', now)
    const left = readLock(github.store.get('LOCK'))
    expect(left?.spent).toBe(fingerprint('rt-spent'))
    expect(Date.parse(left?.until ?? '')).toBeGreaterThan(now.getTime() + 30 * 86_400_000)
  })
})
