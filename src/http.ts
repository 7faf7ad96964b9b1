import * as http from 'node:http'
import * as https from 'node:https'

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  url: string
  headers: Record<string, string>
  body?: string
}

export interface HttpResponse {
  status: number
  /** Lower-case names, as Node gives them. */
  headers: Record<string, string | string[] | undefined>
  body: string
}

export type HttpSend = (request: HttpRequest) => Promise<HttpResponse>

/** A request that got no complete answer in time; its message names the limit, never the request's body. */
export class HttpTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within request-timeout (${timeoutMs} ms)`)
    this.name = 'HttpTimeoutError'
  }
}

/**
 * One request over Node's own http/https, with a deadline for the whole exchange (connect, send, answer).
 * No redirects and no retries: both are decisions the callers make. Connections are kept alive, so the
 * writes after the first reuse the TLS session to GitHub.
 *
 * The runner's proxy settings (HTTPS_PROXY, HTTP_PROXY, NO_PROXY and their lower-case forms) are honoured
 * by Node's built-in proxy support (`proxyEnv`, Node 24.5 and later, the runtime action.yml names).
 */
export function createHttpSend(options: { timeoutMs: number; env?: NodeJS.ProcessEnv }): HttpSend {
  const proxyEnv = options.env ?? process.env
  const agents = {
    'http:': new http.Agent({ keepAlive: true, proxyEnv } as http.AgentOptions),
    'https:': new https.Agent({ keepAlive: true, proxyEnv } as https.AgentOptions)
  }
  return (request) =>
    new Promise<HttpResponse>((resolve, reject) => {
      const url = new URL(request.url)
      const transport = url.protocol === 'https:' ? https : http
      const agent = url.protocol === 'https:' ? agents['https:'] : agents['http:']
      const headers: Record<string, string> = { ...request.headers }
      if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body))
      const outgoing = transport.request(url, { method: request.method, headers, agent }, (incoming) => {
        const chunks: Buffer[] = []
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
        incoming.on('error', fail)
        incoming.on('end', () => {
          clearTimeout(deadline)
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            body: Buffer.concat(chunks).toString('utf8')
          })
        })
      })
      const deadline = setTimeout(() => {
        outgoing.destroy(new HttpTimeoutError(options.timeoutMs))
      }, options.timeoutMs)
      function fail(error: Error) {
        clearTimeout(deadline)
        reject(error)
      }
      outgoing.on('error', fail)
      outgoing.end(request.body)
    })
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']

/**
 * Node learned to use proxy variables (`proxyEnv`) in 24.5. An older runtime ignores them and goes direct,
 * which behind a proxy ends in network errors that would not say why: this says it up front.
 */
export function proxyWarning(env: NodeJS.ProcessEnv, nodeVersion: string): string | undefined {
  const set = PROXY_VARIABLES.find((name) => env[name])
  if (!set) return undefined
  const [major = 0, minor = 0] = nodeVersion.replace(/^v/, '').split('.').map(Number)
  if (major > 24 || (major === 24 && minor >= 5)) return undefined
  return (
    `${set} is set, but Node ${nodeVersion} cannot send requests through a proxy (Node 24.5 and later can), ` +
    'so this run connects directly. The runner runs this action with its own node24; update a self-hosted ' +
    'runner whose node24 is older.'
  )
}
