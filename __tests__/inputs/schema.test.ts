import { ActionError } from '../../src/errors.js'
import { DEFAULT_SECRET_NAMES, parseInputs, type RawInputs } from '../../src/inputs/schema.js'
import { ZONES } from '../../src/inputs/zones.js'

const valid: RawInputs = { 'refresh-token': 'rt-1', 'github-token': 'pat-1', repository: 'octo/cat' }

function failureOf(raw: RawInputs): ActionError {
  try {
    parseInputs(raw)
  } catch (error) {
    if (error instanceof ActionError) return error
    throw error
  }
  throw new Error('expected the inputs to be refused')
}

describe('parseInputs', () => {
  it('fills every default from the zone table and the default secret names', () => {
    const config = parseInputs(valid)
    expect(config).toEqual({
      refreshToken: 'rt-1',
      zone: 'us',
      tokenUrl: ZONES.us.tokenUrl,
      clientId: ZONES.us.clientId,
      clientSecret: undefined,
      scope: undefined,
      githubToken: 'pat-1',
      githubApiUrl: 'https://api.github.com',
      target: { repository: 'octo/cat', owner: 'octo', repo: 'cat', environment: undefined },
      secretNames: {
        refreshToken: DEFAULT_SECRET_NAMES.refreshToken,
        accessToken: DEFAULT_SECRET_NAMES.accessToken,
        idToken: undefined,
        expiresAt: DEFAULT_SECRET_NAMES.expiresAt,
        writeCheck: DEFAULT_SECRET_NAMES.writeCheck
      },
      expiresAtSeen: '',
      expiresAtVariable: undefined,
      skipIfValidForMs: undefined,
      dryRun: false,
      maxAttempts: 4,
      requestTimeoutMs: 30_000,
      retryDelayMs: 1000,
      refreshTokenWriteTimeoutMs: 600_000,
      lockVariable: 'WIZARD_ROTATION_LOCK',
      writerTokenSecret: 'WIZARD_SECRET_REFRESH_PAT',
      writerTokenWarnDays: 14,
      checkValidForMs: undefined,
      recoveryPublicKey: undefined,
      explicitTokenUrl: false,
      workflow: undefined,
      alertIssue: false,
      keepAlive: false,
      workflowToken: undefined
    })
  })

  it('reads the guard, retry and dry-run inputs', () => {
    const config = parseInputs({
      ...valid,
      'expires-at': '2026-11-24T11:00:00.000Z',
      'expires-at-variable': 'WIZARD_EXPIRES_AT',
      'skip-if-valid-for': '15m',
      'dry-run': 'True',
      'max-attempts': '2',
      'request-timeout': '10s',
      'retry-delay': '250ms'
    })
    expect(config).toMatchObject({
      expiresAtSeen: '2026-11-24T11:00:00.000Z',
      expiresAtVariable: 'WIZARD_EXPIRES_AT',
      skipIfValidForMs: 900_000,
      dryRun: true,
      maxAttempts: 2,
      requestTimeoutMs: 10_000,
      retryDelayMs: 250
    })
  })

  it('picks the eu endpoint and client, case-insensitively', () => {
    const config = parseInputs({ ...valid, zone: 'EU' })
    expect(config.tokenUrl).toBe('https://auth.eu.amplitude.com/oauth2/token')
    expect(config.clientId).toBe('110d04a1-8e60-4157-9c43-fcbe4e014a85')
  })

  it('treats empty inputs as not given, as an unset ${{ vars.X }} expression yields', () => {
    const config = parseInputs({
      ...valid,
      zone: '',
      'token-url': '',
      'client-id': '',
      'access-token-secret': ''
    })
    expect(config.zone).toBe('us')
    expect(config.tokenUrl).toBe(ZONES.us.tokenUrl)
    expect(config.secretNames.accessToken).toBe('WIZARD_OAUTH_TOKEN')
  })

  it('turns the expiry secret off only when expires-at-secret is explicitly empty', () => {
    expect(parseInputs({ ...valid, 'expires-at-secret': '' }).secretNames.expiresAt).toBeUndefined()
    expect(parseInputs(valid).secretNames.expiresAt).toBe('WIZARD_EXPIRES_AT')
  })

  it('turns the lock off only when lock-variable is explicitly empty, and keeps it apart from the expiry variable', () => {
    expect(parseInputs({ ...valid, 'lock-variable': '' }).lockVariable).toBeUndefined()
    expect(() =>
      parseInputs({
        ...valid,
        'lock-variable': 'WIZARD_EXPIRES_AT',
        'expires-at-variable': 'wizard_expires_at'
      })
    ).toThrow(
      /Input "lock-variable" \(got "WIZARD_EXPIRES_AT"\) names the same variable as expires-at-variable/
    )
  })

  it('gives each environment its own lock', () => {
    expect(parseInputs({ ...valid, environment: 'prod eu' }).lockVariable).toBe(
      'WIZARD_ROTATION_LOCK_PROD_EU'
    )
    expect(parseInputs({ ...valid, environment: 'prod eu', 'lock-variable': 'L' }).lockVariable).toBe(
      'L_PROD_EU'
    )
  })

  it('reads how long the refresh-token write may keep trying, within bounds', () => {
    expect(parseInputs({ ...valid, 'refresh-token-write-timeout': '20m' }).refreshTokenWriteTimeoutMs).toBe(
      1_200_000
    )
    expect(() => parseInputs({ ...valid, 'refresh-token-write-timeout': '7h' })).toThrow(
      /Input "refresh-token-write-timeout" \(got "7h"\) must be a duration from 1s to 6h/
    )
  })

  it('turns the write check off only when write-check-secret is explicitly empty', () => {
    expect(parseInputs({ ...valid, 'write-check-secret': '' }).secretNames.writeCheck).toBeUndefined()
    expect(parseInputs(valid).secretNames.writeCheck).toBe('WIZARD_WRITE_CHECK')
  })

  it('lets an explicit endpoint and client override the zone', () => {
    const config = parseInputs({
      ...valid,
      'token-url': 'http://127.0.0.1:4444/oauth2/token',
      'client-id': 'mine',
      'client-secret': 's3cret',
      environment: 'production',
      'id-token-secret': 'WIZARD_ID_TOKEN'
    })
    expect(config.tokenUrl).toBe('http://127.0.0.1:4444/oauth2/token')
    expect(config.clientId).toBe('mine')
    expect(config.clientSecret).toBe('s3cret')
    expect(config.target.environment).toBe('production')
    expect(config.secretNames.idToken).toBe('WIZARD_ID_TOKEN')
  })

  it('takes an explicit GitHub API, without a trailing slash, and refuses plain http to a remote host', () => {
    const ghes = parseInputs({ ...valid, 'github-api-url': 'https://ghe.example.com/api/v3/' })
    expect(ghes.githubApiUrl).toBe('https://ghe.example.com/api/v3')
    expect(parseInputs({ ...valid, 'github-api-url': 'http://127.0.0.1:3000' }).githubApiUrl).toBe(
      'http://127.0.0.1:3000'
    )
    expect(failureOf({ ...valid, 'github-api-url': 'http://ghe.example.com/api/v3' }).message).toMatch(
      /Input "github-api-url" .* must use https:/
    )
  })

  it.each([
    ['http://localhost:8080/oauth2/token'],
    ['http://127.0.0.2/oauth2/token'],
    ['http://[::1]:9000/oauth2/token'],
    ['https://hydra.example.com/oauth2/token']
  ])('accepts the token-url %s', (url) => {
    expect(parseInputs({ ...valid, 'token-url': url }).tokenUrl).toBe(url)
  })

  it.each<[string, RawInputs, RegExp]>([
    [
      'a missing refresh token',
      { ...valid, 'refresh-token': undefined },
      /Input "refresh-token" is required/
    ],
    ['an empty refresh token', { ...valid, 'refresh-token': '  ' }, /Input "refresh-token" is required/],
    [
      'a missing PAT',
      { ...valid, 'github-token': '' },
      /Input "github-token" is required: .*GITHUB_TOKEN cannot/
    ],
    ['an unknown zone', { ...valid, zone: 'mars' }, /Input "zone" \(got "mars"\) must be one of: us, eu\./],
    [
      'a plain-http endpoint',
      { ...valid, 'token-url': 'http://auth.example.com/oauth2/token' },
      /Input "token-url" .* must use https:/
    ],
    [
      'http to a look-alike host',
      { ...valid, 'token-url': 'http://127.0.0.1.evil.com/t' },
      /must use https:/
    ],
    [
      'a relative endpoint',
      { ...valid, 'token-url': '/oauth2/token' },
      /Input "token-url" .* must be an absolute URL/
    ],
    [
      'credentials in the endpoint',
      { ...valid, 'token-url': 'https://u:p@a.example/t' },
      /must not carry credentials/
    ],
    [
      'a malformed repository',
      { ...valid, repository: 'just-a-name' },
      /Input "repository" \(got "just-a-name"\) must be owner\/name/
    ],
    ['a missing repository', { ...valid, repository: undefined }, /Input "repository" is required/],
    [
      'a secret name with a dash',
      { ...valid, 'access-token-secret': 'MY-TOKEN' },
      /Input "access-token-secret" .* letters, digits and underscores/
    ],
    [
      'a secret name with a leading digit',
      { ...valid, 'refresh-token-secret': '1TOKEN' },
      /must not start with a digit/
    ],
    [
      'a GITHUB_ secret name',
      { ...valid, 'expires-at-secret': 'github_expiry' },
      /must not start with GITHUB_/
    ],
    [
      'an invalid id-token secret name',
      { ...valid, 'id-token-secret': 'id token' },
      /Input "id-token-secret"/
    ],
    [
      'two values in one secret',
      { ...valid, 'access-token-secret': 'WIZARD_REFRESH_TOKEN' },
      /Input "access-token-secret" .*names the same secret as refresh-token-secret/
    ],
    [
      'a control character in the environment',
      { ...valid, environment: 'prod\u0007' },
      /Input "environment" .* control characters/
    ]
  ])('refuses %s, naming the input and what is allowed', (_case, raw, message) => {
    const error = failureOf(raw)
    expect(error.kind).toBe('input')
    expect(error.message).toMatch(message)
  })

  it('reports every bad input at once', () => {
    const error = failureOf({ ...valid, zone: 'mars', repository: 'x' })
    expect(error.message.split('\n')).toHaveLength(2)
  })

  it('never echoes a secret input in its error', () => {
    const error = failureOf({
      'refresh-token': 'rt-secret-value',
      'github-token': 'pat-secret-value',
      zone: 'mars'
    })
    expect(error.message).not.toContain('rt-secret-value')
    expect(error.message).not.toContain('pat-secret-value')
  })
})
