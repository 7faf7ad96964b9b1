/**
 * A local stand-in for the GitHub REST API, limited to what the action (and `gh secret set`) touch:
 * Actions secrets of a repository and of its environments, repository Actions variables, and the
 * repository itself. It follows GitHub's contract: status codes, JSON shapes, `{ message,
 * documentation_url, status }` error bodies, hidden repositories (404) for tokens without access, 422 for a
 * secret that was not sealed to the current public key. Every sealed value is opened with libsodium's
 * crypto_box_seal_open, as GitHub does, so a test sees the plaintext the action meant to store.
 *
 * Paths may carry the `/api/v3` prefix of GitHub Enterprise Server. Faults (a status, a reset connection, a
 * request that never gets an answer) are matched before routing, so a faulted write never changes state;
 * `lose-answer` is the exception on purpose: the write is applied, then the connection is cut.
 *
 * Beyond the published contract, it is as hostile as the real GitHub (each behaviour cites its source):
 * - 409 for a variable that exists (docs.github.com, "Create a repository variable": 409 Conflict);
 * - 422 for a secret not sealed to the current key (observed; the message is GitHub's own);
 * - eventually consistent reads (`staleReadMs`): a variable or secret read returns what was there that long
 *   ago, and a just-created variable 404s meanwhile (integrations/terraform-provider-github#2047, #2378;
 *   PR #3502 sleeps after writes for this reason);
 * - a write applied and its answer lost (`lose-answer`), and rate limits of minutes (a 403 or 429 with
 *   `retry-after`, docs.github.com "Rate limits for the REST API").
 * With a virtual clock, waits (latency, a hung request) are virtual: the clock parks the request.
 */
import { randomBytes } from 'node:crypto'
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import sodium from 'libsodium-wrappers'
import { listenOnLoopback } from './loopback.js'
import { RUN_HEADER, TICKET_HEADER, type VirtualClock } from './virtual-clock.js'

export type GitHubTarget = { repository: string; environment?: string } // repository 'owner/name'
export type GitHubFault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'reset' } // destroy socket, nothing applied
  | { kind: 'hang' } // never answer; must not keep close() from finishing
  | { kind: 'lose-answer' } // apply the request, then cut the connection before the answer
  | { kind: 'delay'; ms: number } // answer this much later (virtual with a clock)
  | { kind: 'stale'; ms: number } // answer, with this request's reads that many ms stale
/**
 * `path` is matched against the path without the `/api/v3` prefix and without the query; `body` against the
 * raw request body (e.g. `/"name":"WIZARD_EXPIRES_AT"/` tells the expiry variable's create from the lock's).
 */
export interface FaultMatch {
  method?: string
  path?: RegExp
  body?: RegExp
}
/**
 * One request as the stand-in saw it. `path` is the path as sent (still URL-encoded) without the `/api/v3`
 * prefix and without the query. `status` is 0 for a reset or hung request; `endedAt` (ms since the epoch,
 * like `startedAt`) is 0 while the request is still open.
 */
export interface RequestRecord {
  method: string
  path: string
  status: number
  startedAt: number
  endedAt: number
}
export interface GitHubServerOptions {
  /** Delay added before answering each request (default 0). */
  latencyMs?: number
  /** A virtual clock: waits are parked on it, and its `Date` stamps every write. */
  clock?: VirtualClock
  /**
   * How stale a read of a variable or of a secret's metadata is: it returns the state of that many ms ago
   * (a function is asked at each read). 0: reads are consistent.
   */
  staleReadMs?: number | (() => number)
  /**
   * How a stale read shows: the old value (the default), or a 404 for a read within the window after any
   * write, update included (both seen on github.com; the design assumes the worse).
   */
  staleShows?: 'old-value' | '404'
  /** Check every answer against GitHub's published contract when the stand-in closes (harness/github-contract.ts). */
  contract?: boolean
  /** Asked for each request no injected fault matched: the soak's seeded faults. */
  chaos?: (request: {
    method: string
    path: string
    body: string
    run: string | undefined
  }) => GitHubFault | undefined
  /**
   * Serve HTTPS with this PEM key and certificate instead of plain HTTP (for clients that only speak TLS
   * to a non-github.com host, such as `gh` pointed at GitHub Enterprise Server). `url` is then https://.
   */
  tls?: { key: string; cert: string }
}
export interface GitHubServer {
  /** `http://127.0.0.1:PORT` (`https://` with the `tls` option), for GITHUB_API_URL. */
  url: string
  addRepository(repository: string, options?: { environments?: string[] }): void
  /** Defaults: every repository, can write secrets and variables, not expired. */
  addToken(
    token: string,
    access?: {
      repositories?: string[] | '*'
      canWriteSecrets?: boolean
      /** Defaults to canWriteSecrets: a token that can write secrets but not variables, or the other way round. */
      canWriteVariables?: boolean
      /** `issues: write` and `actions: write`, as a job's GITHUB_TOKEN is granted them (default true). */
      canWriteIssues?: boolean
      canWriteActions?: boolean
      expired?: boolean
      /**
       * When the token expires: answers to it then carry `github-authentication-token-expiration`, as GitHub's
       * do for an expiring personal access token. Unset for a token that does not expire (an installation token).
       */
      expiresAt?: Date
    }
  ): void
  /** Name (upper case, as GitHub stores it) -> decrypted plaintext. */
  secrets(target: GitHubTarget): Record<string, string>
  /** The repository's issues, with their comments, in the order they were opened. */
  issues(repository: string): StandInIssue[]
  /** Every `PUT .../actions/workflows/{file}/enable` the repository received: the files, in order. */
  workflowsEnabled(repository: string): string[]
  /** When the secret was last written, as an ISO timestamp with milliseconds (strictly increasing). */
  secretUpdatedAt(target: GitHubTarget, name: string): string | undefined
  setSecret(target: GitHubTarget, name: string, plaintext: string): void
  variables(repository: string): Record<string, string>
  setVariable(repository: string, name: string, value: string): void
  /** A person's delete, as `gh variable delete` does it. */
  deleteVariable(repository: string, name: string): void
  publicKey(target: GitHubTarget): { key_id: string; key: string }
  /** A new key pair and key_id; stored secrets are kept, a PUT with the old key_id now gets 422. */
  rotateKey(target: GitHubTarget): void
  /**
   * `times` defaults to 1; faults are checked in the order they were injected, before routing. The first
   * `after` matching requests (default 0) pass untouched: "the first write lands, every later one fails".
   */
  injectFault(match: FaultMatch, fault: GitHubFault, times?: number, after?: number): void
  /** Drops every fault not yet used up: GitHub works again. */
  clearFaults(): void
  /** Every request, in arrival order. */
  requests: RequestRecord[]
  /** A `fetch` answered in memory by this stand-in, no socket (for the soak). */
  fetchInMemory: typeof fetch
  /** Told of each request as it arrives (its body read), before any fault or latency: to act at that moment. */
  onRequest(listener: (request: RequestRecord, body: string) => void): void
  /** Issues turned off, as a fork has them by default: every issues call answers 410. */
  disableIssues(repository: string): void
  /** Every answer given, status and body as sent, for the contract test. */
  answers: AnsweredRequest[]
  /** Changes how stale reads are from now on, and how they show. */
  setStaleReads(ms: number | (() => number), shows?: 'old-value' | '404'): void
  close(): Promise<void>
}

const DOCS = 'https://docs.github.com/rest'
const SECRETS_DOCS = `${DOCS}/actions/secrets`
const VARIABLES_DOCS = `${DOCS}/actions/variables`
/** GitHub's own check on encrypted_value, quoted in its 422 answer. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const MAX_VALUE_BYTES = 48 * 1024
const MAX_VARIABLES = 500
const MAX_BODY_BYTES = 1024 * 1024
const RATE_LIMIT = 5000

interface KeyPair {
  keyId: string
  publicKey: Uint8Array
  privateKey: Uint8Array
}
interface Entry {
  name: string
  value: string
  createdAt: number
  updatedAt: number
}
/** Every version a name had, oldest first; `undefined` marks a delete. For stale reads. */
type History = Map<string, { at: number; entry: Entry | undefined }[]>
interface SecretStore {
  key: KeyPair
  secrets: Map<string, Entry>
  history: History
}
interface Repository {
  id: number
  owner: string
  name: string
  store: SecretStore
  environments: Map<string, { name: string; store: SecretStore }>
  variables: Map<string, Entry>
  variableHistory: History
  issues: StandInIssue[]
  enabled: string[]
  issuesDisabled: boolean
}
export interface StandInIssue {
  number: number
  title: string
  body: string
  state: 'open' | 'closed'
  labels: string[]
  comments: string[]
}

/** What the stand-in answered, for checking against GitHub's published contract. */
export interface AnsweredRequest {
  method: string
  /** The path as routed: without `/api/v3` and the query. */
  path: string
  status: number
  body: unknown
}
interface Access {
  repositories: Set<string> | '*'
  canWriteSecrets: boolean
  canWriteVariables: boolean
  canWriteIssues: boolean
  canWriteActions: boolean
  expired: boolean
  expiresAt?: Date
}
interface PendingFault {
  match: FaultMatch
  fault: GitHubFault
  remaining: number
  after: number
}
interface Answer {
  status: number
  body?: unknown
  headers?: Record<string, string>
}
type Reply =
  | { kind: 'answer'; status: number; headers: Record<string, string>; payload: string }
  | { kind: 'cut' }
  | { kind: 'silence' }

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly documentationUrl: string = DOCS,
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
  }
}

export async function startGitHubServer(options: GitHubServerOptions = {}): Promise<GitHubServer> {
  await sodium.ready
  const latencyMs = options.latencyMs ?? 0
  const clock = options.clock
  let staleReadMs = options.staleReadMs ?? 0
  let staleShows = options.staleShows ?? 'old-value'
  const answers: AnsweredRequest[] = []
  const arrivals: ((request: RequestRecord, body: string) => void)[] = []
  const repositories = new Map<string, Repository>()
  const tokens = new Map<string, Access>()
  const faults: PendingFault[] = []
  const requests: RequestRecord[] = []
  const timers = new Set<NodeJS.Timeout>()
  let nextRepositoryId = 1296269
  let lastWrite = 0
  let closed = false
  /** The path of the request being routed, as sent: for the Link header of a paginated answer. */
  let currentPath = ''
  /** A `stale` fault's lag, for the request being routed (routing is synchronous). */
  let staleForThisRequest: number | undefined
  let url = ''

  /** Write times strictly increase, so a test can tell two writes within one millisecond apart. */
  const writeTime = () => (lastWrite = Math.max(Date.now(), lastWrite + 1))

  const newStore = (): SecretStore => ({ key: newKeyPair(), secrets: new Map(), history: new Map() })

  function findRepository(repository: string): Repository | undefined {
    return repositories.get(repository.toLowerCase())
  }
  function repositoryOf(repository: string): Repository {
    const found = findRepository(repository)
    if (!found) throw new Error(`github-server: no repository ${repository} (addRepository first)`)
    return found
  }
  function storeOf(target: GitHubTarget): SecretStore {
    const repository = repositoryOf(target.repository)
    if (target.environment === undefined) return repository.store
    const environment = repository.environments.get(target.environment.toLowerCase())
    if (!environment)
      throw new Error(`github-server: no environment ${target.environment} in ${target.repository}`)
    return environment.store
  }

  // ── Routing ────────────────────────────────────────────────────────────────────────────────────────

  function route(
    method: string,
    path: string,
    query: URLSearchParams,
    auth: string | undefined,
    rawBody: string
  ): Answer {
    const match = /^(?:bearer|token)\s+(\S+)\s*$/i.exec(auth ?? '')
    if (!match) throw new HttpError(401, 'Requires authentication')
    const access = tokens.get(match[1] ?? '')
    if (!access || access.expired) throw new HttpError(401, 'Bad credentials')

    const segments = path.split('/').slice(1).map(decodeSegment)
    const [root, owner, repo, section, ...rest] = segments
    if (root !== 'repos' || owner === undefined || repo === undefined || !owner || !repo) throw notFound()
    const repository = findRepository(`${owner}/${repo}`)
    const visible = access.repositories === '*' || access.repositories.has(`${owner}/${repo}`.toLowerCase())
    if (!repository || !visible) throw notFound()

    const write = (docs: string) => {
      const variable = docs.startsWith(VARIABLES_DOCS)
      if (!(variable ? access.canWriteVariables : access.canWriteSecrets)) {
        throw new HttpError(403, 'Resource not accessible by personal access token', docs, {
          'x-accepted-github-permissions': variable ? 'actions_variables=write' : 'secrets=write'
        })
      }
    }
    const body = () => parseBody(rawBody)

    if (section === undefined) {
      if (method !== 'GET') throw notFound()
      return { status: 200, body: repositoryJson(repository) }
    }

    if (section === 'actions' && rest[0] === 'secrets') {
      return secretsRoute(method, rest.slice(1), repository.store, 'repository', write, body)
    }
    if (section === 'environments' && rest[0] !== undefined && rest[1] === 'secrets') {
      const environment = repository.environments.get(rest[0].toLowerCase())
      if (!environment) throw notFound()
      return secretsRoute(method, rest.slice(2), environment.store, 'environment', write, body)
    }
    if (section === 'actions' && rest[0] === 'variables') {
      return variablesRoute(method, rest.slice(1), repository, write, body)
    }
    const refuse = (permission: string) => {
      throw new HttpError(403, 'Resource not accessible by integration', DOCS, {
        'x-accepted-github-permissions': permission
      })
    }
    if (section === 'actions' && rest[0] === 'workflows' && rest[2] === 'enable' && rest.length === 3) {
      if (method !== 'PUT') throw notFound()
      if (!access.canWriteActions) refuse('actions=write')
      repository.enabled.push(rest[1] ?? '')
      return { status: 204 }
    }
    if (section === 'issues') return issuesRoute(method, rest, query, repository, access, refuse, body)
    throw notFound()
  }

  /** The few issue calls an alert makes: list open ones (by label, paginated), open one, comment, close. */
  function issuesRoute(
    method: string,
    rest: string[],
    query: URLSearchParams,
    repository: Repository,
    access: Access,
    refuse: (permission: string) => never,
    body: () => Record<string, unknown>
  ): Answer {
    if (repository.issuesDisabled)
      throw new HttpError(410, 'Issues are disabled for this repo', `${DOCS}/issues/issues`)
    const json = (issue: StandInIssue) => issueJson(repository, issue)
    const [number, extra] = rest
    if (number === undefined) {
      if (method === 'GET') {
        const state = query.get('state') ?? 'open'
        const labels = (query.get('labels') ?? '').split(',').filter(Boolean)
        const matching = repository.issues.filter(
          (issue) =>
            (state === 'all' || issue.state === state) &&
            labels.every((label) => issue.labels.includes(label))
        )
        return paginated(matching.map(json), query)
      }
      if (method !== 'POST') throw notFound()
      if (!access.canWriteIssues) refuse('issues=write')
      const { title, body: text, labels } = body()
      const issue: StandInIssue = {
        number: repository.issues.length + 1,
        title: String(title ?? ''),
        body: String(text ?? ''),
        state: 'open',
        labels: Array.isArray(labels) ? labels.map(String) : [],
        comments: []
      }
      repository.issues.push(issue)
      return { status: 201, body: json(issue) }
    }
    const issue = repository.issues.find((candidate) => String(candidate.number) === number)
    if (!issue) throw notFound()
    if (!access.canWriteIssues) refuse('issues=write')
    if (extra === 'comments' && method === 'POST') {
      const text = String(body().body ?? '')
      issue.comments.push(text)
      return { status: 201, body: commentJson(repository, issue, issue.comments.length, text) }
    }
    if (extra === undefined && method === 'PATCH') {
      const { state } = body()
      if (state === 'closed' || state === 'open') issue.state = state
      return { status: 200, body: json(issue) }
    }
    throw notFound()
  }

  /** One page of a list, and GitHub's Link header to the next. */
  function paginated(items: unknown[], query: URLSearchParams): Answer {
    const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30))
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1)
    const slice = items.slice((page - 1) * perPage, page * perPage)
    const headers: Record<string, string> = {}
    if (page * perPage < items.length) {
      const next = new URLSearchParams(query)
      next.set('page', String(page + 1))
      headers.link = `<${url}${currentPath}?${next.toString()}>; rel="next"`
    }
    return { status: 200, body: slice, headers }
  }

  function secretsRoute(
    method: string,
    rest: string[],
    store: SecretStore,
    level: 'repository' | 'environment',
    write: (docs: string) => void,
    body: () => Record<string, unknown>
  ): Answer {
    const docs = (operation: string) =>
      `${SECRETS_DOCS}#${operation}-${level === 'repository' ? 'a-repository' : 'an-environment'}-secret`
    if (rest.length === 0 && method === 'GET') {
      const secrets = [...store.secrets.values()].sort((a, b) => a.name.localeCompare(b.name)).map(secretJson)
      return { status: 200, body: { total_count: secrets.length, secrets } }
    }
    const [name, ...extra] = rest
    if (name === undefined || extra.length > 0) throw notFound()
    if (name === 'public-key' && method === 'GET') {
      return { status: 200, body: publicKeyJson(store.key) }
    }
    const key = name.toUpperCase()
    if (method === 'GET') {
      const secret = readAsOf(store.secrets, store.history, key)
      if (!secret) throw notFound(docs('get'))
      return { status: 200, body: secretJson(secret) }
    }
    if (method === 'DELETE') {
      write(docs('delete'))
      if (!removeEntry(store.secrets, store.history, key)) throw notFound(docs('delete'))
      return { status: 204 }
    }
    if (method !== 'PUT') throw notFound()

    const url = docs('create-or-update')
    write(url)
    checkName(name, 'Secret', url)
    const input = body()
    const encrypted = requiredString(input, 'encrypted_value', url)
    const keyId = requiredString(input, 'key_id', url)
    if (!BASE64.test(encrypted))
      throw new HttpError(422, `Invalid request.\n\n${encrypted} does not match ${BASE64}.`, url)
    const improperly = () =>
      new HttpError(422, 'Bad request - validation failed due to an improperly encrypted secret', url)
    if (keyId !== store.key.keyId) throw improperly()
    let opened: Uint8Array
    try {
      const sealed = sodium.from_base64(encrypted, sodium.base64_variants.ORIGINAL)
      opened = sodium.crypto_box_seal_open(sealed, store.key.publicKey, store.key.privateKey)
    } catch {
      throw improperly()
    }
    if (opened.length > MAX_VALUE_BYTES)
      throw new HttpError(422, 'Secret value is too large (48 KB at most)', url)
    const created = !store.secrets.has(key)
    putEntry(store.secrets, store.history, key, Buffer.from(opened).toString('utf8'))
    return created ? { status: 201, body: {} } : { status: 204 }
  }

  function variablesRoute(
    method: string,
    rest: string[],
    repository: Repository,
    write: (docs: string) => void,
    body: () => Record<string, unknown>
  ): Answer {
    const variables = repository.variables
    const history = repository.variableHistory
    if (rest.length === 0) {
      if (method === 'GET') {
        const list = [...variables.values()].sort((a, b) => a.name.localeCompare(b.name)).map(variableJson)
        return { status: 200, body: { total_count: list.length, variables: list } }
      }
      if (method !== 'POST') throw notFound()
      const url = `${VARIABLES_DOCS}#create-a-repository-variable`
      write(url)
      const input = body()
      const name = requiredString(input, 'name', url)
      const value = requiredString(input, 'value', url)
      checkName(name, 'Variable', url)
      checkValue(value, url)
      if (variables.has(name.toUpperCase()))
        throw new HttpError(409, 'Already exists - Variable already exists', url)
      // GitHub keeps at most 500 variables on a repository (docs.github.com/actions/reference/limits).
      if (variables.size >= MAX_VARIABLES)
        throw new HttpError(422, 'Too many variables: a repository holds 500 at most', url)
      putEntry(variables, history, name.toUpperCase(), value)
      return { status: 201, body: {} }
    }
    const [name, ...extra] = rest
    if (name === undefined || extra.length > 0) throw notFound()
    const key = name.toUpperCase()
    if (method === 'GET') {
      const variable = readAsOf(variables, history, key)
      if (!variable) throw notFound(`${VARIABLES_DOCS}#get-a-repository-variable`)
      return { status: 200, body: variableJson(variable) }
    }
    if (method === 'DELETE') {
      const url = `${VARIABLES_DOCS}#delete-a-repository-variable`
      write(url)
      if (!removeEntry(variables, history, key)) throw notFound(url)
      return { status: 204 }
    }
    if (method !== 'PATCH') throw notFound()
    const url = `${VARIABLES_DOCS}#update-a-repository-variable`
    write(url)
    const existing = variables.get(key)
    if (!existing) throw notFound(url)
    const input = body()
    const newName = optionalString(input, 'name', url) ?? existing.name
    const value = optionalString(input, 'value', url) ?? existing.value
    checkName(newName, 'Variable', url)
    checkValue(value, url)
    const newKey = newName.toUpperCase()
    if (newKey !== key && variables.has(newKey))
      throw new HttpError(409, 'Already exists - Variable already exists', url)
    if (newKey !== key) removeEntry(variables, history, key)
    putEntry(variables, history, newKey, value, existing.createdAt)
    return { status: 204 }
  }

  function putEntry(
    entries: Map<string, Entry>,
    history: History,
    key: string,
    value: string,
    createdAt?: number
  ): void {
    const now = writeTime()
    const existing = entries.get(key)
    const entry = { name: key, value, createdAt: createdAt ?? existing?.createdAt ?? now, updatedAt: now }
    entries.set(key, entry)
    remember(history, key, now, entry)
  }

  function removeEntry(entries: Map<string, Entry>, history: History, key: string): boolean {
    if (!entries.delete(key)) return false
    remember(history, key, writeTime(), undefined)
    return true
  }

  function remember(history: History, key: string, at: number, entry: Entry | undefined): void {
    const versions = history.get(key) ?? []
    versions.push({ at, entry: entry && { ...entry } })
    history.set(key, versions)
  }

  /** What a read returns: the state `staleReadMs` ago, as GitHub's eventually consistent reads may. */
  function readAsOf(entries: Map<string, Entry>, history: History, key: string): Entry | undefined {
    const stale = staleForThisRequest ?? (typeof staleReadMs === 'function' ? staleReadMs() : staleReadMs)
    if (stale <= 0) return entries.get(key)
    const asOf = Date.now() - stale
    const versions = history.get(key) ?? []
    if (staleShows === '404' && versions.some((version) => version.at > asOf)) return undefined
    let seen: Entry | undefined
    for (const version of versions) {
      if (version.at > asOf) break
      seen = version.entry
    }
    // A name that existed before any recorded version (set up by a test) reads as it is now.
    return versions.length === 0 ? entries.get(key) : seen
  }

  // ── HTTP ───────────────────────────────────────────────────────────────────────────────────────────

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    void (clock
      ? clock.serve(req.headers[TICKET_HEADER], (park) => handle(req, res, park))
      : handle(req, res, sleep))
  }
  const server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, listener)
    : createServer(listener)

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    wait: (ms: number) => Promise<void>
  ): Promise<void> {
    let rawBody: string
    try {
      rawBody = await readBody(req)
    } catch {
      return
    }
    const reply = await respond(
      req.method ?? 'GET',
      req.url ?? '/',
      header(req, 'authorization'),
      rawBody,
      wait,
      header(req, RUN_HEADER)
    )
    if (reply.kind === 'silence') return
    if (reply.kind === 'cut') {
      const socket = req.socket
      if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy()
      else socket.destroy()
      return
    }
    if (res.destroyed) return
    res.writeHead(reply.status, {
      ...reply.headers,
      'content-length': String(Buffer.byteLength(reply.payload))
    })
    res.end(reply.payload)
  }

  /**
   * One request, whatever carries it: the answer, or a cut connection, or silence (a hung request). Faults
   * are matched before routing, so a faulted write never changes state, except `lose-answer`, which applies
   * the write and then cuts.
   */
  async function respond(
    rawMethod: string,
    url: string,
    authorization: string | undefined,
    rawBody: string,
    wait: (ms: number) => Promise<void>,
    run?: string
  ): Promise<Reply> {
    const method = rawMethod.toUpperCase()
    const path = normalizePath(url)
    const query = new URLSearchParams(url.split('?')[1] ?? '')
    const record: RequestRecord = { method, path, status: 0, startedAt: Date.now(), endedAt: 0 }
    requests.push(record)
    for (const listener of arrivals) listener(record, rawBody)
    const fault = takeFault(method, path, rawBody) ?? options.chaos?.({ method, path, body: rawBody, run })
    if (latencyMs > 0) await wait(latencyMs)
    if (fault?.kind === 'delay') await wait(fault.ms)
    if (closed) return { kind: 'silence' }
    if (fault?.kind === 'hang') {
      await wait(Infinity)
      return { kind: 'silence' }
    }
    if (fault?.kind === 'reset') {
      record.endedAt = Date.now()
      return { kind: 'cut' }
    }
    let answer: Answer
    if (fault?.kind === 'status') {
      answer = {
        status: fault.status,
        body: fault.body ?? errorBody(fault.status, STATUS_CODES[fault.status] ?? 'Error'),
        headers: fault.headers
      }
    } else {
      try {
        currentPath = url.split('?')[0] ?? '/'
        staleForThisRequest = fault?.kind === 'stale' ? fault.ms : undefined
        answer = route(method, path, query, authorization, rawBody)
      } catch (error) {
        answer =
          error instanceof HttpError
            ? {
                status: error.status,
                body: errorBody(error.status, error.message, error.documentationUrl),
                headers: error.headers
              }
            : { status: 500, body: errorBody(500, `Server Error: ${String(error)}`) }
      }
    }
    if (fault?.kind === 'lose-answer') {
      // Applied above; the answer never arrives.
      record.endedAt = Date.now()
      return { kind: 'cut' }
    }
    const expiresAt = tokenOf(authorization)?.expiresAt
    if (expiresAt) {
      // GitHub's format: `2026-12-31 12:00:00 UTC`.
      const text = `${expiresAt.toISOString().slice(0, 19).replace('T', ' ')} UTC`
      answer = { ...answer, headers: { ...answer.headers, 'github-authentication-token-expiration': text } }
    }
    answers.push({ method, path, status: answer.status, body: answer.body })
    return render(record, answer)
  }

  /**
   * The same stand-in without a socket: a `fetch` that answers in memory, for the soak, where a year of runs
   * would otherwise spend most of its time in the loopback's HTTP machinery. Everything above the socket
   * (faults, staleness, the contract, the clock's parking) is the same.
   */
  const fetchInMemory: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    const body = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text()
    const url = new URL(request.url)
    const signal = init?.signal ?? undefined
    const work = (wait: (ms: number) => Promise<void>) =>
      respond(
        request.method,
        `${url.pathname}${url.search}`,
        request.headers.get('authorization') ?? undefined,
        body,
        wait,
        request.headers.get(RUN_HEADER) ?? undefined
      )
    const replying = clock ? clock.serve(request.headers.get(TICKET_HEADER) ?? undefined, work) : work(sleep)
    const reply = await new Promise<Reply>((resolve, reject) => {
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true })
      replying.then(resolve, reject)
    })
    if (reply.kind !== 'answer')
      throw new TypeError('fetch failed', { cause: new Error('other side closed') })
    const empty = reply.status === 204 || reply.status === 304
    return new Response(empty ? null : reply.payload, { status: reply.status, headers: reply.headers })
  }

  function tokenOf(auth: string | undefined): Access | undefined {
    const match = /^(?:bearer|token)\s+(\S+)\s*$/i.exec(auth ?? '')
    return match ? tokens.get(match[1] ?? '') : undefined
  }

  /** How many calls each token made in the current hour: GitHub's primary limit resets hourly. */
  let window = { hour: -1, served: 0 }

  function render(record: RequestRecord, answer: Answer): Reply {
    const hour = Math.floor(Date.now() / 3_600_000)
    if (window.hour !== hour) window = { hour, served: 0 }
    window.served++
    const headers: Record<string, string> = {
      'x-github-request-id': requestId(),
      'x-github-media-type': 'github.v3; format=json',
      'x-github-api-version-selected': '2022-11-28',
      'x-ratelimit-limit': String(RATE_LIMIT),
      'x-ratelimit-remaining': String(Math.max(0, RATE_LIMIT - window.served)),
      'x-ratelimit-used': String(Math.min(RATE_LIMIT, window.served)),
      'x-ratelimit-reset': String((hour + 1) * 3600),
      'x-ratelimit-resource': 'core'
    }
    let payload = ''
    const bodyless = answer.status === 204 || answer.status === 304 || answer.body === undefined
    if (!bodyless) {
      if (typeof answer.body === 'string') {
        payload = answer.body
        headers['content-type'] = 'text/plain; charset=utf-8'
      } else {
        payload = JSON.stringify(answer.body)
        headers['content-type'] = 'application/json; charset=utf-8'
      }
    }
    for (const [name, value] of Object.entries(answer.headers ?? {})) headers[name.toLowerCase()] = value
    record.status = answer.status
    record.endedAt = Date.now()
    return { kind: 'answer', status: answer.status, headers, payload }
  }

  function takeFault(method: string, path: string, body: string): GitHubFault | undefined {
    const index = faults.findIndex(({ match }) => {
      if (match.method !== undefined && match.method.toUpperCase() !== method) return false
      for (const [pattern, text] of [
        [match.path, path],
        [match.body, body]
      ] as const) {
        if (!pattern) continue
        pattern.lastIndex = 0
        if (!pattern.test(text)) return false
      }
      return true
    })
    const pending = faults[index]
    if (!pending) return undefined
    if (pending.after > 0) {
      pending.after--
      return undefined
    }
    if (--pending.remaining <= 0) faults.splice(index, 1)
    return pending.fault
  }

  function sleep(ms: number): Promise<void> {
    if (!Number.isFinite(ms)) return new Promise(() => undefined)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        resolve()
      }, ms)
      timers.add(timer)
    })
  }

  const { port, close: stopListening } = await listenOnLoopback(server)

  url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`
  return {
    url,
    requests,
    answers,
    fetchInMemory,

    setStaleReads(ms, shows) {
      staleReadMs = ms
      if (shows) staleShows = shows
    },

    onRequest(listener) {
      arrivals.push(listener)
    },

    disableIssues(repository) {
      repositoryOf(repository).issuesDisabled = true
    },

    addRepository(repository, { environments = [] } = {}) {
      const [owner, name, ...extra] = repository.split('/')
      if (!owner || !name || extra.length > 0)
        throw new Error(`github-server: repository must be owner/name, got ${repository}`)
      const key = repository.toLowerCase()
      let entry = repositories.get(key)
      if (!entry) {
        entry = {
          id: nextRepositoryId++,
          owner,
          name,
          store: newStore(),
          environments: new Map(),
          variables: new Map(),
          variableHistory: new Map(),
          issues: [],
          enabled: [],
          issuesDisabled: false
        }
        repositories.set(key, entry)
      }
      for (const environment of environments) {
        if (!entry.environments.has(environment.toLowerCase())) {
          entry.environments.set(environment.toLowerCase(), { name: environment, store: newStore() })
        }
      }
    },

    addToken(token, access = {}) {
      const list = access.repositories ?? '*'
      tokens.set(token, {
        repositories: list === '*' ? '*' : new Set(list.map((repository) => repository.toLowerCase())),
        canWriteSecrets: access.canWriteSecrets ?? true,
        canWriteVariables: access.canWriteVariables ?? access.canWriteSecrets ?? true,
        canWriteIssues: access.canWriteIssues ?? true,
        canWriteActions: access.canWriteActions ?? true,
        expired: access.expired ?? false,
        expiresAt: access.expiresAt
      })
    },

    secrets(target) {
      return Object.fromEntries(
        [...storeOf(target).secrets.values()].map((entry) => [entry.name, entry.value])
      )
    },

    secretUpdatedAt(target, name) {
      const entry = storeOf(target).secrets.get(name.toUpperCase())
      return entry ? new Date(entry.updatedAt).toISOString() : undefined
    },

    setSecret(target, name, plaintext) {
      const store = storeOf(target)
      putEntry(store.secrets, store.history, name.toUpperCase(), plaintext)
    },

    issues(repository) {
      return repositoryOf(repository).issues
    },

    workflowsEnabled(repository) {
      return repositoryOf(repository).enabled
    },

    variables(repository) {
      return Object.fromEntries(
        [...repositoryOf(repository).variables.values()].map((entry) => [entry.name, entry.value])
      )
    },

    deleteVariable(repository, name) {
      const found = repositoryOf(repository)
      removeEntry(found.variables, found.variableHistory, name.toUpperCase())
    },

    setVariable(repository, name, value) {
      const found = repositoryOf(repository)
      putEntry(found.variables, found.variableHistory, name.toUpperCase(), value)
    },

    publicKey(target) {
      return publicKeyJson(storeOf(target).key)
    },

    rotateKey(target) {
      const store = storeOf(target)
      let key = newKeyPair()
      while (key.keyId === store.key.keyId) key = newKeyPair()
      store.key = key
    },

    clearFaults() {
      faults.length = 0
    },

    injectFault(match, fault, times = 1, after = 0) {
      if (!(times > 0)) throw new Error('github-server: times must be positive')
      faults.push({ match, fault, remaining: times, after })
    },

    async close() {
      if (options.contract) {
        const { breachOf } = await import('./github-contract.js')
        const breaches = answers.flatMap(
          ({ method, path, status, body }) => breachOf(method, path, status, body) ?? []
        )
        if (breaches.length) {
          closed = true
          await stopListening()
          throw new Error(
            `The GitHub stand-in broke GitHub's contract:\n${[...new Set(breaches)].join('\n')}`
          )
        }
      }
      closed = true
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      return stopListening()
    }
  }
}

// ── Helpers ──────────────────────────────────────────────────────────────────────────────────────────

function newKeyPair(): KeyPair {
  const { publicKey, privateKey } = sodium.crypto_box_keypair()
  // GitHub's key_id is a decimal number in a string.
  const keyId = randomBytes(8).readBigUInt64BE().toString()
  return { keyId, publicKey, privateKey }
}

function publicKeyJson(key: KeyPair): { key_id: string; key: string } {
  return { key_id: key.keyId, key: sodium.to_base64(key.publicKey, sodium.base64_variants.ORIGINAL) }
}

/** GitHub's timestamps: ISO 8601 in UTC to the second. */
function githubTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function secretJson(entry: Entry) {
  return {
    name: entry.name,
    created_at: githubTime(entry.createdAt),
    updated_at: githubTime(entry.updatedAt)
  }
}

function variableJson(entry: Entry) {
  return { ...secretJson(entry), value: entry.value }
}

function repositoryJson(repository: Repository) {
  return {
    id: repository.id,
    node_id: Buffer.from(`010:Repository${repository.id}`).toString('base64'),
    name: repository.name,
    full_name: `${repository.owner}/${repository.name}`,
    owner: { login: repository.owner, type: 'Organization' },
    private: true,
    visibility: 'private'
  }
}

const STAND_IN_USER = {
  login: 'github-actions[bot]',
  id: 41898282,
  node_id: 'MDM6Qm90NDE4OTgyODI=',
  avatar_url: 'https://avatars.githubusercontent.com/in/15368?v=4',
  gravatar_id: '',
  url: 'https://api.github.com/users/github-actions%5Bbot%5D',
  html_url: 'https://github.com/apps/github-actions',
  followers_url: 'https://api.github.com/users/github-actions%5Bbot%5D/followers',
  following_url: 'https://api.github.com/users/github-actions%5Bbot%5D/following{/other_user}',
  gists_url: 'https://api.github.com/users/github-actions%5Bbot%5D/gists{/gist_id}',
  starred_url: 'https://api.github.com/users/github-actions%5Bbot%5D/starred{/owner}{/repo}',
  subscriptions_url: 'https://api.github.com/users/github-actions%5Bbot%5D/subscriptions',
  organizations_url: 'https://api.github.com/users/github-actions%5Bbot%5D/orgs',
  repos_url: 'https://api.github.com/users/github-actions%5Bbot%5D/repos',
  events_url: 'https://api.github.com/users/github-actions%5Bbot%5D/events{/privacy}',
  received_events_url: 'https://api.github.com/users/github-actions%5Bbot%5D/received_events',
  type: 'Bot',
  site_admin: false
}

function issueJson(repository: Repository, issue: StandInIssue) {
  const api = `https://api.github.com/repos/${repository.owner}/${repository.name}`
  const id = repository.id * 1000 + issue.number
  const stamp = githubTime(Date.now())
  return {
    id,
    node_id: Buffer.from(`I_${id}`).toString('base64'),
    url: `${api}/issues/${issue.number}`,
    repository_url: api,
    labels_url: `${api}/issues/${issue.number}/labels{/name}`,
    comments_url: `${api}/issues/${issue.number}/comments`,
    events_url: `${api}/issues/${issue.number}/events`,
    html_url: `https://github.com/${repository.owner}/${repository.name}/issues/${issue.number}`,
    number: issue.number,
    state: issue.state,
    title: issue.title,
    body: issue.body,
    user: STAND_IN_USER,
    labels: issue.labels.map((name, i) => ({
      id: id * 10 + i,
      node_id: Buffer.from(`LA_${id}_${i}`).toString('base64'),
      url: `${api}/labels/${encodeURIComponent(name)}`,
      name,
      description: null,
      color: 'ededed',
      default: false
    })),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: issue.comments.length,
    closed_at: issue.state === 'closed' ? stamp : null,
    created_at: stamp,
    updated_at: stamp,
    author_association: 'NONE'
  }
}

function commentJson(repository: Repository, issue: StandInIssue, number: number, body: string) {
  const api = `https://api.github.com/repos/${repository.owner}/${repository.name}`
  const id = (repository.id * 1000 + issue.number) * 1000 + number
  const stamp = githubTime(Date.now())
  return {
    id,
    node_id: Buffer.from(`IC_${id}`).toString('base64'),
    url: `${api}/issues/comments/${id}`,
    html_url: `https://github.com/${repository.owner}/${repository.name}/issues/${issue.number}#issuecomment-${id}`,
    issue_url: `${api}/issues/${issue.number}`,
    body,
    user: STAND_IN_USER,
    created_at: stamp,
    updated_at: stamp,
    author_association: 'NONE'
  }
}

function errorBody(status: number, message: string, documentationUrl = DOCS) {
  return { message, documentation_url: documentationUrl, status: String(status) }
}

function notFound(documentationUrl = DOCS): HttpError {
  return new HttpError(404, 'Not Found', documentationUrl)
}

function checkName(name: string, kind: 'Secret' | 'Variable', url: string): void {
  if (!NAME.test(name)) {
    throw new HttpError(
      422,
      `${kind} names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_). ` +
        'Spaces are not allowed. Must start with a letter ([a-z], [A-Z]) or underscores (_).',
      url
    )
  }
  if (/^github_/i.test(name)) throw new HttpError(422, `${kind} names must not start with GITHUB_.`, url)
}

function checkValue(value: string, url: string): void {
  if (Buffer.byteLength(value) > MAX_VALUE_BYTES)
    throw new HttpError(422, 'Variable value is too large (48 KB at most)', url)
}

function parseBody(raw: string): Record<string, unknown> {
  if (raw.trim() === '') return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw new HttpError(400, 'Problems parsing JSON')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, 'Problems parsing JSON')
  }
  return parsed as Record<string, unknown>
}

function requiredString(input: Record<string, unknown>, field: string, url: string): string {
  const value = optionalString(input, field, url)
  if (value === undefined) throw new HttpError(422, `Invalid request.\n\n"${field}" wasn't supplied.`, url)
  return value
}

function optionalString(input: Record<string, unknown>, field: string, url: string): string | undefined {
  const value = input[field]
  if (value === undefined) return undefined
  if (typeof value !== 'string') {
    throw new HttpError(
      422,
      `Invalid request.\n\nFor 'properties/${field}', ${JSON.stringify(value)} is not a string.`,
      url
    )
  }
  return value
}

/** The path without the query and without GitHub Enterprise Server's `/api/v3` prefix. */
function normalizePath(url: string): string {
  const path = url.split('?')[0] ?? '/'
  const stripped = path.replace(/^\/api\/v3(?=\/|$)/, '')
  return stripped === '' ? '/' : stripped
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return '\u0000' // never a valid name: routes to 404
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
    req.on('close', () => reject(new Error('closed before the body ended')))
  })
}

let requestCount = 0x1a2b3c
/** GitHub's x-github-request-id shape; counted, not random (a year of requests in the soak adds up). */
function requestId(): string {
  const n = (requestCount++).toString(16).toUpperCase().padStart(8, '0')
  return `C0DE:${n.slice(0, 4)}:${n}:${n}:${n}`
}
