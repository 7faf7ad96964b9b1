import { createServer, request as forward, type IncomingMessage } from 'node:http'
import { connect, type Socket } from 'node:net'
import { listenOnLoopback } from './loopback.js'

export interface ForwardProxy {
  url: string
  /** What passed through: `METHOD http://host:port/path` for plain HTTP, `CONNECT host:port` for a tunnel. */
  seen: string[]
  close(): Promise<void>
}

/**
 * A minimal forward proxy on loopback, like the one a self-hosted runner sits behind: plain HTTP in
 * absolute form is forwarded, HTTPS goes through a CONNECT tunnel. It records what passed, not bodies.
 */
export async function startForwardProxy(): Promise<ForwardProxy> {
  const seen: string[] = []
  const server = createServer((incoming: IncomingMessage, outgoing) => {
    seen.push(`${incoming.method} ${incoming.url}`)
    const target = new URL(incoming.url ?? '')
    const upstream = forward(target, { method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(outgoing)
    })
    upstream.on('error', () => outgoing.destroy())
    incoming.pipe(upstream)
  })
  server.on('connect', (incoming: IncomingMessage, client: Socket, head: Buffer) => {
    seen.push(`CONNECT ${incoming.url}`)
    const [host = '', port = ''] = (incoming.url ?? '').split(':')
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  const listening = await listenOnLoopback(server)
  return { url: `http://127.0.0.1:${listening.port}`, seen, close: listening.close }
}
