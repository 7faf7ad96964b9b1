/**
 * What the benchmark reads off the servers' request logs: where each request started and ended, how many
 * of them lie one after another on the critical path, and how the rest of the wall time splits.
 */
import { createServer, request, type IncomingMessage } from 'node:http'
import type { RequestRecord } from '../harness/github-server.js'
import { listenOnLoopback } from '../harness/loopback.js'

/** One request as a server saw it: arrival of the request to the moment the answer was sent (epoch ms). */
export interface Span {
  server: 'oauth' | 'github'
  method: string
  path: string
  status: number
  startedAt: number
  endedAt: number
}

export interface TimingRelay {
  /** `http://127.0.0.1:PORT`: the target's paths, relayed. */
  url: string
  /** Every relayed request, in arrival order, with the same fields and meaning as the GitHub stand-in's. */
  requests: RequestRecord[]
  close(): Promise<void>
}

/**
 * A pass-through in front of the OAuth server that logs each request as the GitHub stand-in does
 * (`startedAt` on arrival, `endedAt` when the answer is sent), because the OAuth server only counts token
 * requests and keeps no times. The latency the OAuth server adds is inside each logged span; the relay
 * itself adds one loopback hop to every grant, the same for both paths being compared.
 */
export async function startTimingRelay(target: string): Promise<TimingRelay> {
  const upstream = new URL(target)
  const requests: RequestRecord[] = []
  const server = createServer((req, res) => {
    const record: RequestRecord = {
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0] ?? '/',
      status: 0,
      startedAt: Date.now(),
      endedAt: 0
    }
    requests.push(record)
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
        agent: false
      },
      (answer: IncomingMessage) => {
        const chunks: Buffer[] = []
        answer.on('data', (chunk: Buffer) => chunks.push(chunk))
        answer.on('end', () => {
          record.status = answer.statusCode ?? 502
          record.endedAt = Date.now()
          const headers = { ...answer.headers }
          delete headers['transfer-encoding']
          delete headers.connection
          res.writeHead(record.status, headers).end(Buffer.concat(chunks))
        })
      }
    )
    forward.on('error', () => {
      record.endedAt = Date.now()
      res.destroy()
    })
    req.pipe(forward)
  })
  const { port, close } = await listenOnLoopback(server)
  return { url: `http://127.0.0.1:${port}`, requests, close }
}

/**
 * The number of requests on the critical path: the longest chain of requests in which each one started
 * at or after the moment the previous one was answered (server-side times, millisecond clock). Two
 * requests whose spans overlap were in flight together, so they never both count towards one chain; a
 * request that starts only once another has been answered could have waited for it, so it counts as one
 * more sequential round trip. For a client that sends one request at a time this equals the number of
 * requests; every request sent alongside another lowers it. Longest chain in this interval order, by
 * dynamic programming over the requests sorted by start. TCP and TLS handshakes are not requests and are
 * not counted (the servers' logs do not see them); their cost shows up in the wall time and between spans.
 */
export function sequentialRoundTrips(spans: Pick<Span, 'startedAt' | 'endedAt'>[]): number {
  const sorted = [...spans].sort((a, b) => a.startedAt - b.startedAt || a.endedAt - b.endedAt)
  const depth: number[] = []
  sorted.forEach((span, i) => {
    let before = 0
    for (let j = 0; j < i; j++) {
      const earlier = sorted[j] as Span
      if (earlier.endedAt <= span.startedAt) before = Math.max(before, depth[j] ?? 0)
    }
    depth.push(before + 1)
  })
  return Math.max(0, ...depth)
}

/** Milliseconds of [from, to] covered by no span: time the client spent on its own between requests. */
export function uncoveredMs(spans: Pick<Span, 'startedAt' | 'endedAt'>[], from: number, to: number): number {
  const sorted = [...spans].sort((a, b) => a.startedAt - b.startedAt)
  let gap = 0
  let reached = from
  for (const span of sorted) {
    if (span.startedAt > reached) gap += span.startedAt - reached
    reached = Math.max(reached, span.endedAt)
  }
  return gap + Math.max(0, to - reached)
}
