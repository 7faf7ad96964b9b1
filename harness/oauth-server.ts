/**
 * A real OAuth 2.0 authorization server for the tests, the demo and the benchmark: oidc-provider, set up
 * the way Ory Hydra behaves where it matters here. Token route at /oauth2/token, refresh-token rotation for
 * every client, and reuse of a spent refresh token answered with invalid_grant and the whole grant revoked.
 *
 * A small proxy stands in front of it on 127.0.0.1, so that latency and faults can be injected into
 * token requests, as hostile as a real deployment behind a gateway: answers that never come, connections
 * reset before the server saw anything, a grant processed and then answered with a 5xx, cut short, grown
 * past 1 MiB or dropped; a request queued past the client's answer window and processed later; and Hydra's
 * own answer to a concurrent refresh of one token (fosite: `invalid_request`, "Failed to refresh token
 * because of multiple concurrent requests using the same token which is not allowed.").
 *
 * With a virtual clock, every wait is virtual (the clock parks the request), and `Date`, which oidc-provider
 * reads for token lifetimes, follows the clock.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type ProviderType from 'oidc-provider'
import { listenOnLoopback } from './loopback.js'
import { RUN_HEADER, TICKET_HEADER, type VirtualClock } from './virtual-clock.js'

export type OAuthFault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'reset' }
  | { kind: 'hang' }
  | { kind: 'malformed' }
  /** The server rotates, then the answer is lost: the connection is cut, a 5xx replaces it, or it is cut short or grown past 1 MiB. */
  | { kind: 'drop-response' }
  | { kind: 'rotate-then'; then: 'status'; status: number }
  | { kind: 'rotate-then'; then: 'cut' | 'oversize' }
  /** The request waits this long before the server takes it up (queued), then is processed and answered. */
  | { kind: 'queue'; delayMs: number }
  /** The server processes the request at once and answers this much later. */
  | { kind: 'slow-answer'; delayMs: number }
  | { kind: 'transform'; transform: (json: Record<string, unknown>) => Record<string, unknown> }

export interface TokenRequestRecord {
  startedAt: number
  endedAt: number
  status: number
}

export interface OAuthServerOptions {
  accessTokenTtlSeconds?: number
  refreshTokenTtlSeconds?: number
  latencyMs?: number
  /**
   * Serve the front (the one clients reach) over HTTPS with this PEM key and certificate instead of plain
   * HTTP; `url` and `tokenUrl` are then https://. The provider behind it stays on plain loopback HTTP.
   */
  tls?: { key: string; cert: string }
  clock?: VirtualClock
  /** Asked for each token request no injected fault matched: the soak's seeded faults. */
  chaos?: (run: string | undefined) => OAuthFault | undefined
}

/** Hydra's answers when another request is refreshing the same token (in the description, or in `error_hint`). */
export const CONCURRENT_REFRESH = {
  description: {
    error: 'invalid_request',
    error_description:
      'The request is missing a required parameter, includes an invalid parameter value, includes a parameter ' +
      'more than once, or is otherwise malformed. Failed to refresh token because of multiple concurrent ' +
      'requests using the same token which is not allowed.'
  },
  hint: {
    error: 'invalid_request',
    error_description:
      'The request is missing a required parameter, includes an invalid parameter value, includes a parameter ' +
      'more than once, or is otherwise malformed.',
    error_hint: 'Failed to refresh token. Please retry the request.'
  }
} as const

export interface OAuthServer {
  /** `http://127.0.0.1:PORT` (`https://` with the `tls` option): the issuer. */
  url: string
  tokenUrl: string
  publicClientId: string
  confidentialClient: { id: string; secret: string }
  mintRefreshToken(options?: { clientId?: string; scope?: string }): Promise<string>
  isRefreshTokenLive(token: string): Promise<boolean>
  isAccessTokenLive(token: string): Promise<boolean>
  accessTokenExpiresIn(token: string): Promise<number | undefined>
  injectFault(fault: OAuthFault, times?: number): void
  /**
   * Runs (and is awaited) as each token request arrives, before any fault: to change the world at the moment
   * the grant is sent, e.g. rotate GitHub's key while the grant is out.
   */
  onTokenRequest(listener: () => void | Promise<void>): void
  readonly tokenRequests: number
  /** Every refresh token presented at the token route, in arrival order (as sent, before any fault). */
  readonly presented: readonly string[]
  /**
   * Each token request as the server saw it, in arrival order: when its body had arrived and when its answer
   * was sent or its connection ended (epoch ms; `endedAt` 0 while it is still open), and the status (0 when
   * no answer was sent).
   */
  readonly tokenRequestLog: readonly TokenRequestRecord[]
  readonly grantsReachedProvider: number
  close(): Promise<void>
}

/**
 * oidc-provider 9 warns at import time that it wants Node 22; the suite also runs where Jest runs on
 * Node 20, and the server is only a test peer. Only that one line is dropped.
 */
async function loadProvider(): Promise<typeof ProviderType> {
  const warn = console.warn
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('Unsupported runtime')) warn(...args)
  }
  try {
    return (await import('oidc-provider')).default
  } finally {
    console.warn = warn
  }
}

type Payload = Record<string, unknown> & { grantId?: string; consumed?: number }

/**
 * oidc-provider's storage contract over Maps, with revokeByGrantId, which family revocation needs. An access
 * token issued for a grant revokes the grant's earlier ones, as Hydra does on a refresh (fosite's refresh
 * handler revokes the old request's access token before it issues the new one); oidc-provider alone would
 * leave them live until they expire.
 */
class MemoryAdapter {
  static readonly stores = new Map<string, Map<string, { payload: Payload; expiresAt?: number }>>()
  private readonly store: Map<string, { payload: Payload; expiresAt?: number }>
  private readonly revokesEarlier: boolean
  constructor(name: string) {
    this.store = MemoryAdapter.stores.get(name) ?? new Map()
    MemoryAdapter.stores.set(name, this.store)
    this.revokesEarlier = name.endsWith(':AccessToken')
  }
  async upsert(id: string, payload: Payload, expiresIn?: number) {
    if (this.revokesEarlier && payload.grantId && !this.store.has(id))
      for (const [other, entry] of this.store)
        if (entry.payload.grantId === payload.grantId) this.store.delete(other)
    this.store.set(id, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined })
  }
  async find(id: string) {
    const entry = this.store.get(id)
    if (!entry || (entry.expiresAt !== undefined && entry.expiresAt < Date.now())) return undefined
    return entry.payload
  }
  async findByUid(uid: string) {
    for (const { payload } of this.store.values()) if (payload.uid === uid) return payload
    return undefined
  }
  async findByUserCode(userCode: string) {
    for (const { payload } of this.store.values()) if (payload.userCode === userCode) return payload
    return undefined
  }
  async consume(id: string) {
    const entry = this.store.get(id)
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000)
  }
  async destroy(id: string) {
    this.store.delete(id)
  }
  async revokeByGrantId(grantId: string) {
    for (const store of MemoryAdapter.stores.values()) {
      for (const [id, { payload }] of store) if (payload.grantId === grantId) store.delete(id)
    }
  }
}

const TOKEN_PATH = '/oauth2/token'
const ACCOUNT = 'ci-bot'

export async function startOAuthServer(options: OAuthServerOptions = {}): Promise<OAuthServer> {
  const accessTokenTtl = options.accessTokenTtlSeconds ?? 3600
  // Hydra's default: refresh tokens live 720 h each; the grant (the family) lives as long as it is refreshed.
  const refreshTokenTtl = options.refreshTokenTtlSeconds ?? 720 * 3600
  const latencyMs = options.latencyMs ?? 0

  const front = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert })
    : createServer()
  const inner = createServer()
  const [frontListening, innerListening] = await Promise.all([
    listenOnLoopback(front),
    listenOnLoopback(inner)
  ])
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${frontListening.port}`
  const innerPort = innerListening.port

  const publicClientId = 'ci-public'
  const confidentialClient = { id: 'ci-confidential', secret: randomBytes(24).toString('base64url') }
  const client = {
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/callback']
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const Provider = await loadProvider()
  // Each server keeps its own storage, so servers started side by side never share tokens.
  const storage = randomBytes(6).toString('hex')
  const provider = new Provider(url, {
    adapter: class extends MemoryAdapter {
      constructor(name: string) {
        super(`${storage}:${name}`)
      }
    },
    clients: [
      { ...client, client_id: publicClientId, token_endpoint_auth_method: 'none' },
      {
        ...client,
        client_id: confidentialClient.id,
        client_secret: confidentialClient.secret,
        token_endpoint_auth_method: 'client_secret_basic'
      }
    ],
    routes: { token: TOKEN_PATH },
    scopes: ['openid', 'offline_access'],
    issueRefreshToken: async () => true,
    rotateRefreshToken: true,
    ttl: {
      AccessToken: accessTokenTtl,
      RefreshToken: refreshTokenTtl,
      Grant: 10 * 365 * 24 * 3600,
      IdToken: 3600
    },
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
    features: { devInteractions: { enabled: false } },
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'ES256' }] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
    clientDefaults: { id_token_signed_response_alg: 'ES256' }
  } as ConstructorParameters<typeof Provider>[1])
  inner.on('request', provider.callback())

  const faults: OAuthFault[] = []
  const listeners: (() => void | Promise<void>)[] = []
  const tokenRequestLog: TokenRequestRecord[] = []
  let tokenRequests = 0
  let grantsReachedProvider = 0
  const presented: string[] = []
  const clock = options.clock

  // A request still queued or answering when the server closes must not end the test process.
  front.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const work = (wait: (ms: number) => Promise<void>) =>
      handle(req, res, wait).catch(() => void res.destroy())
    void (clock ? clock.serve(req.headers[TICKET_HEADER], work) : work(realWait))
  })
  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    wait: (ms: number) => Promise<void>
  ): Promise<void> {
    const body = await readAll(req)
    const isToken = new URL(req.url ?? '/', url).pathname === TOKEN_PATH
    if (isToken) {
      const token = new URLSearchParams(body.toString('utf8')).get('refresh_token')
      if (token) presented.push(token)
    }
    if (isToken) {
      const record: TokenRequestRecord = { startedAt: Date.now(), endedAt: 0, status: 0 }
      tokenRequestLog.push(record)
      res.on('close', () => {
        record.endedAt = Date.now()
        if (res.headersSent) record.status = res.statusCode
      })
    }
    if (latencyMs) await wait(latencyMs)
    if (isToken) for (const listener of listeners) await listener()
    const run = req.headers[RUN_HEADER]
    const fault = isToken ? (faults.shift() ?? options.chaos?.(Array.isArray(run) ? run[0] : run)) : undefined
    if (isToken) tokenRequests++
    switch (fault?.kind) {
      case 'status': {
        const text = typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body ?? {})
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers }).end(text)
        return
      }
      case 'reset':
        req.socket.destroy()
        return
      case 'hang':
        return wait(Infinity)
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token": "trunc')
        return
    }
    if (fault?.kind === 'queue') await wait(fault.delayMs)
    if (isToken) grantsReachedProvider++
    const answer = await forward(innerPort, req, body)
    if (fault?.kind === 'slow-answer') await wait(fault.delayMs)
    if (fault?.kind === 'drop-response') {
      req.socket.destroy()
      return
    }
    if (fault?.kind === 'rotate-then') {
      if (fault.then === 'status') {
        res
          .writeHead(fault.status, { 'content-type': 'text/html' })
          .end('<html><body>Bad Gateway</body></html>')
      } else if (fault.then === 'cut') {
        // The headers promise the whole answer; half of it arrives, then the connection ends.
        res.writeHead(answer.status, {
          'content-type': 'application/json',
          'content-length': String(answer.body.length)
        })
        res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)))
        await new Promise((resolve) => setImmediate(resolve))
        req.socket.destroy()
      } else {
        const padded = Buffer.concat([
          answer.body.subarray(0, answer.body.length - 1),
          Buffer.from(`,"padding":"${'x'.repeat(1100 * 1024)}"}`)
        ])
        res
          .writeHead(answer.status, {
            'content-type': 'application/json',
            'content-length': String(padded.length)
          })
          .end(padded)
      }
      return
    }
    let payload = answer.body
    if (fault?.kind === 'transform')
      payload = Buffer.from(JSON.stringify(fault.transform(JSON.parse(payload.toString('utf8')))))
    const headers: Record<string, string | string[] | undefined> = {
      ...answer.headers,
      'content-length': String(payload.length)
    }
    delete headers['transfer-encoding']
    res.writeHead(answer.status, headers).end(payload)
  }

  async function liveGrant(grantId: string | undefined): Promise<boolean> {
    return Boolean(grantId && (await provider.Grant.find(grantId)))
  }

  return {
    url,
    tokenUrl: `${url}${TOKEN_PATH}`,
    publicClientId,
    confidentialClient,
    async mintRefreshToken({ clientId = publicClientId, scope = 'openid offline_access' } = {}) {
      const found = await provider.Client.find(clientId)
      if (!found) throw new Error(`unknown client ${clientId}`)
      const grant = new provider.Grant({ accountId: ACCOUNT, clientId })
      grant.addOIDCScope(scope)
      const grantId = await grant.save()
      const token = new provider.RefreshToken({
        accountId: ACCOUNT,
        client: found,
        grantId,
        gty: 'authorization_code',
        scope,
        authTime: Math.floor(Date.now() / 1000),
        expiresWithSession: false
      })
      return token.save()
    },
    async isRefreshTokenLive(value) {
      const token = await provider.RefreshToken.find(value)
      return Boolean(token && !token.consumed && !token.isExpired && (await liveGrant(token.grantId)))
    },
    async isAccessTokenLive(value) {
      const token = await provider.AccessToken.find(value)
      return Boolean(token && !token.isExpired && (await liveGrant(token.grantId)))
    },
    async accessTokenExpiresIn(value) {
      const token = await provider.AccessToken.find(value)
      return token?.exp === undefined ? undefined : token.exp - Math.floor(Date.now() / 1000)
    },
    injectFault(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault)
    },
    onTokenRequest(listener) {
      listeners.push(listener)
    },
    get tokenRequests() {
      return tokenRequests
    },
    get tokenRequestLog() {
      return tokenRequestLog
    },
    get presented() {
      return presented
    },
    get grantsReachedProvider() {
      return grantsReachedProvider
    },
    async close() {
      for (const name of MemoryAdapter.stores.keys())
        if (name.startsWith(`${storage}:`)) MemoryAdapter.stores.delete(name)
      await Promise.all([frontListening.close(), innerListening.close()])
    }
  }
}

function realWait(ms: number): Promise<void> {
  return Number.isFinite(ms)
    ? new Promise((resolve) => setTimeout(resolve, ms))
    : new Promise(() => undefined)
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () => resolve(Buffer.concat(chunks)))
    stream.on('error', reject)
  })
}

function forward(
  port: number,
  req: IncomingMessage,
  body: Buffer
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, connection: 'close' }
      },
      async (response) => {
        resolve({
          status: response.statusCode ?? 502,
          headers: { ...response.headers },
          body: await readAll(response)
        })
      }
    )
    upstream.on('error', reject)
    upstream.end(body)
  })
}
