import { createServer } from 'node:http'
import { listenOnLoopback, type Listening } from '../harness/loopback.js'
import {
  createHttpSend,
  HttpTimeoutError,
  proxyCredentials,
  proxyWarning,
  withoutCredentials
} from '../src/http.js'

let listening: Listening
let url: string

beforeAll(async () => {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      if (request.url === '/hang') return // never answers
      if (request.url === '/reset') return request.socket.destroy()
      if (request.url === '/half') {
        response.writeHead(200, { 'content-length': '100' })
        response.write('{"partial":')
        setTimeout(() => request.socket.destroy(), 20)
        return
      }
      response.writeHead(201, { 'x-echo-length': request.headers['content-length'] ?? 'none' })
      response.end(JSON.stringify({ method: request.method, body: Buffer.concat(chunks).toString('utf8') }))
    })
  })
  listening = await listenOnLoopback(server)
  url = `http://127.0.0.1:${listening.port}`
})

afterAll(() => listening.close())

const send = createHttpSend({ timeoutMs: 300, env: {} })

describe('createHttpSend', () => {
  it('sends the body with its length and returns status, headers and body', async () => {
    const response = await send({ method: 'PUT', url: `${url}/echo`, headers: {}, body: 'ünï' })
    expect(response.status).toBe(201)
    expect(response.headers['x-echo-length']).toBe('5')
    expect(JSON.parse(response.body)).toEqual({ method: 'PUT', body: 'ünï' })
  })

  it('ends a request that gets no answer at the timeout, naming the input', async () => {
    const started = performance.now()
    const failure = send({ method: 'GET', url: `${url}/hang`, headers: {} })
    await expect(failure).rejects.toBeInstanceOf(HttpTimeoutError)
    await expect(failure).rejects.toThrow(/request-timeout \(300 ms\)/)
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
  })

  it('fails on a reset connection and on an answer cut off half way', async () => {
    await expect(send({ method: 'GET', url: `${url}/reset`, headers: {} })).rejects.toThrow(
      /socket hang up|ECONNRESET/
    )
    await expect(send({ method: 'GET', url: `${url}/half`, headers: {} })).rejects.toThrow(
      /aborted|ECONNRESET/
    )
  })

  it('names a refused connection, which proves the request never reached the server', async () => {
    const { port, close } = await listenOnLoopback(createServer())
    await close()
    await expect(send({ method: 'GET', url: `http://127.0.0.1:${port}/`, headers: {} })).rejects.toThrow(
      /ECONNREFUSED/
    )
  })
})

describe('proxyWarning', () => {
  it('says when a proxy is set that this Node cannot use', () => {
    expect(proxyWarning({ https_proxy: 'http://proxy:3128' }, 'v24.4.1')).toMatch(
      /^https_proxy is set, but Node v24.4.1 cannot send requests through a proxy/
    )
    expect(proxyWarning({ HTTP_PROXY: 'http://proxy:3128' }, 'v20.20.2')).toMatch(/HTTP_PROXY is set/)
  })

  it('stays quiet without a proxy, or on a Node that uses it', () => {
    expect(proxyWarning({}, 'v20.20.2')).toBeUndefined()
    expect(proxyWarning({ HTTPS_PROXY: 'http://proxy:3128' }, 'v24.5.0')).toBeUndefined()
    expect(proxyWarning({ HTTPS_PROXY: 'http://proxy:3128' }, 'v26.1.0')).toBeUndefined()
  })
})

describe('proxy credentials', () => {
  it('are found in every proxy variable, raw and decoded, for masking', () => {
    expect(
      proxyCredentials({
        https_proxy: 'http://robot:p%40ss@proxy.corp:3128',
        HTTP_PROXY: 'http://proxy.corp:3128',
        NO_PROXY: 'user:secret@nowhere'
      }).sort()
    ).toEqual(['p%40ss', 'p@ss', 'robot'])
  })

  it('are cut out of an error message, which keeps its code', () => {
    const error = Object.assign(
      new Error('Failed to establish tunnel to api.github.com via http://robot:s3cret@proxy:3128'),
      {
        code: 'ERR_PROXY_TUNNEL'
      }
    )
    const cleaned = withoutCredentials(error)
    expect(cleaned.message).toBe('Failed to establish tunnel to api.github.com via http://***@proxy:3128')
    expect((cleaned as NodeJS.ErrnoException).code).toBe('ERR_PROXY_TUNNEL')
    const plain = new Error('connect ECONNREFUSED 127.0.0.1:1')
    expect(withoutCredentials(plain)).toBe(plain)
  })
})
