import { createServer } from 'node:http'
import { readGrantAnswer, retryAfter } from '../../src/oauth/answer.js'
import {
  computeExpiry,
  jwtExpiry,
  MAX_TOKEN_LIFETIME_SECONDS,
  parseStoredExpiry
} from '../../src/oauth/expiry.js'
import { createTokenPoster, TransportError } from '../../src/oauth/post.js'
import { buildTokenRequest } from '../../src/oauth/request.js'
import { listenOnLoopback } from '../../harness/loopback.js'

const NOW = Date.parse('2026-11-30T07:23:00Z')
const masked: string[] = []
const read = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  readGrantAnswer(
    status,
    typeof body === 'string' ? body : JSON.stringify(body),
    headers,
    (v) => masked.push(v),
    NOW
  )

describe('the grant request', () => {
  it('a public client names itself; a confidential one authenticates with HTTP Basic, form-encoded first', () => {
    const open = buildTokenRequest({ tokenUrl: 'https://a/t', refreshToken: 'r t', clientId: 'c' })
    expect(open.body).toBe('grant_type=refresh_token&refresh_token=r+t&client_id=c')
    expect(open.headers.authorization).toBeUndefined()
    const closed = buildTokenRequest({
      tokenUrl: 'https://a/t',
      refreshToken: 'r',
      clientId: 'c:1',
      clientSecret: 's&x'
    })
    expect(closed.body).toBe('grant_type=refresh_token&refresh_token=r')
    expect(Buffer.from(closed.headers.authorization!.slice(6), 'base64').toString()).toBe('c%3A1:s%26x')
  })
})

describe('the grant answer', () => {
  it('masks every token field the moment the JSON is parsed', () => {
    masked.length = 0
    read(200, {
      access_token: 'at-value',
      refresh_token: 'rt-value',
      id_token: 'id-value',
      token_type: 'bearer',
      expires_in: 3600
    })
    expect(masked).toEqual(['at-value', 'rt-value', 'id-value'])
  })

  it('tokens, with expires_in read leniently and bounded', () => {
    expect(
      read(200, { access_token: 'a', token_type: 'Bearer', expires_in: '3600.5', refresh_token: 'r' })
    ).toMatchObject({
      kind: 'tokens',
      tokens: { expires_in: 3600 }
    })
    expect(
      read(200, {
        access_token: 'a',
        token_type: 'bearer',
        expires_in: MAX_TOKEN_LIFETIME_SECONDS * 2,
        refresh_token: 'r'
      })
    ).toMatchObject({
      kind: 'salvage',
      refreshToken: 'r'
    })
  })

  it('a 2xx that cannot be read: salvage when it carries a refresh token, else ambiguous', () => {
    expect(read(200, { token_type: 'mac', refresh_token: 'r' })).toMatchObject({ kind: 'salvage' })
    expect(read(200, { token_type: 'mac' })).toMatchObject({ kind: 'ambiguous' })
    expect(read(200, 'not json')).toMatchObject({ kind: 'ambiguous' })
    expect(read(204, '')).toMatchObject({ kind: 'ambiguous' })
  })

  it('by status: 5xx ambiguous, 429 and 408 not processed (with Retry-After), 4xx refusals with their code', () => {
    expect(read(502, '<html>')).toMatchObject({
      kind: 'ambiguous',
      reason: 'the token endpoint answered 502'
    })
    expect(read(503, { error: 'temporarily_unavailable' })).toMatchObject({ kind: 'ambiguous' })
    expect(read(429, {}, { 'retry-after': '7' })).toMatchObject({
      kind: 'not-processed',
      retryAfterSeconds: 7
    })
    expect(read(408, 'x')).toMatchObject({ kind: 'not-processed', retryAfterSeconds: undefined })
    expect(read(400, { error: 'invalid_grant', error_description: 'gone\n::set-output name=x::1' })).toEqual({
      kind: 'refused',
      reason: 'the token endpoint answered 400 invalid_grant: gone ::set-output name=x::1',
      oauthError: 'invalid_grant'
    })
    expect(read(404, 'Not Found')).toMatchObject({ kind: 'refused', oauthError: undefined })
    expect(read(400, { error: 'invalid_request', error_description: 'x'.repeat(400) }).kind).toBe('refused')
    expect(
      (read(400, { error: 'invalid_request', error_description: 'x'.repeat(400) }) as { reason: string })
        .reason.length
    ).toBeLessThan(400)
  })

  it('Hydra’s concurrent refresh, in the description or the hint; other invalid_request answers are refusals', () => {
    expect(
      read(400, {
        error: 'invalid_request',
        error_hint: 'Failed to refresh token. Please retry the request.'
      }).kind
    ).toBe('concurrent')
    expect(
      read(400, {
        error: 'invalid_request',
        error_description: '… multiple concurrent requests using the same token …'
      }).kind
    ).toBe('concurrent')
    expect(read(400, { error: 'invalid_request', error_description: 'missing refresh_token' }).kind).toBe(
      'refused'
    )
  })

  it('Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfter({ 'retry-after': '30' }, NOW)).toBe(30)
    expect(retryAfter({ 'retry-after': [new Date(NOW + 90_000).toUTCString()] }, NOW)).toBe(90)
    expect(retryAfter({ 'retry-after': new Date(NOW - 90_000).toUTCString() }, NOW)).toBe(0)
    expect(retryAfter({ 'retry-after': 'soon' }, NOW)).toBeUndefined()
    expect(retryAfter({}, NOW)).toBeUndefined()
  })
})

describe('the expiry', () => {
  const sentAt = new Date(NOW)
  const jwt = (claims: unknown) =>
    `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`

  it('from expires_in, counted from the send', () => {
    expect(computeExpiry(sentAt, 3600, 'opaque')).toEqual({
      expiresAt: new Date(NOW + 3600_000),
      expiresIn: 3600,
      source: 'expires_in'
    })
  })

  it('from a JWT exp claim when there is no expires_in; never from an opaque token or a lifetime past ten years', () => {
    expect(computeExpiry(sentAt, undefined, jwt({ exp: NOW / 1000 + 600 }))).toMatchObject({
      expiresIn: 600,
      source: 'jwt-exp'
    })
    expect(computeExpiry(sentAt, undefined, 'opaque')).toBeUndefined()
    expect(
      computeExpiry(sentAt, undefined, jwt({ exp: NOW / 1000 + MAX_TOKEN_LIFETIME_SECONDS + 10 }))
    ).toBeUndefined()
    expect(jwtExpiry('a.b')).toBeUndefined()
    expect(jwtExpiry('a..c')).toBeUndefined()
    expect(jwtExpiry(`a.${Buffer.from('not json').toString('base64url')}.c`)).toBeUndefined()
    expect(jwtExpiry(jwt({ exp: 'soon' }))).toBeUndefined()
    expect(jwtExpiry(jwt(null))).toBeUndefined()
  })

  it('a stored value, when it says anything readable', () => {
    expect(parseStoredExpiry('2026-11-30T08:23:00Z', sentAt)).toMatchObject({
      expiresIn: 3600,
      source: 'stored'
    })
    expect(parseStoredExpiry('2026-11-30T06:23:00Z', sentAt)).toMatchObject({ expiresIn: 0 })
    expect(parseStoredExpiry('soon', sentAt)).toBeUndefined()
    expect(parseStoredExpiry(undefined, sentAt)).toBeUndefined()
  })
})

describe('the POST', () => {
  const post = createTokenPoster('test')
  async function serving(handler: Parameters<typeof createServer>[1], body: (url: string) => Promise<void>) {
    const server = createServer(handler)
    const listening = await listenOnLoopback(server)
    try {
      await body(`http://127.0.0.1:${listening.port}/oauth2/token`)
    } finally {
      await listening.close()
    }
  }
  const request = (url: string) => buildTokenRequest({ tokenUrl: url, refreshToken: 'r', clientId: 'c' })

  it('reads the answer, whatever its status', async () => {
    await serving(
      (_, res) => res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}'),
      async (url) => {
        expect(await post(request(url), new AbortController().signal)).toMatchObject({
          status: 400,
          body: '{"error":"invalid_grant"}'
        })
      }
    )
  })

  it('an answer cut short, or larger than 1 MiB, is a transport failure that may follow a processed grant', async () => {
    await serving(
      (_, res) => {
        res.writeHead(200, { 'content-length': '100' })
        res.write('{"access_token":')
        setImmediate(() => res.socket?.destroy())
      },
      async (url) => {
        await expect(post(request(url), new AbortController().signal)).rejects.toMatchObject({
          neverSent: false
        })
      }
    )
    await serving(
      (_, res) => res.writeHead(200).end(Buffer.alloc(1100 * 1024, 120)),
      async (url) => {
        await expect(post(request(url), new AbortController().signal)).rejects.toThrow(
          /larger than 1048576 bytes/
        )
      }
    )
  })

  it('a refused connection never left; an aborted wait may have', async () => {
    const closed = createServer()
    const { port, close } = await listenOnLoopback(closed)
    await close()
    await expect(
      post(request(`http://127.0.0.1:${port}/t`), new AbortController().signal)
    ).rejects.toMatchObject({ neverSent: true })
    await serving(
      () => undefined,
      async (url) => {
        const controller = new AbortController()
        setTimeout(() => controller.abort(), 20)
        await expect(post(request(url), controller.signal)).rejects.toEqual(
          new TransportError('no answer within the answer window', false)
        )
        const aborted = new AbortController()
        aborted.abort()
        await expect(post(request(url), aborted.signal)).rejects.toBeInstanceOf(TransportError)
      }
    )
  })

  it('cuts credentials out of a proxy error', async () => {
    const previous = process.env.HTTP_PROXY
    process.env.HTTP_PROXY = 'http://robot:s3cret@127.0.0.1:1'
    try {
      await serving(
        () => undefined,
        async () => {
          const failure = await post(request('http://example.invalid/t'), new AbortController().signal).catch(
            (error: Error) => error
          )
          expect(String((failure as Error).message)).not.toContain('s3cret')
        }
      )
    } finally {
      if (previous === undefined) delete process.env.HTTP_PROXY
      else process.env.HTTP_PROXY = previous
    }
  })
})

describe('the grant, with its edges faked', () => {
  const clock = {
    now: () => new Date(NOW),
    sleep: async () => undefined,
    timeout: () => new AbortController().signal
  }
  const deps = (post: import('../../src/oauth/post.js').PostToken, mayStart = () => true) => ({
    post,
    clock,
    random: () => 0.5,
    mask: () => undefined,
    mayStart,
    onSend: () => undefined,
    onNeverSent: () => undefined,
    onRetry: () => undefined,
    debug: () => undefined
  })
  const request = buildTokenRequest({ tokenUrl: 'https://a/t', refreshToken: 'r', clientId: 'c' })

  it('sends nothing once a cancel came', async () => {
    const { presentToken } = await import('../../src/oauth/grant.js')
    expect(
      await presentToken(
        request,
        deps(
          async () => ({ status: 200, headers: {}, body: '' }),
          () => false
        )
      )
    ).toEqual({ kind: 'cancelled' })
  })

  it('a 429 without Retry-After is sent again after the backoff; any other failure of the transport may have reached the server', async () => {
    const { presentToken } = await import('../../src/oauth/grant.js')
    let calls = 0
    const answers = [
      { status: 429, headers: {}, body: '' },
      {
        status: 200,
        headers: {},
        body: JSON.stringify({ access_token: 'a', token_type: 'bearer', refresh_token: 'n', expires_in: 60 })
      }
    ]
    expect(
      await presentToken(
        request,
        deps(async () => answers[calls++]!)
      )
    ).toMatchObject({ kind: 'rotated', attempts: 2 })
    expect(
      await presentToken(
        request,
        deps(async () => {
          throw new Error('socket hang up')
        })
      )
    ).toMatchObject({ kind: 'unknown', reason: 'Error: socket hang up' })
  })
})
