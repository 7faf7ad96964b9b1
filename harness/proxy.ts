import { createServer, request as forward, type IncomingMessage } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'

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
  const sockets = new Set<Socket>()
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
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  }
}
