import { readGrantResponse, retryAfter } from '../../src/oauth/grant-response.js'

const json = (value: unknown) => JSON.stringify(value)

function read(status: number, body: string, headers: Record<string, string> = {}) {
  const masked: string[] = []
  const outcome = readGrantResponse(status, body, headers, (value) => masked.push(value))
  return { outcome, masked }
}

describe('readGrantResponse', () => {
  it('accepts a Hydra answer with a lower-case bearer type and masks every token in it', () => {
    const { outcome, masked } = read(
      200,
      json({
        access_token: 'at',
        token_type: 'bearer',
        expires_in: 3599,
        refresh_token: 'rt',
        id_token: 'idt',
        scope: 'openid offline_access'
      })
    )
    expect(outcome).toEqual({
      ok: true,
      tokens: {
        access_token: 'at',
        token_type: 'bearer',
        expires_in: 3599,
        refresh_token: 'rt',
        id_token: 'idt',
        scope: 'openid offline_access'
      }
    })
    expect(masked.sort()).toEqual(['at', 'idt', 'rt'])
  })

  it('accepts an answer without a new refresh token (no rotation) or without expires_in', () => {
    const { outcome } = read(200, json({ access_token: 'at', token_type: 'Bearer' }))
    expect(outcome.ok).toBe(true)
  })

  it('masks tokens even when the answer is then rejected', () => {
    const { outcome, masked } = read(
      200,
      json({ access_token: 'at', token_type: 'mac', refresh_token: 'rt' })
    )
    expect(masked.sort()).toEqual(['at', 'rt'])
    expect(outcome).toMatchObject({ ok: false, kind: 'response', salvagedRefreshToken: 'rt' })
  })

  it('keeps the new refresh token of an otherwise unusable answer, so it can be stored', () => {
    const { outcome } = read(200, json({ refresh_token: 'rt', token_type: 'bearer', expires_in: 60 }))
    expect(outcome).toMatchObject({ ok: false, kind: 'response', salvagedRefreshToken: 'rt' })
    if (!outcome.ok) expect(outcome.reason).toMatch(/access_token/)
  })

  it.each([
    ['a body that is not JSON', 200, '<html>gateway</html>'],
    ['JSON without tokens', 200, json({ hello: 'world' })],
    ['a negative expires_in', 200, json({ access_token: 'at', token_type: 'bearer', expires_in: -1 })]
  ])(
    'classifies a 2xx with %s as processed: the server rotated, its answer is lost, never re-sent',
    (_case, status, body) => {
      expect(read(status, body).outcome).toMatchObject({ ok: false, kind: 'processed' })
    }
  )

  it('reads a numeric-string or fractional expires_in as whole seconds', () => {
    const { outcome } = read(200, json({ access_token: 'at', token_type: 'bearer', expires_in: '3599.7' }))
    expect(outcome).toMatchObject({ ok: true, tokens: { expires_in: 3599 } })
  })

  it.each([
    ['a 500', 500, json({ error: 'server_error' })],
    ['a 502 from a proxy', 502, 'Bad Gateway'],
    ['a 503 temporarily_unavailable', 503, json({ error: 'temporarily_unavailable' })],
    ['a 429', 429, json({ error: 'rate_limited' })],
    ['a 408', 408, '']
  ])('classifies %s as transient', (_case, status, body) => {
    expect(read(status, body).outcome).toMatchObject({ ok: false, kind: 'transient' })
  })

  it.each([
    'invalid_grant',
    'invalid_client',
    'unauthorized_client',
    'unsupported_grant_type',
    'invalid_scope',
    'scope_not_granted'
  ])('classifies %s as terminal, naming the error and its description', (error) => {
    const { outcome } = read(
      error === 'invalid_client' ? 401 : 400,
      json({ error, error_description: 'The refresh token was already used.' })
    )
    expect(outcome).toMatchObject({ ok: false, kind: 'terminal', oauthError: error })
    if (!outcome.ok) expect(outcome.reason).toContain(`${error}: The refresh token was already used.`)
  })

  it("classifies Hydra's concurrent-use refusal apart, so it is never retried", () => {
    const { outcome } = read(
      400,
      json({
        error: 'invalid_request',
        error_description:
          'Failed to refresh token because of multiple concurrent requests using the same token.'
      })
    )
    expect(outcome).toMatchObject({ ok: false, kind: 'concurrent' })
  })

  it('carries Retry-After of a 429', () => {
    expect(read(429, '', { 'retry-after': '7' }).outcome).toMatchObject({
      kind: 'transient',
      retryAfterSeconds: 7
    })
  })

  it('keeps server text to one bounded line, so it cannot forge a workflow command', () => {
    const { outcome } = read(
      400,
      json({ error: 'invalid_grant', error_description: `x\n::set-output name=a::b${'y'.repeat(500)}` })
    )
    if (outcome.ok) throw new Error('expected a failure')
    expect(outcome.reason).not.toContain('\n')
    expect(outcome.reason.length).toBeLessThan(400)
  })

  it('never puts the body of a failure into its reason', () => {
    const { outcome } = read(500, 'internal trace with refresh_token=leaky')
    if (outcome.ok) throw new Error('expected a failure')
    expect(outcome.reason).not.toContain('leaky')
  })
})

describe('retryAfter', () => {
  const now = new Date('2026-11-24T10:00:00Z')
  it('reads delay-seconds and HTTP dates', () => {
    expect(retryAfter({ 'retry-after': '120' }, now)).toBe(120)
    expect(retryAfter({ 'retry-after': 'Tue, 24 Nov 2026 10:00:30 GMT' }, now)).toBe(30)
    expect(retryAfter({ 'retry-after': 'Tue, 24 Nov 2026 09:00:00 GMT' }, now)).toBe(0)
    expect(retryAfter({ 'retry-after': 'soon' }, now)).toBeUndefined()
    expect(retryAfter({}, now)).toBeUndefined()
  })
})
