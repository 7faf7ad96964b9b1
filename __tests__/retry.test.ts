import { githubRetry, retryDelay, retrying, type Attempt, type RetryPolicy } from '../src/retry.js'

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

describe('githubRetry', () => {
  const now = new Date('2026-11-24T10:00:00Z')
  it.each<
    [string, number | undefined, Record<string, string>, { retryable: boolean; retryAfterSeconds?: number }]
  >([
    ['a network failure', undefined, {}, { retryable: true }],
    ['a 500', 500, {}, { retryable: true }],
    ['a 503', 503, {}, { retryable: true }],
    ['a 429 with Retry-After', 429, { 'retry-after': '3' }, { retryable: true, retryAfterSeconds: 3 }],
    [
      'a secondary rate limit (403 + retry-after)',
      403,
      { 'retry-after': '5' },
      { retryable: true, retryAfterSeconds: 5 }
    ],
    [
      'an exhausted primary rate limit',
      403,
      { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now.getTime() / 1000 + 20) },
      { retryable: true, retryAfterSeconds: 20 }
    ],
    ['a plain 403 (permission)', 403, { 'x-ratelimit-remaining': '4999' }, { retryable: false }],
    ['a 401', 401, {}, { retryable: false }],
    ['a 404', 404, {}, { retryable: false }],
    ['a 422', 422, {}, { retryable: false }]
  ])('classifies %s', (_case, status, headers, expected) => {
    expect(githubRetry(status, headers, now)).toEqual(expected)
  })
})
