/** The lease's driver against an in-memory GitHub: the paths the hostile scenarios reach only by luck. */
import { Lease, type LeaseApi } from '../../src/lease/lease.js'
import { claimName, encodeClaim, type ClaimValue } from '../../src/lease/claim.js'
import { othersClaim, T0 } from '../support/claims.js'
import { fingerprint } from '../../src/lease/fingerprint.js'
import { encodeRecord } from '../../src/lease/record.js'
import { CLAIM_CLEANUP_AFTER_MS, CLAIM_HOLD_MS, DURATION, HOLDER_WAIT_MS } from '../../src/timing.js'
import type { Clock } from '../../src/clock.js'

function world() {
  let now = T0
  let afterSleep = () => {}
  const clock: Clock = {
    now: () => new Date(now),
    sleep: async (ms) => {
      now += ms
      afterSleep()
    },
    timeout: () => new AbortController().signal
  }
  const variables = new Map<string, { value: string; createdAt: number; updatedAt: number }>()
  const calls: string[] = []
  let hideReads = 0
  const api: LeaseApi = {
    async createVariable(name, value) {
      calls.push(`create ${name}`)
      if (variables.has(name)) return 'exists'
      variables.set(name, { value, createdAt: now, updatedAt: now })
      return 'created'
    },
    async readVariable(name) {
      calls.push(`read ${name}`)
      if (hideReads > 0) {
        hideReads--
        return undefined
      }
      return variables.get(name)
    },
    async updateVariable(name, value) {
      const found = variables.get(name)
      if (!found) return 'absent'
      variables.set(name, { ...found, value, updatedAt: now })
      return 'updated'
    },
    async writeVariable(name, value) {
      const found = variables.get(name)
      variables.set(name, { value, createdAt: found?.createdAt ?? now, updatedAt: now })
      return found ? 'updated' : 'created'
    },
    async deleteVariable(name) {
      calls.push(`delete ${name}`)
      return variables.delete(name) ? 'deleted' : 'absent'
    },
    async secretWrittenAt() {
      return 0
    },
    async listVariables(prefix) {
      return [...variables]
        .filter(([name]) => name.startsWith(prefix))
        .map(([name, v]) => ({ name, createdAt: v.createdAt }))
    }
  }
  let stopping = false
  const options = {
    record: 'REC',
    refreshTokenSecret: 'RT',
    holder: 'run 1',
    recovery: false,
    stopping: () => stopping
  }
  return {
    clock,
    api,
    variables,
    calls,
    options,
    advance: (ms: number) => void (now += ms),
    hide: (n: number) => void (hideReads = n),
    stop: () => void (stopping = true),
    /** Puts a claim of `token` in place as GitHub would have it, created at `at`. */
    setClaim: (token: string, value: ClaimValue, at = T0) =>
      void variables.set(claimName(fingerprint(token), 1), {
        value: encodeClaim(value),
        createdAt: at,
        updatedAt: now
      }),
    /** Told after every sleep of the run, with the time then: to act in the middle of a wait. */
    afterSleep: (listener: (now: number) => void) => void (afterSleep = () => listener(now)),
    lease: (token = 'token-a') => new Lease(api, options, token, clock)
  }
}

describe('the lease', () => {
  it('names its claim before it owns one; presents, then records the outcome once', async () => {
    const w = world()
    const lease = w.lease()
    expect(lease.claim).toBe(claimName(fingerprint('token-a'), 1))
    await lease.readRecord()
    expect(await lease.acquire()).toMatchObject({ kind: 'present', presentations: 0 })
    await lease.settle('refresh-token-stored', undefined)
    await lease.settle('before-grant', undefined)
    expect(JSON.parse(w.variables.get(lease.claim)!.value)).toMatchObject({ state: 'stored' })
  })

  it('409 then 404, and the claim gone by the next create: it owns it then', async () => {
    const w = world()
    const name = claimName(fingerprint('token-a'), 1)
    w.variables.set(name, { value: 'x', createdAt: T0, updatedAt: T0 })
    const lease = w.lease()
    await lease.readRecord()
    w.hide(1)
    const deciding = lease.acquire()
    // Between the 409 and the next create, its holder gives it back.
    w.variables.delete(name)
    expect(await deciding).toMatchObject({ kind: 'present' })
  })

  it('a settle that comes while it decides stops it from creating anything more', async () => {
    const w = world()
    w.setClaim('token-a', othersClaim({ until: new Date(T0).toISOString() }))
    w.advance(CLAIM_HOLD_MS)
    const lease = w.lease()
    await lease.readRecord()
    const deciding = lease.acquire()
    const settling = lease.settle('before-grant', undefined)
    await expect(deciding).rejects.toThrow(/stopping/)
    await settling
    expect(w.variables.has(claimName(fingerprint('token-a'), 2))).toBe(false)
  })

  it('waits for a holder that is acting: its stored outcome, seen within the wait, is a skip; past the wait, red', async () => {
    const w = world()
    const holder = othersClaim()
    w.setClaim('token-a', holder)
    const lease = w.lease()
    await lease.readRecord()
    // The holder stores its successor 20 s into this run's wait.
    w.afterSleep((now) => {
      if (now >= T0 + 20 * DURATION.SECOND) w.setClaim('token-a', { ...holder, state: 'stored' })
    })
    const deciding = lease.acquire()
    expect(await deciding).toMatchObject({ kind: 'skip', reason: { why: 'spent', by: 'run 1' } })

    w.afterSleep(() => {})
    const silent = w.lease('token-b')
    const started = w.clock.now().getTime()
    w.setClaim('token-b', othersClaim({}, started), started)
    expect(await silent.acquire()).toMatchObject({ kind: 'fail', reason: { why: 'in-flight', by: 'run 1' } })
    expect(w.clock.now().getTime() - started).toBeGreaterThanOrEqual(HOLDER_WAIT_MS)
  })

  it('a cancel during the wait ends it at once: nothing was created, nothing to give back', async () => {
    const w = world()
    w.setClaim('token-a', othersClaim({ state: 'received' }))
    const lease = w.lease()
    await lease.readRecord()
    w.afterSleep((now) => now >= T0 + 5 * DURATION.SECOND && w.stop())
    await expect(lease.acquire()).rejects.toThrow(/stopping/)
    // Stopped within a second of the cancel, not at the end of the poll.
    expect(w.clock.now().getTime()).toBe(T0 + 5 * DURATION.SECOND)
    expect(w.calls.filter((call) => call.startsWith('create WIZARD_CLAIM'))).toHaveLength(1)
  })

  it('records unknown at the send, or now; writes nothing it does not own', async () => {
    const w = world()
    const lease = w.lease()
    await lease.unknown(new Date(T0))
    await lease.received('next')
    await lease.readRecord()
    await lease.acquire()
    await lease.settle('grant-out', undefined)
    expect(JSON.parse(w.variables.get(lease.claim)!.value)).toMatchObject({
      state: 'unknown',
      sentAt: new Date(T0).toISOString()
    })
  })

  it('writes no record over one it could not read; reserves a successor, and finds one already claimed', async () => {
    const w = world()
    w.variables.set('REC', { value: 'edited', createdAt: T0, updatedAt: T0 })
    const lease = w.lease()
    await lease.readRecord()
    expect(await lease.acquire()).toMatchObject({ kind: 'fail' })
    await lease.settle('refresh-token-stored', undefined)
    expect(w.variables.get('REC')?.value).toBe('edited')
    expect(await w.lease('token-b').reserve('token-c')).toBe('reserved')
    expect(await w.lease('token-b').reserve('token-c')).toBe('taken')
  })

  it('a day on, removes the claims the record has shown long enough, and once a day sweeps the ones a failed delete left and any claim older than a month', async () => {
    const w = world()
    const old = fingerprint('token-old')
    const leftover = fingerprint('token-leftover')
    w.variables.set(claimName(old, 1), { value: 'x', createdAt: T0, updatedAt: T0 })
    w.variables.set(claimName(leftover, 1), { value: 'x', createdAt: T0, updatedAt: T0 })
    // A claim the record never listed (a token refused after an unknown outcome), a month old, and a newer one.
    const refused = fingerprint('token-refused')
    const recent = fingerprint('token-recent')
    w.variables.set(claimName(refused, 1), { value: 'x', createdAt: T0 - 31 * DURATION.DAY, updatedAt: T0 })
    w.variables.set(claimName(recent, 1), { value: 'x', createdAt: T0, updatedAt: T0 })
    const entries = [
      { fingerprint: old, addedAt: T0, stored: true, claimsRemoved: false, generations: 1 },
      { fingerprint: leftover, addedAt: T0, stored: true, claimsRemoved: true, generations: 1 }
    ]
    w.variables.set('REC', { value: encodeRecord(entries, T0).text, createdAt: T0, updatedAt: T0 })
    w.advance(CLAIM_CLEANUP_AFTER_MS + DURATION.HOUR)
    const lease = w.lease()
    await lease.readRecord()
    await lease.acquire()
    await lease.settle('done', undefined)
    expect(w.variables.has(claimName(old, 1))).toBe(false)
    expect(w.variables.has(claimName(leftover, 1))).toBe(false)
    expect(w.variables.has(claimName(refused, 1))).toBe(false)
    expect(w.variables.has(claimName(recent, 1))).toBe(true)
    expect(w.variables.get('REC')?.value).toMatch(/^v2 @/)
  })
})
