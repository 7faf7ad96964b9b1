import { createServer, type IncomingHttpHeaders } from 'node:http'
import { listenOnLoopback, type Listening } from '../../harness/loopback.js'
import { createTokenPoster, AnswerTimeoutError } from '../../src/oauth/post-token.js'

interface Seen {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
}

let listening: Listening
let url: string
const seen: Seen[] = []

beforeAll(async () => {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      seen.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body })
      if (request.url === '/hang') return // never answers
      if (request.url === '/reset') return request.socket.destroy()
      if (request.url === '/half') {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
        response.write('{"partial":')
        setTimeout(() => request.socket.destroy(), 20)
        return
      }
      if (request.url === '/huge') {
        response.writeHead(200, { 'content-type': 'application/json' })
        return response.end('x'.repeat(2 * 1024 * 1024))
      }
      if (request.url === '/moved') {
        response.writeHead(302, { location: `${url}/elsewhere` })
        return response.end()
      }
      response.writeHead(201, {
        'content-type': 'application/json',
        'x-echo-length': request.headers['content-length'] ?? 'none',
        'set-cookie': ['a=1', 'b=2']
      })
      response.end(JSON.stringify({ method: request.method, body }))
    })
  })
  listening = await listenOnLoopback(server)
  url = `http://127.0.0.1:${listening.port}`
})

beforeEach(() => {
  seen.length = 0
})

afterAll(() => listening.close())

const slow: number[] = []
const post = createTokenPoster({
  timeoutMs: 150,
  answerTimeoutMs: 300,
  userAgent: 'refresh-oauth-secrets/test',
  onSlow: (waitedMs) => slow.push(waitedMs)
})
const form = 'grant_type=refresh_token&refresh_token=ünï'
const headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }

describe('createTokenPoster', () => {
  it('POSTs the body with the headers given and the user agent, and returns status, headers and body', async () => {
    const response = await post({ url: `${url}/oauth2/token`, headers, body: form })
    expect(response.status).toBe(201)
    expect(response.headers['x-echo-length']).toBe(String(Buffer.byteLength(form)))
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2'])
    expect(JSON.parse(response.body)).toEqual({ method: 'POST', body: form })
    expect(seen).toHaveLength(1)
    expect(seen[0]?.path).toBe('/oauth2/token')
    expect(seen[0]?.headers).toMatchObject({ ...headers, 'user-agent': 'refresh-oauth-secrets/test' })
  })

  it('says when request-timeout passes without an answer, keeps waiting, and ends only at the answer deadline', async () => {
    slow.length = 0
    const started = performance.now()
    const failure = post({ url: `${url}/hang`, headers, body: form })
    await expect(failure).rejects.toBeInstanceOf(AnswerTimeoutError)
    await expect(failure).rejects.toThrow(/no answer within/)
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
    expect(slow).toEqual([150])
    await expect(failure).rejects.not.toThrow(/refresh_token/)
  })

  it('does not read an answer larger than any token answer to its end', async () => {
    await expect(post({ url: `${url}/huge`, headers, body: form })).rejects.toThrow(
      /larger than 1048576 bytes/
    )
  })

  it('fails on a reset connection', async () => {
    await expect(post({ url: `${url}/reset`, headers, body: form })).rejects.toThrow(
      /socket hang up|ECONNRESET/
    )
  })

  it('fails on an answer cut off half way at once, not at the deadline', async () => {
    const half = post({ url: `${url}/half`, headers, body: form })
    await expect(half).rejects.toThrow(/aborted|ECONNRESET|terminated|premature close/i)
    await expect(half).rejects.not.toBeInstanceOf(AnswerTimeoutError)
  })

  it('names a refused connection, which proves the request never reached the server', async () => {
    const { port, close } = await listenOnLoopback(createServer())
    await close()
    await expect(post({ url: `http://127.0.0.1:${port}/oauth2/token`, headers, body: form })).rejects.toThrow(
      /ECONNREFUSED/
    )
  })

  it('returns a redirect as it is, without following it with the refresh token', async () => {
    const response = await post({ url: `${url}/moved`, headers, body: form })
    expect(response.status).toBe(302)
    expect(response.headers.location).toBe(`${url}/elsewhere`)
    expect(seen.map((request) => request.path)).toEqual(['/moved'])
  })
})
