import { createServer, request as forward, type IncomingMessage } from 'node:http'
import { connect, isIPv4, type Socket } from 'node:net'
import { listenOnLoopback } from './loopback.js'

/** Names under this suffix are the proxy's own: it resolves every one of them to 127.0.0.1, without DNS. */
export const PROXIED_SUFFIX = '.proxied.test'

export interface ForwardProxy {
  url: string
  /**
   * What arrived, refused or not: `METHOD http://host:port/path` for plain HTTP, `CONNECT host:port` for a
   * tunnel.
   */
  seen: string[]
  /** The lines of `seen` that were answered 403: a host that is neither a `.proxied.test` name nor loopback. */
  refused: string[]
  close(): Promise<void>
}

/**
 * The loopback address a host stands for, or undefined for any other host. Names ending in `.proxied.test`
 * map to 127.0.0.1 and loopback names and addresses to themselves; nothing is looked up, so nothing the proxy
 * does can reach beyond this machine or send a DNS query.
 */
export function proxiedAddress(hostname: string): string | undefined {
  const host = hostname.toLowerCase()
  if (host.endsWith(PROXIED_SUFFIX) && host.length > PROXIED_SUFFIX.length) return '127.0.0.1'
  if (host === 'localhost') return '127.0.0.1'
  if (isIPv4(host) && host.startsWith('127.')) return host
  if (host === '[::1]' || host === '::1') return '::1'
  return undefined
}

/** `host:port` (or `[v6]:port`) as a CONNECT request names it, or undefined when it is not one. */
function parseAuthority(authority: string): { hostname: string; port: number } | undefined {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(authority)
  const port = Number(match?.[2])
  if (!match?.[1] || !(port >= 1 && port <= 65535)) return undefined
  return { hostname: match[1], port }
}

/**
 * A minimal forward proxy on loopback, like the one a self-hosted runner sits behind: plain HTTP in
 * absolute form is forwarded, HTTPS goes through a CONNECT tunnel. It records what passed, not bodies.
 *
 * It is also a fence: it resolves only `*.proxied.test` names (to 127.0.0.1) and loopback hosts, and answers
 * 403 for any other host, so a client pointed at it can never reach beyond this machine, nor make it look up
 * a name.
 */
export async function startForwardProxy(): Promise<ForwardProxy> {
  const seen: string[] = []
  const refused: string[] = []
  const server = createServer((incoming: IncomingMessage, outgoing) => {
    const line = `${incoming.method} ${incoming.url}`
    seen.push(line)
    let target: URL | undefined
    try {
      target = new URL(incoming.url ?? '')
    } catch {
      // origin-form: not a proxy request
    }
    const address = target?.protocol === 'http:' ? proxiedAddress(target.hostname) : undefined
    if (!target || !address) {
      refused.push(line)
      incoming.resume()
      outgoing
        .writeHead(403, { 'content-type': 'text/plain', connection: 'close' })
        .end('refused by the test proxy\n')
      return
    }
    const headers = { ...incoming.headers }
    delete headers['proxy-authorization']
    delete headers['proxy-connection']
    const upstream = forward(
      {
        host: address,
        port: Number(target.port || 80),
        path: `${target.pathname}${target.search}`,
        method: incoming.method,
        headers
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(outgoing)
      }
    )
    upstream.on('error', () => outgoing.destroy())
    incoming.pipe(upstream)
  })
  server.on('connect', (incoming: IncomingMessage, client: Socket, head: Buffer) => {
    const line = `CONNECT ${incoming.url}`
    seen.push(line)
    client.on('error', () => undefined)
    const authority = parseAuthority(incoming.url ?? '')
    const address = authority && proxiedAddress(authority.hostname)
    if (!authority || !address) {
      refused.push(line)
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      return
    }
    const upstream = connect(authority.port, address, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.destroy())
    client.on('close', () => upstream.destroy())
  })
  const listening = await listenOnLoopback(server)
  return { url: `http://127.0.0.1:${listening.port}`, seen, refused, close: listening.close }
}
