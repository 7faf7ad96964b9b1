import { retryDelay, retrying, type Attempt, type RetryPolicy } from '../../src/oauth/backoff.js'

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 8000 }

describe('retryDelay', () => {
  it('doubles the wait each attempt, jittered between half and all of it', () => {
    expect(retryDelay(policy, 1, undefined, () => 0)).toBe(500)
    expect(retryDelay(policy, 1, undefined, () => 1)).toBe(1000)
    expect(retryDelay(policy, 2, undefined, () => 1)).toBe(2000)
    expect(retryDelay(policy, 3, undefined, () => 0.5)).toBe(3000)
  })

  it('caps the wait at maxDelayMs', () => {
    expect(retryDelay({ ...policy, maxAttempts: 10 }, 8, undefined, () => 1)).toBe(8000)
  })

  it('stops after maxAttempts in all', () => {
    expect(retryDelay(policy, 4, undefined, () => 1)).toBeUndefined()
    expect(retryDelay({ ...policy, maxAttempts: 1 }, 1, undefined)).toBeUndefined()
  })

  it('waits at least what Retry-After asks, and gives up when it asks for longer than the cap', () => {
    expect(retryDelay(policy, 1, 5, () => 0)).toBe(5000)
    expect(retryDelay(policy, 1, 0, () => 1)).toBe(1000)
    expect(retryDelay(policy, 1, 60, () => 0)).toBeUndefined()
  })
})

describe('retrying', () => {
  const failure = (retryable: boolean): Attempt<string> => ({
    done: false,
    error: new Error('boom'),
    retryable
  })

  it('returns the first success and sleeps between attempts', async () => {
    const slept: number[] = []
    const results = [failure(true), failure(true), { done: true as const, value: 'ok' }]
    const value = await retrying(async (n) => results[n - 1] as Attempt<string>, policy, {
      sleep: async (ms) => void slept.push(ms),
      random: () => 1
    })
    expect(value).toBe('ok')
    expect(slept).toEqual([1000, 2000])
  })

  it('never retries a failure marked not retryable', async () => {
    let calls = 0
    await expect(
      retrying(async () => (calls++, failure(false)), policy, { sleep: async () => undefined })
    ).rejects.toThrow('boom')
    expect(calls).toBe(1)
  })

  it('throws the last error when the attempts run out', async () => {
    let calls = 0
    await expect(
      retrying(async () => (calls++, failure(true)), policy, { sleep: async () => undefined })
    ).rejects.toThrow('boom')
    expect(calls).toBe(4)
  })
})
