import { kindInPhase } from '../../src/errors.js'
import {
  classifyGitHubFailure,
  fromAnswer,
  GitHubError,
  rateLimitWaitSeconds,
  toGitHubError
} from '../../src/github/errors.js'
import { parseTokenExpiration, writerTokenLevel } from '../../src/github/token-expiry.js'
import { formatDuration, parseDuration } from '../../src/duration.js'
import { nextDelay } from '../../src/retry.js'
import { proxyCredentials, redactPatterns, Redactor, transformedForms } from '../../src/redact.js'
import { PHASES } from '../../src/phase.js'

const NOW = Date.parse('2026-11-30T07:23:00Z')

describe('GitHub failures', () => {
  it('rate limits: Retry-After, the primary limit’s reset, or a minute; a 403 without those is a permission', () => {
    expect(rateLimitWaitSeconds(403, { 'retry-after': '120' }, '', NOW)).toBe(120)
    expect(
      rateLimitWaitSeconds(
        403,
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 300) },
        '',
        NOW
      )
    ).toBe(300)
    expect(rateLimitWaitSeconds(403, { 'x-ratelimit-remaining': '0' }, '', NOW)).toBe(60)
    expect(rateLimitWaitSeconds(429, {}, '', NOW)).toBe(60)
    expect(rateLimitWaitSeconds(403, {}, 'You have exceeded a secondary rate limit', NOW)).toBe(60)
    expect(
      rateLimitWaitSeconds(403, {}, 'Resource not accessible by personal access token', NOW)
    ).toBeUndefined()
    expect(rateLimitWaitSeconds(500, { 'retry-after': '1' }, '', NOW)).toBeUndefined()
  })

  it('what waiting can change', () => {
    expect(classifyGitHubFailure(new GitHubError(undefined, 'reset'), NOW)).toMatchObject({ retry: true })
    expect(classifyGitHubFailure(new GitHubError(502, 'x'), NOW)).toMatchObject({ retry: true })
    expect(classifyGitHubFailure(new GitHubError(408, 'x'), NOW)).toMatchObject({ retry: true })
    expect(classifyGitHubFailure(new GitHubError(429, 'x', { 'retry-after': '9' }), NOW)).toEqual({
      retry: true,
      atLeastMs: 9000,
      why: 'rate limited for 9 s'
    })
    for (const status of [400, 401, 403, 404, 409, 410, 422])
      expect(classifyGitHubFailure(new GitHubError(status, 'x'), NOW)).toEqual({ retry: false })
    expect(classifyGitHubFailure(new Error('other'), NOW)).toEqual({ retry: false })
  })

  it('reduced to the status, GitHub’s one-line message and the headers; never a body', () => {
    expect(
      fromAnswer({ status: 422, data: { message: 'Bad\nsecond line', secret: 'x' }, headers: { 'X-A': 1 } })
    ).toMatchObject({
      status: 422,
      message: 'Bad',
      headers: { 'x-a': '1' }
    })
    expect(fromAnswer({ status: 301, headers: { location: 'https://x' } }).message).toBe('moved to https://x')
    expect(fromAnswer({ status: 302 }).message).toBe('moved to elsewhere')
    expect(fromAnswer({ status: 503 }).message).toBe('server error')
    expect(fromAnswer({ status: 418 }).message).toBe('request refused')
    const wrapped = Object.assign(new Error('fetch failed'), { cause: { message: 'connect ECONNREFUSED' } })
    expect(toGitHubError(wrapped)).toMatchObject({
      status: undefined,
      message: 'no answer from GitHub (connect ECONNREFUSED)'
    })
    const same = new GitHubError(404, 'x')
    expect(toGitHubError(same)).toBe(same)
    expect(toGitHubError({ response: { status: 404, data: { message: 'Not Found' } } })).toMatchObject({
      status: 404
    })
  })
})

describe('the writer token’s expiry header', () => {
  it('reads GitHub’s format and a few neighbours; how loudly to speak of it', () => {
    expect(parseTokenExpiration('2026-12-31 12:00:00 UTC')).toEqual(new Date('2026-12-31T12:00:00Z'))
    expect(parseTokenExpiration('2026-12-31T12:00 +02:00')).toEqual(new Date('2026-12-31T10:00:00Z'))
    expect(parseTokenExpiration('2026-12-31 12:00:00')).toEqual(new Date('2026-12-31T12:00:00Z'))
    expect(parseTokenExpiration('soon')).toBeUndefined()
    expect(parseTokenExpiration(undefined)).toBeUndefined()
    expect(parseTokenExpiration('2026-13-45 99:00:00 UTC')).toBeUndefined()
    const now = new Date(NOW)
    expect(writerTokenLevel(new Date(NOW + 20 * 86_400_000), now)).toBeUndefined()
    expect(writerTokenLevel(new Date(NOW + 10 * 86_400_000), now)).toBe('warning')
    expect(writerTokenLevel(new Date(NOW + 2 * 86_400_000), now)).toBe('error')
  })
})

describe('durations', () => {
  it('read and said the human way', () => {
    expect(parseDuration('90')).toBe(90_000)
    expect(parseDuration('1h30m')).toBe(5_400_000)
    expect(parseDuration('1500ms')).toBe(1500)
    expect(parseDuration('2d')).toBe(172_800_000)
    expect(parseDuration('soon')).toBeUndefined()
    expect(formatDuration(3725)).toBe('1h 2m 5s')
    expect(formatDuration(0)).toBe('0s')
    expect(formatDuration(3600)).toBe('1h')
  })
})

describe('the retry rule', () => {
  const half = () => 0.5
  it('backs off exponentially with jitter, waits at least what the server asks, and never past the deadline or the attempts', () => {
    const policy = { attempts: 4, deadline: NOW + 60_000 }
    expect(nextDelay(policy, 1, { retry: true, why: '' }, NOW, half)).toBe(750)
    expect(nextDelay(policy, 3, { retry: true, why: '' }, NOW, half)).toBe(3000)
    expect(nextDelay(policy, 2, { retry: true, atLeastMs: 30_000, why: '' }, NOW, half)).toBe(30_000)
    expect(nextDelay(policy, 2, { retry: true, atLeastMs: 61_000, why: '' }, NOW, half)).toBeUndefined()
    expect(nextDelay(policy, 4, { retry: true, why: '' }, NOW, half)).toBeUndefined()
    expect(nextDelay(policy, 1, { retry: false }, NOW, half)).toBeUndefined()
    expect(
      nextDelay({ attempts: Infinity, deadline: NOW + 3_600_000 }, 40, { retry: true, why: '' }, NOW, half)
    ).toBe(22_500)
  })
})

describe('a failure’s kind, by phase', () => {
  it('before the grant, as it is; once the token may be spent, never transient', () => {
    expect(kindInPhase('transient', 'before-grant')).toBe('transient')
    expect(kindInPhase('transient', 'not-rotated')).toBe('transient')
    expect(kindInPhase('transient', 'grant-out')).toBe('unknown')
    expect(kindInPhase('preflight', 'successor-received')).toBe('lost')
    expect(kindInPhase('cancelled', 'refresh-token-stored')).toBe('store')
    expect(kindInPhase('transient', 'done')).toBe('store')
    expect(kindInPhase('terminal', 'grant-out')).toBe('terminal')
    for (const phase of PHASES) expect(kindInPhase('input', phase)).toBe('input')
  })
})

describe('redaction', () => {
  it('cuts every known secret out, as it is and HTML-escaped, URL-encoded or JSON-escaped; tiny values are left alone', () => {
    const redactor = new Redactor()
    const masked: string[] = []
    const secret = 'a&b<c>"d\' e/f+g'
    redactor.add(secret, (value) => masked.push(value))
    redactor.add('abc')
    expect(masked).toEqual(transformedForms(secret).filter((form, i, all) => all.indexOf(form) === i))
    for (const form of transformedForms(secret)) expect(redactor.redact(`x ${form} y`)).toBe('x *** y')
    expect(redactor.redact('abc stays')).toBe('abc stays')
    expect(new Redactor().redact('nothing known')).toBe('nothing known')
  })

  it('debug lines lose JWTs, known token prefixes and secret form fields', () => {
    expect(redactPatterns('eyJhbGciOi.eyJzdWIiOi.sig refresh_token=abc&x=1 ghp_abcdef ory_rt_xyz')).toBe(
      '*** refresh_token=***&x=1 ghp_*** ory_rt_***'
    )
  })

  it('finds proxy credentials however the variable is written', () => {
    expect(proxyCredentials({ HTTPS_PROXY: 'http://user:p%40ss@proxy:8080' }).sort()).toEqual(
      ['p%40ss', 'p@ss', 'user'].sort()
    )
    expect(proxyCredentials({ http_proxy: 'robot:pw@proxy:3128' })).toEqual(expect.arrayContaining(['pw']))
    expect(proxyCredentials({ HTTP_PROXY: 'http://proxy:3128', HTTPS_PROXY: '' })).toEqual([])
    expect(proxyCredentials({ HTTPS_PROXY: 'http://u:%E0%A4%A@proxy' })).toEqual(
      expect.arrayContaining(['%E0%A4%A'])
    )
  })
})
