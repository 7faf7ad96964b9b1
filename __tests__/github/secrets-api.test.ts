import { createServer, type IncomingHttpHeaders } from 'node:http'
import { listenOnLoopback, type Listening } from '../../harness/loopback.js'
import { createOctokit, type OctokitOptions } from '../../src/github/octokit.js'
import { createGitHubApi, GitHubApiError } from '../../src/github/secrets-api.js'
import type { Target } from '../../src/inputs/schema.js'

/**
 * One scripted answer. `hang` never answers: the server waits for the client to give up, and only after
 * HANG_LIMIT_MS closes the connection itself (so a client without a deadline fails the test, not hangs it).
 */
interface Answer {
  status?: number
  headers?: Record<string, string>
  /** A string is sent as is; anything else as JSON with `content-type: application/json`. */
  body?: unknown
  hang?: boolean
}

interface Seen {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
  /** For a `hang` answer: who closed the connection first. */
  closedBy?: 'client' | 'server'
}

const HANG_LIMIT_MS = 3000

const TOKEN = 'github_pat_11SECRETVALUE_abcdef0123456789'
const NOW = new Date('2026-05-01T12:00:00.000Z')
const target: Target = { repository: 'octo/widgets', owner: 'octo', repo: 'widgets', environment: undefined }

/** A scripted GitHub on 127.0.0.1: answers from a queue, in order, and records every request it was sent. */
let listening: Listening
let queue: Answer[]
let seen: Seen[]

beforeEach(async () => {
  queue = []
  seen = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const record: Seen = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8')
      }
      seen.push(record)
      const answer = queue.shift() ?? { status: 599, body: 'the script has no answer left' }
      if (answer.hang) {
        const giveUp = setTimeout(() => {
          record.closedBy ??= 'server'
          request.socket.destroy()
        }, HANG_LIMIT_MS)
        request.socket.once('close', () => {
          clearTimeout(giveUp)
          record.closedBy ??= 'client'
        })
        return
      }
      const json = answer.body !== undefined && typeof answer.body !== 'string'
      response.writeHead(answer.status ?? 200, {
        ...(json ? { 'content-type': 'application/json; charset=utf-8' } : {}),
        ...answer.headers
      })
      response.end(json ? JSON.stringify(answer.body) : ((answer.body as string | undefined) ?? ''))
    })
  })
  listening = await listenOnLoopback(server)
})

afterEach(() => listening.close())

function github(overrides: Partial<OctokitOptions> = {}, environment?: string) {
  const debug: string[] = []
  const warning: string[] = []
  const octokit = createOctokit({
    token: TOKEN,
    baseUrl: `http://127.0.0.1:${listening.port}/api/v3`,
    userAgent: 'refresh-oauth-secrets',
    maxAttempts: 3,
    retryDelayMs: 5,
    requestTimeoutMs: 5000,
    maxRateLimitWaitMs: 5000,
    debug: (line) => debug.push(line),
    warning: (line) => warning.push(line),
    now: () => NOW,
    ...overrides
  })
  return { api: createGitHubApi(octokit, { ...target, environment }), debug, warning }
}

const script = (...answers: Answer[]) => queue.push(...answers)
const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the call to fail')
    },
    (error: unknown) => error as GitHubApiError
  )
const requests = () => seen.map((request) => `${request.method} ${request.path}`)

const PUBLIC_KEY = { key_id: 'key-1', key: 'a2V5' }
const KEY_PATH = '/api/v3/repos/octo/widgets/actions/secrets/public-key'

describe('createGitHubApi over createOctokit', () => {
  it('sends GitHub’s documented headers, the token, and the secret as JSON under the GHES /api/v3 root', async () => {
    script({ status: 201 })
    const { api } = github()
    expect(await api.writeSecret('WIZARD_OAUTH_TOKEN', 'c2VhbGVk', 'key-1')).toBe('created')
    expect(seen).toHaveLength(1)
    const [put] = seen
    expect(put?.method).toBe('PUT')
    expect(put?.path).toBe('/api/v3/repos/octo/widgets/actions/secrets/WIZARD_OAUTH_TOKEN')
    expect(put?.headers.authorization).toMatch(new RegExp(`^(token|Bearer) ${TOKEN}$`))
    expect(put?.headers['user-agent']).toMatch(/^refresh-oauth-secrets\b/)
    expect(put?.headers['content-type']).toMatch(/^application\/json/)
    expect(JSON.parse(put?.body ?? '')).toEqual({ encrypted_value: 'c2VhbGVk', key_id: 'key-1' })
  })

  it('asks for GitHub’s documented media type and API version', async () => {
    script({ status: 200, body: PUBLIC_KEY })
    const { api } = github()
    await api.readPublicKey()
    expect(seen[0]?.headers.accept).toBe('application/vnd.github+json')
    expect(seen[0]?.headers['x-github-api-version']).toBe('2022-11-28')
  })

  it('tells an update from a creation', async () => {
    script({ status: 204 })
    const { api } = github()
    expect(await api.writeSecret('WIZARD_OAUTH_TOKEN', 'c2VhbGVk', 'key-1')).toBe('updated')
  })

  it('addresses an environment’s secrets with its name URL-encoded', async () => {
    script({ status: 200, body: PUBLIC_KEY }, { status: 201 }, { status: 204 })
    const { api } = github({}, 'prod / eu')
    expect(await api.readPublicKey()).toEqual(PUBLIC_KEY)
    expect(await api.writeSecret('WIZARD_REFRESH_TOKEN', 'c2VhbGVk', 'key-1')).toBe('created')
    expect(await api.deleteSecret('CHECK')).toBe('deleted')
    expect(requests()).toEqual([
      'GET /api/v3/repos/octo/widgets/environments/prod%20%2F%20eu/secrets/public-key',
      'PUT /api/v3/repos/octo/widgets/environments/prod%20%2F%20eu/secrets/WIZARD_REFRESH_TOKEN',
      'DELETE /api/v3/repos/octo/widgets/environments/prod%20%2F%20eu/secrets/CHECK'
    ])
  })

  it('refuses a public key answer without key_id and key', async () => {
    script({ status: 200, body: { key: 'a2V5' } })
    const { api } = github()
    expect(await failureOf(api.readPublicKey())).toMatchObject({
      name: 'GitHubApiError',
      status: undefined,
      message: expect.stringMatching(/no key_id and key/)
    })
  })

  it('tells a deleted secret from one that was not there, and refuses what was refused', async () => {
    script(
      { status: 204 },
      { status: 404, body: { message: 'Not Found' } },
      { status: 403, body: { message: 'Resource not accessible by personal access token' } }
    )
    const { api } = github()
    expect(await api.deleteSecret('CHECK')).toBe('deleted')
    expect(await api.deleteSecret('CHECK')).toBe('absent')
    const refused = await failureOf(api.deleteSecret('CHECK'))
    expect(refused).toBeInstanceOf(GitHubApiError)
    expect(refused).toMatchObject({
      status: 403,
      message: 'Resource not accessible by personal access token'
    })
    expect(requests()).toEqual(Array(3).fill('DELETE /api/v3/repos/octo/widgets/actions/secrets/CHECK'))
  })

  it('reports GitHub’s one-line message, never the body, in the error or in any log line', async () => {
    const echo = {
      message: 'Invalid request.\n\nFor "key_id", "nope" is not valid.',
      echo: TOKEN,
      sealed: 'c2VhbGVk'
    }
    script(
      { status: 500, body: echo },
      { status: 422, body: echo, headers: { 'x-github-request-id': 'ABC:1' } }
    )
    const { api, debug, warning } = github()
    const failure = await failureOf(api.writeSecret('WIZARD_OAUTH_TOKEN', 'c2VhbGVk', 'nope'))
    expect(failure).toBeInstanceOf(GitHubApiError)
    expect(failure).toMatchObject({ status: 422, message: 'Invalid request.' })
    expect(failure.headers['x-github-request-id']).toBe('ABC:1')
    for (const text of [
      failure.message,
      String(failure.stack),
      JSON.stringify(failure),
      ...debug,
      ...warning
    ]) {
      expect(text).not.toContain(TOKEN)
      expect(text).not.toContain('c2VhbGVk')
    }
    expect(debug).toHaveLength(2)
    expect(warning).toHaveLength(1)
  })

  it('keeps the headers a caller may look at, as strings', async () => {
    script({ status: 404, body: { message: 'Not Found' }, headers: { 'x-ratelimit-remaining': '4999' } })
    const { api } = github()
    const failure = await failureOf(api.readPublicKey())
    expect(failure).toMatchObject({ status: 404, message: 'Not Found' })
    expect(failure.headers['x-ratelimit-remaining']).toBe('4999')
  })

  it('says "server error" for a 5xx whose body is not JSON', async () => {
    script({ status: 502, body: '<html>bad gateway</html>', headers: { 'content-type': 'text/html' } })
    const { api } = github({ maxAttempts: 1 })
    const failure = await failureOf(api.readPublicKey())
    expect(failure).toMatchObject({ status: 502, message: 'server error' })
    expect(JSON.stringify(failure)).not.toContain('bad gateway')
  })

  it('says "request refused" for a 4xx without a message', async () => {
    script({ status: 400, body: '' })
    const { api } = github()
    expect(await failureOf(api.readPublicKey())).toMatchObject({ status: 400, message: 'request refused' })
  })

  it('reports a refused connection without a status, as no answer', async () => {
    const closed = await listenOnLoopback(createServer())
    await closed.close()
    const { api } = github({ baseUrl: `http://127.0.0.1:${closed.port}/api/v3`, maxAttempts: 1 })
    const failure = await failureOf(api.readPublicKey())
    expect(failure).toBeInstanceOf(GitHubApiError)
    expect(failure.status).toBeUndefined()
    expect(failure.message).toMatch(/^no answer from GitHub \(.+\)$/)
  })

  it('names why there was no answer', async () => {
    const closed = await listenOnLoopback(createServer())
    await closed.close()
    const { api } = github({ baseUrl: `http://127.0.0.1:${closed.port}/api/v3`, maxAttempts: 1 })
    expect((await failureOf(api.readPublicKey())).message).toMatch(/ECONNREFUSED/)
  })

  it('reads a variable, and tells a missing one apart', async () => {
    script(
      { status: 200, body: { name: 'EXP', value: '2026-11-26T23:00:00.000Z' } },
      { status: 404, body: { message: 'Not Found' } }
    )
    const { api } = github()
    expect(await api.readVariable('EXP')).toBe('2026-11-26T23:00:00.000Z')
    expect(await api.readVariable('EXP')).toBeUndefined()
    expect(requests()).toEqual(Array(2).fill('GET /api/v3/repos/octo/widgets/actions/variables/EXP'))
  })

  it('updates or creates the variable, falling back when another run got there first', async () => {
    script({ status: 404, body: { message: 'Not Found' } }, { status: 201 }, { status: 409 }, { status: 204 })
    const { api } = github()
    expect(await api.writeVariable('EXP', '2026-11-26T23:00:00.000Z', true)).toBe('created')
    expect(await api.writeVariable('EXP', '2026-11-26T23:00:00.000Z', false)).toBe('updated')
    expect(requests()).toEqual([
      'PATCH /api/v3/repos/octo/widgets/actions/variables/EXP',
      'POST /api/v3/repos/octo/widgets/actions/variables',
      'POST /api/v3/repos/octo/widgets/actions/variables',
      'PATCH /api/v3/repos/octo/widgets/actions/variables/EXP'
    ])
    expect(seen.map((request) => JSON.parse(request.body) as unknown)).toEqual([
      { value: '2026-11-26T23:00:00.000Z' },
      { name: 'EXP', value: '2026-11-26T23:00:00.000Z' },
      { name: 'EXP', value: '2026-11-26T23:00:00.000Z' },
      { value: '2026-11-26T23:00:00.000Z' }
    ])
  })

  it('makes only the first variable call when it succeeds, and passes on a failure of the fallback', async () => {
    script({ status: 204 }, { status: 201 }, { status: 409 }, { status: 403, body: { message: 'Forbidden' } })
    const { api } = github()
    expect(await api.writeVariable('EXP', 'v', true)).toBe('updated')
    expect(await api.writeVariable('EXP', 'v', false)).toBe('created')
    expect(await failureOf(api.writeVariable('EXP', 'v', false))).toMatchObject({
      status: 403,
      message: 'Forbidden'
    })
    expect(requests()).toEqual([
      'PATCH /api/v3/repos/octo/widgets/actions/variables/EXP',
      'POST /api/v3/repos/octo/widgets/actions/variables',
      'POST /api/v3/repos/octo/widgets/actions/variables',
      'PATCH /api/v3/repos/octo/widgets/actions/variables/EXP'
    ])
  })

  it('does not follow a redirect: a moved repository is reported, not written elsewhere', async () => {
    const location = `http://127.0.0.1:${listening.port}/api/v3/repositories/42/actions/secrets/public-key`
    script({ status: 301, headers: { location } }, { status: 200, body: PUBLIC_KEY })
    const { api } = github()
    const failure = await failureOf(api.readPublicKey())
    expect(failure).toBeInstanceOf(GitHubApiError)
    expect(failure).toMatchObject({ status: 301, message: `moved to ${location}` })
    expect(requests()).toEqual([`GET ${KEY_PATH}`])
  })
})

describe('createOctokit', () => {
  it('keeps @actions/github’s proxy-aware fetch', () => {
    const octokit = createOctokit({
      token: TOKEN,
      baseUrl: 'http://127.0.0.1:1/api/v3',
      userAgent: 'refresh-oauth-secrets',
      maxAttempts: 1,
      retryDelayMs: 5,
      requestTimeoutMs: 300,
      maxRateLimitWaitMs: 5000,
      debug: () => undefined,
      warning: () => undefined,
      now: () => NOW
    })
    const defaults = octokit.request.endpoint.DEFAULTS.request as
      { fetch?: unknown; redirect?: unknown } | undefined
    expect(defaults?.redirect).toBe('manual')
    expect(defaults?.fetch).toBeInstanceOf(Function)
  })
})

describe('retries through @octokit/plugin-retry', () => {
  it('retries a 503 and succeeds, with one warning naming the attempt', async () => {
    script({ status: 503, body: { message: 'Service Unavailable' } }, { status: 200, body: PUBLIC_KEY })
    const { api, warning } = github()
    expect(await api.readPublicKey()).toEqual(PUBLIC_KEY)
    expect(requests()).toEqual([`GET ${KEY_PATH}`, `GET ${KEY_PATH}`])
    expect(warning).toHaveLength(1)
    expect(warning[0]).toMatch(/attempt 1 of 3/)
    expect(warning[0]).toMatch(/503/)
  })

  it('gives up after maxAttempts', async () => {
    script(...Array.from({ length: 4 }, () => ({ status: 500, body: { message: 'Internal Server Error' } })))
    const { api, warning } = github({ maxAttempts: 3 })
    expect(await failureOf(api.readPublicKey())).toMatchObject({
      status: 500,
      message: 'Internal Server Error'
    })
    expect(seen).toHaveLength(3)
    expect(warning).toHaveLength(2)
    expect(warning[0]).toMatch(/attempt 1 of 3/)
    expect(warning[1]).toMatch(/attempt 2 of 3/)
  })

  it('counts each call’s attempts afresh', async () => {
    script(
      { status: 500, body: { message: 'Internal Server Error' } },
      { status: 200, body: PUBLIC_KEY },
      { status: 500, body: { message: 'Internal Server Error' } },
      { status: 500, body: { message: 'Internal Server Error' } },
      { status: 200, body: PUBLIC_KEY }
    )
    const { api, debug } = github({ maxAttempts: 3 })
    expect(await api.readPublicKey()).toEqual(PUBLIC_KEY)
    expect(await api.readPublicKey()).toEqual(PUBLIC_KEY)
    expect(seen).toHaveLength(5)
    expect(debug.map((line) => /\(attempt (\d+)\)/.exec(line)?.[1])).toEqual(['1', '2', '1', '2', '3'])
  })

  it.each([
    [404, 'Not Found'],
    [401, 'Bad credentials'],
    [422, 'Validation Failed']
  ])('never retries a %i', async (status, message) => {
    script({ status, body: { message } }, { status: 200, body: PUBLIC_KEY })
    const { api, warning } = github()
    expect(await failureOf(api.readPublicKey())).toMatchObject({ status, message })
    expect(seen).toHaveLength(1)
    expect(warning).toEqual([])
  })

  it('does not retry a plain 403: a missing permission does not go away', async () => {
    script(
      { status: 403, body: { message: 'Resource not accessible by personal access token' } },
      { status: 200, body: PUBLIC_KEY }
    )
    const { api, warning } = github()
    expect(await failureOf(api.readPublicKey())).toMatchObject({ status: 403 })
    expect(seen).toHaveLength(1)
    expect(warning).toEqual([])
  })

  it('waits out a 429’s retry-after, then retries, with a "rate limited" warning', async () => {
    script(
      {
        status: 429,
        headers: { 'retry-after': '1' },
        body: { message: 'You have exceeded a secondary rate limit.' }
      },
      { status: 200, body: PUBLIC_KEY }
    )
    const { api, warning } = github()
    const started = performance.now()
    expect(await api.readPublicKey()).toEqual(PUBLIC_KEY)
    expect(performance.now() - started).toBeGreaterThanOrEqual(900)
    expect(seen).toHaveLength(2)
    expect(warning).toHaveLength(1)
    expect(warning[0]).toMatch(/rate limited on attempt 1 of 3/)
  })

  it('waits for the primary limit’s reset on a 403 with x-ratelimit-remaining: 0', async () => {
    script(
      {
        status: 403,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW.getTime() / 1000 + 1) },
        body: { message: 'API rate limit exceeded for user ID 1.' }
      },
      { status: 200, body: PUBLIC_KEY }
    )
    const { api, warning } = github()
    const started = performance.now()
    expect(await api.readPublicKey()).toEqual(PUBLIC_KEY)
    expect(performance.now() - started).toBeGreaterThanOrEqual(900)
    expect(seen).toHaveLength(2)
    expect(warning).toEqual([expect.stringMatching(/rate limited on attempt 1 of 3/)])
  })

  it('does not wait for a rate limit longer than maxRateLimitWaitMs', async () => {
    script(
      { status: 429, headers: { 'retry-after': '120' }, body: { message: 'Too Many Requests' } },
      { status: 200, body: PUBLIC_KEY }
    )
    const { api, warning } = github({ maxRateLimitWaitMs: 5000 })
    const failure = await failureOf(api.readPublicKey())
    expect(failure).toMatchObject({ status: 429, message: 'Too Many Requests' })
    expect(failure.headers['retry-after']).toBe('120')
    expect(seen).toHaveLength(1)
    expect(warning).toEqual([])
  })

  it('does not retry a rate limit on the last attempt', async () => {
    script(
      { status: 429, headers: { 'retry-after': '0' }, body: { message: 'Too Many Requests' } },
      { status: 429, headers: { 'retry-after': '0' }, body: { message: 'Too Many Requests' } },
      { status: 200, body: PUBLIC_KEY }
    )
    const { api, warning } = github({ maxAttempts: 2 })
    expect(await failureOf(api.readPublicKey())).toMatchObject({ status: 429 })
    expect(seen).toHaveLength(2)
    expect(warning).toHaveLength(1)
  })

  it('cuts off an attempt the server never answers at requestTimeoutMs, and retries it', async () => {
    script({ hang: true }, { status: 200, body: PUBLIC_KEY })
    const { api, debug, warning } = github({ requestTimeoutMs: 300 })
    const started = performance.now()
    expect(await api.readPublicKey()).toEqual(PUBLIC_KEY)
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
    expect(seen).toHaveLength(2)
    expect(seen[0]?.closedBy).toBe('client')
    expect(warning).toEqual([expect.stringMatching(/failed on attempt 1 of 3/)])
    expect(debug).toHaveLength(2)
  })

  it('gives up on a server that never answers after maxAttempts deadlines', async () => {
    script({ hang: true }, { hang: true }, { status: 200, body: PUBLIC_KEY })
    const { api } = github({ requestTimeoutMs: 300, maxAttempts: 2 })
    const started = performance.now()
    const failure = await failureOf(api.readPublicKey())
    expect(performance.now() - started).toBeGreaterThanOrEqual(590)
    expect(failure).toBeInstanceOf(GitHubApiError)
    expect(failure.status).toBeUndefined()
    expect(failure.message).toMatch(/^no answer from GitHub/)
    expect(seen.map((request) => request.closedBy)).toEqual(['client', 'client'])
  })
})

describe('debug lines', () => {
  it('carry the method, path, status and attempt of every attempt, never a body', async () => {
    script(
      { status: 502, body: { message: 'Bad Gateway', echo: TOKEN } },
      { status: 201, body: { echo: TOKEN } }
    )
    const { api, debug } = github()
    await api.writeSecret('WIZARD_OAUTH_TOKEN', 'c2VhbGVk', 'key-1')
    expect(debug).toEqual([
      expect.stringMatching(
        /^GitHub PUT \/api\/v3\/repos\/octo\/widgets\/actions\/secrets\/WIZARD_OAUTH_TOKEN → 502 in \d+ ms \(attempt 1\)$/
      ),
      expect.stringMatching(
        /^GitHub PUT \/api\/v3\/repos\/octo\/widgets\/actions\/secrets\/WIZARD_OAUTH_TOKEN → 201 in \d+ ms \(attempt 2\)$/
      )
    ])
    for (const line of debug) {
      expect(line).not.toContain(TOKEN)
      expect(line).not.toContain('c2VhbGVk')
      expect(line).not.toContain('Bad Gateway')
    }
  })

  it('say "no answer" for an attempt that got none', async () => {
    const closed = await listenOnLoopback(createServer())
    await closed.close()
    const { api, debug } = github({ baseUrl: `http://127.0.0.1:${closed.port}/api/v3`, maxAttempts: 1 })
    await failureOf(api.readPublicKey())
    expect(debug).toEqual([
      expect.stringMatching(/^GitHub GET \/api\/v3\/\S+ → no answer in \d+ ms \(attempt 1\)$/)
    ])
  })
})
