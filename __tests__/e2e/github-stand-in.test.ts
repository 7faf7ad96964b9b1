/**
 * The GitHub stand-in in harness/github-server.ts, driven by the real Octokit the action uses: it must
 * answer as GitHub does (statuses, shapes, hidden repositories, 422 for values not sealed to the current
 * key) and open every sealed value with libsodium, or the end-to-end tests prove nothing.
 */
import { getOctokit } from '@actions/github'
import { mkdtemp, rm } from 'node:fs/promises'
import { Agent, request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TLSSocket } from 'node:tls'
import sodium from 'libsodium-wrappers'
import { selfSignedCertificate } from '../../harness/tls.js'
import { startGitHubServer, type GitHubServer, type GitHubTarget } from '../../harness/github-server.js'

const REPOSITORY = 'octo/widgets'
const TOKEN = 'github_pat_11TESTONLY_harness'
const owner = 'octo'
const repo = 'widgets'
const target: GitHubTarget = { repository: REPOSITORY }
const production: GitHubTarget = { repository: REPOSITORY, environment: 'production' }

let server: GitHubServer
let octokit: ReturnType<typeof getOctokit>

beforeAll(async () => {
  await sodium.ready
})
beforeEach(async () => {
  server = await startGitHubServer()
  server.addRepository(REPOSITORY, { environments: ['production', 'staging area'] })
  server.addRepository('octo/other')
  server.addToken(TOKEN)
  octokit = getOctokit(TOKEN, { baseUrl: server.url })
})
afterEach(async () => {
  await server.close()
})

function seal(plaintext: string, key: string): string {
  const sealed = sodium.crypto_box_seal(
    sodium.from_string(plaintext),
    sodium.from_base64(key, sodium.base64_variants.ORIGINAL)
  )
  return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL)
}

async function putRepoSecret(client: ReturnType<typeof getOctokit>, name: string, plaintext: string) {
  const { data: key } = await client.request('GET /repos/{owner}/{repo}/actions/secrets/public-key', {
    owner,
    repo
  })
  return client.request('PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}', {
    owner,
    repo,
    secret_name: name,
    encrypted_value: seal(plaintext, key.key),
    key_id: key.key_id
  })
}

/** Resolves with the status of a failed Octokit call (its RequestError), or fails the test if it succeeded. */
async function failure(call: Promise<unknown>): Promise<{ status: number; message: unknown; data: unknown }> {
  try {
    await call
  } catch (error) {
    const e = error as { status: number; response?: { data?: { message?: unknown } } }
    return { status: e.status, message: e.response?.data?.message, data: e.response?.data }
  }
  throw new Error('expected the request to fail')
}

async function waitFor(condition: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('repository secrets', () => {
  it('hands out a libsodium public key and opens a sealed value back to its plaintext', async () => {
    const { data, status } = await octokit.request('GET /repos/{owner}/{repo}/actions/secrets/public-key', {
      owner,
      repo
    })
    expect(status).toBe(200)
    expect(data).toEqual(server.publicKey(target))
    expect(data.key_id).toMatch(/^\d+$/)
    expect(sodium.from_base64(data.key, sodium.base64_variants.ORIGINAL)).toHaveLength(
      sodium.crypto_box_PUBLICKEYBYTES
    )

    const response = await putRepoSecret(octokit, 'WIZARD_REFRESH_TOKEN', 'rt-1 ünïcode')
    expect(response.status).toBe(201)
    expect(server.secrets(target)).toEqual({ WIZARD_REFRESH_TOKEN: 'rt-1 ünïcode' })
  })

  it('answers 201 when it creates a secret and 204 with no body when it updates one', async () => {
    const first = await putRepoSecret(octokit, 'A_SECRET', 'one')
    const createdAt = server.secretUpdatedAt(target, 'A_SECRET')
    const second = await putRepoSecret(octokit, 'A_SECRET', 'two')
    expect([first.status, second.status]).toEqual([201, 204])
    expect(second.data).toBeFalsy()
    expect(server.secrets(target)).toEqual({ A_SECRET: 'two' })
    expect(Date.parse(server.secretUpdatedAt(target, 'A_SECRET') ?? '')).toBeGreaterThan(
      Date.parse(createdAt ?? '')
    )
  })

  it('reads a secret’s metadata (never its value) and 404s a missing one; names are stored upper case', async () => {
    await putRepoSecret(octokit, 'lower_name', 'v')
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/actions/secrets/{secret_name}', {
      owner,
      repo,
      secret_name: 'LOWER_NAME'
    })
    expect(data).toEqual({
      name: 'LOWER_NAME',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    })
    expect(server.secrets(target)).toEqual({ LOWER_NAME: 'v' })
    const missing = await failure(
      octokit.request('GET /repos/{owner}/{repo}/actions/secrets/{secret_name}', {
        owner,
        repo,
        secret_name: 'NOPE'
      })
    )
    expect(missing.status).toBe(404)
    expect(missing.data).toMatchObject({
      message: 'Not Found',
      documentation_url: expect.stringContaining('docs.github.com')
    })
  })

  it('refuses (422) a stale key_id, a value that is not base64, one sealed to another key and a bad name', async () => {
    const { data: key } = await octokit.request('GET /repos/{owner}/{repo}/actions/secrets/public-key', {
      owner,
      repo
    })
    const put = (secret_name: string, encrypted_value: string, key_id: string) =>
      failure(
        octokit.request('PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}', {
          owner,
          repo,
          secret_name,
          encrypted_value,
          key_id
        })
      )
    const other = sodium.to_base64(sodium.crypto_box_keypair().publicKey, sodium.base64_variants.ORIGINAL)

    expect((await put('S', seal('x', key.key), '12345')).status).toBe(422)
    expect((await put('S', 'not base64!', key.key_id)).status).toBe(422)
    expect((await put('S', seal('x', other), key.key_id)).status).toBe(422)
    expect((await put('1STARTS_WITH_DIGIT', seal('x', key.key), key.key_id)).status).toBe(422)
    expect((await put('HAS-DASH', seal('x', key.key), key.key_id)).status).toBe(422)
    expect((await put('github_token', seal('x', key.key), key.key_id)).status).toBe(422)
    expect(server.secrets(target)).toEqual({})

    server.rotateKey(target)
    expect(server.publicKey(target).key_id).not.toBe(key.key_id)
    const stale = await put('S', seal('x', key.key), key.key_id)
    expect(stale.status).toBe(422)
    expect(stale.message).toMatch(/improperly encrypted/)
    expect(server.secrets(target)).toEqual({})
    expect((await putRepoSecret(octokit, 'S', 'fresh')).status).toBe(201)
    expect(server.secrets(target)).toEqual({ S: 'fresh' })
  })

  it('keeps environment secrets apart from the repository’s, each with its own key', async () => {
    server.setSecret(target, 'SHARED_NAME', 'repo value')
    const { data: key } = await octokit.request(
      'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key',
      { owner, repo, environment_name: 'production' }
    )
    expect(key).toEqual(server.publicKey(production))
    expect(key.key_id).not.toBe(server.publicKey(target).key_id)
    expect(key.key).not.toBe(server.publicKey(target).key)

    const put = (environment_name: string, secret_name: string, encrypted_value: string, key_id: string) =>
      octokit.request('PUT /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}', {
        owner,
        repo,
        environment_name,
        secret_name,
        encrypted_value,
        key_id
      })
    expect((await put('production', 'SHARED_NAME', seal('env value', key.key), key.key_id)).status).toBe(201)
    expect(server.secrets(production)).toEqual({ SHARED_NAME: 'env value' })
    expect(server.secrets(target)).toEqual({ SHARED_NAME: 'repo value' })

    // The repository's key does not open an environment's secret, nor the other way round.
    const repoKey = server.publicKey(target)
    expect((await failure(put('production', 'X', seal('x', repoKey.key), repoKey.key_id))).status).toBe(422)

    // An environment name with a space travels URL-encoded; an unknown environment is 404.
    const staging = server.publicKey({ repository: REPOSITORY, environment: 'staging area' })
    expect((await put('staging area', 'X', seal('s', staging.key), staging.key_id)).status).toBe(201)
    expect(server.requests.at(-1)?.path).toBe('/repos/octo/widgets/environments/staging%20area/secrets/X')
    expect(server.secrets({ repository: REPOSITORY, environment: 'staging area' })).toEqual({ X: 's' })
    const unknown = await failure(
      octokit.request('GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key', {
        owner,
        repo,
        environment_name: 'nowhere'
      })
    )
    expect(unknown.status).toBe(404)
  })
})

describe('authentication and access', () => {
  const publicKey = (client: ReturnType<typeof getOctokit>, repository = repo) =>
    client.request('GET /repos/{owner}/{repo}/actions/secrets/public-key', { owner, repo: repository })

  it('401s an unknown token and an expired one with "Bad credentials", and a request with none', async () => {
    const unknown = await failure(publicKey(getOctokit('ghp_unknown', { baseUrl: server.url })))
    expect(unknown).toMatchObject({ status: 401, message: 'Bad credentials' })

    server.addToken('expired-pat', { expired: true })
    const expired = await failure(putRepoSecret(getOctokit('expired-pat', { baseUrl: server.url }), 'S', 'x'))
    expect(expired).toMatchObject({ status: 401, message: 'Bad credentials' })

    const anonymous = await fetch(`${server.url}/repos/octo/widgets/actions/secrets/public-key`)
    expect(anonymous.status).toBe(401)
    expect(await anonymous.json()).toMatchObject({
      message: 'Requires authentication',
      documentation_url: expect.any(String)
    })
    expect(server.secrets(target)).toEqual({})
  })

  it('accepts both "Bearer" and "token" schemes', async () => {
    for (const scheme of ['Bearer', 'token']) {
      const response = await fetch(`${server.url}/repos/octo/widgets`, {
        headers: { authorization: `${scheme} ${TOKEN}` }
      })
      expect(response.status).toBe(200)
    }
  })

  it('hides (404) a repository the token cannot see, and one that does not exist', async () => {
    server.addToken('scoped', { repositories: ['octo/other'] })
    const scoped = getOctokit('scoped', { baseUrl: server.url })
    expect((await failure(publicKey(scoped))).status).toBe(404)
    expect((await publicKey(scoped, 'other')).status).toBe(200)
    expect((await failure(publicKey(octokit, 'missing'))).status).toBe(404)
    expect((await failure(putRepoSecret(scoped, 'S', 'x'))).status).toBe(404)
  })

  it('tells the secrets permission from the variables one', async () => {
    server.addToken('secrets-only', { canWriteVariables: false })
    server.addToken('variables-only', { canWriteSecrets: false, canWriteVariables: true })
    const secretsOnly = getOctokit('secrets-only', { baseUrl: server.url })
    const variablesOnly = getOctokit('variables-only', { baseUrl: server.url })
    const createVariable = (client: ReturnType<typeof getOctokit>, name: string) =>
      client.request('POST /repos/{owner}/{repo}/actions/variables', { owner, repo, name, value: '1' })

    expect((await putRepoSecret(secretsOnly, 'S', 'x')).status).toBe(201)
    expect(await failure(createVariable(secretsOnly, 'V'))).toMatchObject({ status: 403 })
    expect(await failure(putRepoSecret(variablesOnly, 'T', 'x'))).toMatchObject({ status: 403 })
    expect((await createVariable(variablesOnly, 'W')).status).toBe(201)
    expect(server.secrets(target)).toEqual({ S: 'x' })
    expect(server.variables(REPOSITORY)).toEqual({ W: '1' })
  })

  it('403s writes by a token that can only read secrets, and stores nothing', async () => {
    server.addToken('read-only', { canWriteSecrets: false })
    const readOnly = getOctokit('read-only', { baseUrl: server.url })
    expect((await publicKey(readOnly)).status).toBe(200)
    const denied = await failure(putRepoSecret(readOnly, 'S', 'x'))
    expect(denied).toMatchObject({ status: 403, message: 'Resource not accessible by personal access token' })
    const variable = await failure(
      readOnly.request('POST /repos/{owner}/{repo}/actions/variables', { owner, repo, name: 'V', value: '1' })
    )
    expect(variable.status).toBe(403)
    expect(server.secrets(target)).toEqual({})
    expect(server.variables(REPOSITORY)).toEqual({})
  })

  it('404s unknown routes and serves a minimal repository for preflight, with GitHub’s headers', async () => {
    const { data, headers } = await octokit.request('GET /repos/{owner}/{repo}', { owner, repo })
    expect(data).toMatchObject({
      name: 'widgets',
      full_name: 'octo/widgets',
      owner: { login: 'octo' },
      private: true
    })
    expect(typeof data.id).toBe('number')
    expect(headers['x-github-request-id']).toMatch(/^[0-9A-F:]+$/)
    expect(Number(headers['x-ratelimit-remaining'])).toBeLessThan(5000)
    expect(
      (await failure(octokit.request('GET /repos/{owner}/{repo}/actions/nothing', { owner, repo }))).status
    ).toBe(404)
    expect((await failure(octokit.request('GET /user'))).status).toBe(404)
  })
})

describe('Actions variables', () => {
  it('creates (201, then 409), reads, updates (204) and 404s a missing variable', async () => {
    const create = () =>
      octokit.request('POST /repos/{owner}/{repo}/actions/variables', {
        owner,
        repo,
        name: 'WIZARD_EXPIRES_AT',
        value: 'a'
      })
    expect((await create()).status).toBe(201)
    expect((await failure(create())).status).toBe(409)

    const read = () =>
      octokit.request('GET /repos/{owner}/{repo}/actions/variables/{name}', {
        owner,
        repo,
        name: 'WIZARD_EXPIRES_AT'
      })
    expect((await read()).data).toMatchObject({
      name: 'WIZARD_EXPIRES_AT',
      value: 'a',
      created_at: expect.any(String)
    })

    const update = await octokit.request('PATCH /repos/{owner}/{repo}/actions/variables/{name}', {
      owner,
      repo,
      name: 'WIZARD_EXPIRES_AT',
      value: 'b'
    })
    expect(update.status).toBe(204)
    expect((await read()).data.value).toBe('b')
    expect(server.variables(REPOSITORY)).toEqual({ WIZARD_EXPIRES_AT: 'b' })

    const missing = octokit.request('PATCH /repos/{owner}/{repo}/actions/variables/{name}', {
      owner,
      repo,
      name: 'MISSING',
      value: 'x'
    })
    expect((await failure(missing)).status).toBe(404)
    expect(
      (
        await failure(
          octokit.request('GET /repos/{owner}/{repo}/actions/variables/{name}', {
            owner,
            repo,
            name: 'MISSING'
          })
        )
      ).status
    ).toBe(404)

    server.setVariable(REPOSITORY, 'SEEDED', 'v')
    expect(
      (
        await octokit.request('GET /repos/{owner}/{repo}/actions/variables/{name}', {
          owner,
          repo,
          name: 'SEEDED'
        })
      ).data.value
    ).toBe('v')
  })
})

describe('faults, latency and records', () => {
  it('answers an injected 503 once, changing nothing, then serves normally; both are recorded', async () => {
    server.injectFault(
      { method: 'PUT', path: /\/actions\/secrets\/S$/ },
      { kind: 'status', status: 503, headers: { 'retry-after': '1' } }
    )
    const faulted = await failure(putRepoSecret(octokit, 'S', 'x'))
    expect(faulted.status).toBe(503)
    expect(faulted.data).toMatchObject({ message: 'Service Unavailable' })
    expect(server.secrets(target)).toEqual({})
    expect((await putRepoSecret(octokit, 'S', 'x')).status).toBe(201)
    expect(server.secrets(target)).toEqual({ S: 'x' })
    expect(server.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'GET /repos/octo/widgets/actions/secrets/public-key 200',
      'PUT /repos/octo/widgets/actions/secrets/S 503',
      'GET /repos/octo/widgets/actions/secrets/public-key 200',
      'PUT /repos/octo/widgets/actions/secrets/S 201'
    ])
    for (const record of server.requests) expect(record.endedAt).toBeGreaterThanOrEqual(record.startedAt)
  })

  it('matches a fault on the request body too: two creates on one route told apart', async () => {
    server.injectFault(
      { method: 'POST', path: /\/actions\/variables$/, body: /"name":"MARKER"/ },
      { kind: 'status', status: 500 }
    )
    const create = (name: string) =>
      octokit.request('POST /repos/{owner}/{repo}/actions/variables', {
        owner,
        repo,
        name,
        value: 'v',
        request: { retries: 0 }
      })
    expect((await create('LOCK')).status).toBe(201)
    expect((await failure(create('MARKER'))).status).toBe(500)
    expect((await create('MARKER')).status).toBe(201)
    expect(server.requests.map((r) => r.status)).toEqual([201, 500, 201])
  })

  it('resets the connection of a faulted PUT without applying it (status 0)', async () => {
    server.injectFault({ method: 'PUT' }, { kind: 'reset' })
    await expect(putRepoSecret(octokit, 'S', 'x')).rejects.toThrow()
    expect(server.secrets(target)).toEqual({})
    expect(server.requests.at(-1)).toMatchObject({ method: 'PUT', status: 0 })
    expect(server.requests.at(-1)?.endedAt).toBeGreaterThan(0)
    expect((await putRepoSecret(octokit, 'S', 'x')).status).toBe(201)
  })

  it('hangs a request until the client gives up, and close() still finishes with another one hanging', async () => {
    server.injectFault({ path: /public-key$/ }, { kind: 'hang' }, 2)
    const started = Date.now()
    const error = await failure(
      octokit.request('GET /repos/{owner}/{repo}/actions/secrets/public-key', {
        owner,
        repo,
        request: { signal: AbortSignal.timeout(150) }
      })
    )
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    expect(error.status).toBe(500) // Octokit's status for a request that got no answer
    await waitFor(() => (server.requests[0]?.endedAt ?? 0) > 0)
    expect(server.requests[0]).toMatchObject({
      path: '/repos/octo/widgets/actions/secrets/public-key',
      status: 0
    })

    const pending = fetch(`${server.url}/repos/octo/widgets/actions/secrets/public-key`, {
      headers: { authorization: `token ${TOKEN}` }
    }).catch((reason: unknown) => reason)
    await waitFor(() => server.requests.length === 2)
    const closing = Date.now()
    await server.close()
    expect(Date.now() - closing).toBeLessThan(1000)
    // Node's fetch error comes from outside Jest's realm: check its shape, not its class.
    expect(await pending).toHaveProperty('message', 'fetch failed')
    expect(server.requests[1]?.status).toBe(0)
  })

  it('adds the configured latency before every answer, and close() cuts a delayed request short', async () => {
    const slow = await startGitHubServer({ latencyMs: 120 })
    try {
      slow.addRepository(REPOSITORY)
      slow.addToken(TOKEN)
      const client = getOctokit(TOKEN, { baseUrl: slow.url })
      const started = Date.now()
      await client.request('GET /repos/{owner}/{repo}', { owner, repo })
      expect(Date.now() - started).toBeGreaterThanOrEqual(110)
      const record = slow.requests[0]
      expect((record?.endedAt ?? 0) - (record?.startedAt ?? 0)).toBeGreaterThanOrEqual(110)

      const delayed = putRepoSecret(client, 'S', 'x').catch((reason: unknown) => reason)
      await waitFor(() => slow.requests.length === 3) // public key, then the PUT is waiting
      await slow.close()
      expect(await delayed).toBeInstanceOf(Error)
      expect(slow.secrets(target)).toEqual({})
    } finally {
      await slow.close()
    }
  })

  it('accepts the /api/v3 prefix of GitHub Enterprise Server and records paths without it', async () => {
    const enterprise = getOctokit(TOKEN, { baseUrl: `${server.url}/api/v3` })
    server.injectFault(
      { method: 'PUT', path: /^\/repos\/octo\/widgets\/actions\/secrets\/GHES$/ },
      { kind: 'status', status: 502 }
    )
    expect((await failure(putRepoSecret(enterprise, 'GHES', 'x'))).status).toBe(502)
    expect((await putRepoSecret(enterprise, 'GHES', 'via ghes')).status).toBe(201)
    expect(server.secrets(target)).toEqual({ GHES: 'via ghes' })
    expect(server.requests.map((r) => r.path)).toEqual([
      '/repos/octo/widgets/actions/secrets/public-key',
      '/repos/octo/widgets/actions/secrets/GHES',
      '/repos/octo/widgets/actions/secrets/public-key',
      '/repos/octo/widgets/actions/secrets/GHES'
    ])
  })
})

describe('TLS', () => {
  /** A throwaway self-signed certificate for 127.0.0.1 and localhost, as `npm run bench` makes one. */
  async function selfSigned(): Promise<{ key: string; cert: string }> {
    const dir = await mkdtemp(join(tmpdir(), 'github-server-tls-'))
    try {
      const { key, cert } = await selfSignedCertificate(dir)
      return { key, cert }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  function call(
    url: string,
    agent: Agent,
    method: string,
    body?: unknown
  ): Promise<{ status: number; json: unknown; encrypted: boolean }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          method,
          agent,
          headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' }
        },
        (res) => {
          // Read now: a keep-alive socket is handed back to the agent once the answer has ended.
          const encrypted = (res.socket as TLSSocket).encrypted === true
          let text = ''
          res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              json: text ? JSON.parse(text) : undefined,
              encrypted
            })
          )
        }
      )
      req.on('error', reject)
      req.end(body === undefined ? undefined : JSON.stringify(body))
    })
  }

  it('serves https with the given key and certificate, with the same routes, log and close()', async () => {
    const tls = await selfSigned()
    const secure = await startGitHubServer({ tls, latencyMs: 20 })
    // Keep-alive, so close() must also end an idle TLS connection.
    const agent = new Agent({ ca: tls.cert, keepAlive: true })
    try {
      expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      secure.addRepository(REPOSITORY)
      secure.addToken(TOKEN)
      const base = `${secure.url}/api/v3/repos/${owner}/${repo}/actions/secrets`

      const key = await call(`${base}/public-key`, agent, 'GET')
      expect(key).toMatchObject({ status: 200, encrypted: true, json: secure.publicKey(target) })
      const { key: publicKey, key_id } = key.json as { key: string; key_id: string }
      const put = await call(`${base}/OVER_TLS`, agent, 'PUT', {
        encrypted_value: seal('sealed and sent over TLS', publicKey),
        key_id
      })
      expect(put.status).toBe(201)
      expect(secure.secrets(target)).toEqual({ OVER_TLS: 'sealed and sent over TLS' })
      expect(secure.requests.map(({ method, path, status }) => ({ method, path, status }))).toEqual([
        { method: 'GET', path: '/repos/octo/widgets/actions/secrets/public-key', status: 200 },
        { method: 'PUT', path: '/repos/octo/widgets/actions/secrets/OVER_TLS', status: 201 }
      ])
      for (const record of secure.requests)
        expect(record.endedAt - record.startedAt).toBeGreaterThanOrEqual(15)

      // A client that does not trust the certificate is refused by its own TLS check.
      await expect(call(`${base}/public-key`, new Agent(), 'GET')).rejects.toThrow(/self.signed/i)

      const closing = Date.now()
      await secure.close()
      expect(Date.now() - closing).toBeLessThan(1000)
    } finally {
      agent.destroy()
      await secure.close()
    }
  })

  it('still serves plain http without the option', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })
})
