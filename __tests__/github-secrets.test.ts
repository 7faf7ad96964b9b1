import type { HttpRequest, HttpResponse } from '../src/http.js'
import { createGitHubApi, GitHubApiError } from '../src/github-secrets.js'

/** A scripted GitHub: answers in order, and keeps every request it was sent. */
function scripted(...answers: Partial<HttpResponse>[]) {
  const sent: HttpRequest[] = []
  const send = async (request: HttpRequest): Promise<HttpResponse> => {
    sent.push(request)
    const answer = answers.shift()
    if (!answer) throw new Error('connect ECONNREFUSED 127.0.0.1:1')
    return { status: 200, headers: {}, body: '', ...answer }
  }
  return { sent, send }
}

const target = { repository: 'octo/widgets', owner: 'octo', repo: 'widgets', environment: undefined }
const api = (send: ReturnType<typeof scripted>['send'], environment?: string) =>
  createGitHubApi({
    send,
    apiUrl: 'https://ghe.example/api/v3/',
    token: 'github_pat_secret',
    userAgent: 'refresh-oauth-secrets',
    target: { ...target, environment }
  })

describe('createGitHubApi', () => {
  it('sends GitHub’s documented headers, the PAT as a bearer, and JSON bodies', async () => {
    const github = scripted({ status: 201 })
    expect(await api(github.send).writeSecret('WIZARD_OAUTH_TOKEN', 'c2VhbGVk', 'key-1')).toBe('created')
    const [put] = github.sent
    expect(put?.method).toBe('PUT')
    expect(put?.url).toBe('https://ghe.example/api/v3/repos/octo/widgets/actions/secrets/WIZARD_OAUTH_TOKEN')
    expect(put?.headers).toEqual({
      accept: 'application/vnd.github+json',
      authorization: 'Bearer github_pat_secret',
      'content-type': 'application/json',
      'user-agent': 'refresh-oauth-secrets',
      'x-github-api-version': '2022-11-28'
    })
    expect(JSON.parse(put?.body ?? '')).toEqual({ encrypted_value: 'c2VhbGVk', key_id: 'key-1' })
  })

  it('addresses an environment’s secrets with its name encoded', async () => {
    const github = scripted({ status: 200, body: '{"key_id":"k","key":"a2V5"}' })
    expect(await api(github.send, 'prod / eu').readPublicKey()).toEqual({ key_id: 'k', key: 'a2V5' })
    expect(github.sent[0]?.url).toBe(
      'https://ghe.example/api/v3/repos/octo/widgets/environments/prod%20%2F%20eu/secrets/public-key'
    )
  })

  it('tells a deleted secret from one that was not there, and refuses what was refused', async () => {
    const github = scripted(
      { status: 204 },
      { status: 404, body: '{"message":"Not Found"}' },
      { status: 403, body: '{"message":"Resource not accessible by personal access token"}' }
    )
    expect(await api(github.send).deleteSecret('CHECK')).toBe('deleted')
    expect(await api(github.send).deleteSecret('CHECK')).toBe('absent')
    await expect(api(github.send).deleteSecret('CHECK')).rejects.toMatchObject({
      status: 403,
      message: 'Resource not accessible by personal access token'
    })
  })

  it('reports GitHub’s message, never the body, and keeps the headers retries look at', async () => {
    const github = scripted({
      status: 429,
      headers: { 'retry-after': '7', 'set-cookie': ['a', 'b'] },
      body: '{"message":"API rate limit exceeded","echo":"github_pat_secret"}'
    })
    const failure = await api(github.send)
      .readPublicKey()
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(GitHubApiError)
    expect(failure).toMatchObject({ status: 429, message: 'API rate limit exceeded' })
    expect((failure as GitHubApiError).headers['retry-after']).toBe('7')
    expect(JSON.stringify(failure)).not.toContain('github_pat_secret')
  })

  it('reports a body that is not JSON, and a failed connection, without a status', async () => {
    const github = scripted(
      { status: 502, body: '<html>bad gateway</html>' },
      { status: 200, body: 'not json' }
    )
    await expect(api(github.send).readPublicKey()).rejects.toMatchObject({
      status: 502,
      message: 'server error'
    })
    await expect(api(github.send).readPublicKey()).rejects.toMatchObject({ status: undefined })
    await expect(api(github.send).readPublicKey()).rejects.toMatchObject({
      status: undefined,
      message: expect.stringMatching(/ECONNREFUSED/)
    })
  })

  it('updates or creates the variable, falling back when another run got there first', async () => {
    const github = scripted({ status: 404 }, { status: 201 }, { status: 409 }, { status: 204 })
    expect(await api(github.send).writeVariable('EXP', '2026-11-26T23:00:00.000Z', true)).toBe('created')
    expect(await api(github.send).writeVariable('EXP', '2026-11-26T23:00:00.000Z', false)).toBe('updated')
    expect(github.sent.map((request) => `${request.method} ${new URL(request.url).pathname}`)).toEqual([
      'PATCH /api/v3/repos/octo/widgets/actions/variables/EXP',
      'POST /api/v3/repos/octo/widgets/actions/variables',
      'POST /api/v3/repos/octo/widgets/actions/variables',
      'PATCH /api/v3/repos/octo/widgets/actions/variables/EXP'
    ])
  })
})
