import { DO_NOT_RETRY, pluginRetries, rateLimitWait } from '../../src/github/retry-rules.js'

const NOW = new Date('2026-05-01T12:00:00.000Z')
const nowSeconds = NOW.getTime() / 1000

describe('rateLimitWait', () => {
  it.each<[string, number, Record<string, string | number | undefined>, string, number | undefined]>([
    ['retry-after on a 429', 429, { 'retry-after': '7' }, 'Too Many Requests', 7],
    ['retry-after on a 403', 403, { 'retry-after': '30' }, 'You have exceeded a secondary rate limit.', 30],
    ['retry-after as a number, with spaces', 429, { 'retry-after': ' 12 ' }, '', 12],
    ['retry-after: 0', 429, { 'retry-after': 0 }, '', 0],
    [
      'retry-after before the primary limit',
      403,
      { 'retry-after': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': nowSeconds + 90 },
      '',
      5
    ],
    [
      'the primary limit’s reset',
      403,
      { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(nowSeconds + 90) },
      'API rate limit exceeded',
      90
    ],
    [
      'a reset part of a second ahead, rounded up',
      403,
      { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': nowSeconds + 0.2 },
      '',
      1
    ],
    [
      'a reset already past',
      403,
      { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(nowSeconds - 10) },
      '',
      0
    ],
    ['the primary limit with no reset', 429, { 'x-ratelimit-remaining': '0' }, '', 60],
    ['a 429 with no headers', 429, {}, '', 60],
    ['a 429 whose retry-after is a date', 429, { 'retry-after': 'Fri, 01 May 2026 12:01:00 GMT' }, '', 60],
    [
      'a 403 whose message says "secondary rate limit"',
      403,
      {},
      'You have exceeded a secondary rate limit. Please wait.',
      60
    ],
    ['a 403 whose message says "Rate Limit" in capitals', 403, {}, 'API Rate Limit exceeded', 60],
    ['a plain 403', 403, {}, 'Resource not accessible by personal access token', undefined],
    [
      'a 403 with requests left',
      403,
      { 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': nowSeconds + 90 },
      'Forbidden',
      undefined
    ],
    ['a 500, even with retry-after', 500, { 'retry-after': '7' }, 'rate limit', undefined],
    ['a 503 with retry-after', 503, { 'retry-after': '7' }, '', undefined],
    [
      'a 404',
      404,
      { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': nowSeconds + 90 },
      'Not Found',
      undefined
    ],
    ['a 200', 200, {}, '', undefined]
  ])('%s', (_case, status, headers, message, expected) => {
    expect(rateLimitWait(status, headers, message, NOW)).toBe(expected)
  })
})

describe('pluginRetries', () => {
  it.each([500, 502, 503, 504])('lets plugin-retry retry a %i', (status) => {
    expect(pluginRetries(status)).toBe(true)
  })

  it.each([400, 401, 403, 404, 409, 410, 422, 429, 451])('keeps plugin-retry off a %i', (status) => {
    expect(pluginRetries(status)).toBe(false)
  })

  it('leaves what is not a failure alone', () => {
    expect(pluginRetries(200)).toBe(false)
    expect(pluginRetries(301)).toBe(false)
  })

  it('agrees with the list handed to plugin-retry', () => {
    expect([...DO_NOT_RETRY].sort((a, b) => a - b)).toEqual([400, 401, 403, 404, 409, 410, 422, 429, 451])
    for (const status of DO_NOT_RETRY) expect(pluginRetries(status)).toBe(false)
  })
})
