import * as http from 'node:http'
import * as https from 'node:https'

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']

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

/** A sender that holds connections open for the requests after the first: `close` lets them go. */
export type HttpClient = HttpSend & { close(): void }

/** A request that got no complete answer in time; its message names the limit, never the request's body. */
export class HttpTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within request-timeout (${timeoutMs} ms)`)
    this.name = 'HttpTimeoutError'
  }
}

/**
 * One request over Node's own http/https, with a deadline for the whole exchange (connect, send, answer).
 * No redirects and no retries: both are decisions the callers make. With `keepAlive`, the requests after
 * the first reuse the connection (and TLS session) to the same host.
 *
 * The runner's proxy settings (HTTPS_PROXY, HTTP_PROXY, NO_PROXY and their lower-case forms) are honoured
 * by Node's built-in proxy support (`proxyEnv`, Node 24.5 and later, the runtime action.yml names).
 */
export function createHttpSend(options: {
  timeoutMs: number
  keepAlive?: boolean
  env?: NodeJS.ProcessEnv
}): HttpClient {
  const proxyEnv = options.env ?? process.env
  const keepAlive = options.keepAlive ?? true
  let agents: { 'http:': http.Agent; 'https:': https.Agent }
  try {
    agents = {
      'http:': new http.Agent({ keepAlive, proxyEnv } as http.AgentOptions),
      'https:': new https.Agent({ keepAlive, proxyEnv } as https.AgentOptions)
    }
  } catch (error) {
    throw withoutCredentials(error) // Node names the proxy URL it could not parse, password and all
  }
  const send = (request: HttpRequest) =>
    new Promise<HttpResponse>((resolve, reject) => {
      const url = new URL(request.url)
      const [transport, agent] =
        url.protocol === 'https:' ? [https, agents['https:']] : [http, agents['http:']]
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
        reject(withoutCredentials(error))
      }
      outgoing.on('error', fail)
      outgoing.end(request.body)
    })
  return Object.assign(send, {
    close() {
      agents['http:'].destroy()
      agents['https:'].destroy()
    }
  })
}

/** `user:password@` in a URL, as a proxy variable may carry it. */
const USERINFO = /(\/\/)[^/@\s]+@/g

/**
 * The same error with any URL credentials cut out of its message: Node's proxy errors quote the proxy's
 * URL as it was given. The code (ECONNREFUSED and the like) is kept, since the decisions read it.
 */
export function withoutCredentials(error: unknown): Error {
  const original = error instanceof Error ? error : new Error(String(error))
  const message = original.message.replace(USERINFO, '$1***@')
  if (message === original.message) return original
  const cleaned = new Error(message)
  cleaned.name = original.name
  return Object.assign(cleaned, { code: (original as NodeJS.ErrnoException).code })
}

/** The passwords (and user names) in the proxy variables: masked at start, so no log line can show them. */
export function proxyCredentials(env: NodeJS.ProcessEnv): string[] {
  const found = new Set<string>()
  for (const name of PROXY_VARIABLES) {
    const value = env[name]
    if (!value) continue
    try {
      const url = new URL(value)
      for (const part of [url.password, url.username]) {
        if (part) found.add(part).add(decodeURIComponent(part))
      }
    } catch {
      // not a URL: Node will refuse it, and withoutCredentials cleans what it says
    }
  }
  return [...found]
}

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
