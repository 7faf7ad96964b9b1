import { INPUT_NAMES, parseConfig, parseWorkflowRef, type RawInputs } from '../../src/config.js'
import { RunError } from '../../src/errors.js'
import { ZONES } from '../../src/zones.js'

const base: RawInputs = { 'refresh-token': 'rt', 'writer-token': 'pat', repository: 'octo/cat' }
const problems = (raw: RawInputs) => {
  try {
    parseConfig({ ...base, ...raw })
  } catch (error) {
    expect(error).toBeInstanceOf(RunError)
    return (error as RunError).message
  }
  throw new Error('expected a problem')
}

describe('the inputs', () => {
  it('at most twenty, each one a user would set', () => {
    expect(INPUT_NAMES.length).toBeLessThanOrEqual(20)
  })

  it('defaults: the us zone, its endpoint and client, the WIZARD_ names, the expiry variable', () => {
    const config = parseConfig(base)
    expect(config).toMatchObject({
      zone: 'us',
      zoneGiven: false,
      tokenUrl: ZONES.us.tokenUrl,
      clientId: ZONES.us.clientId,
      apiUrl: 'https://api.github.com',
      target: { repository: 'octo/cat', owner: 'octo', repo: 'cat' },
      names: {
        refreshToken: 'WIZARD_REFRESH_TOKEN',
        accessToken: 'WIZARD_OAUTH_TOKEN',
        expiresAt: 'WIZARD_EXPIRES_AT',
        expiresAtVariable: 'WIZARD_EXPIRES_AT',
        record: 'WIZARD_REFRESH_TOKEN_SPENT',
        writerToken: 'WIZARD_SECRET_REFRESH_PAT'
      },
      dryRun: false,
      alertIssue: false,
      keepAlive: false
    })
  })

  it('the eu zone, in any case; an explicit endpoint; GHES; an environment suffixes what must differ per environment', () => {
    const config = parseConfig({
      ...base,
      zone: 'EU',
      'token-url': 'http://127.0.0.1:8080/oauth2/token',
      'github-api-url': 'https://github.example.com/api/v3/',
      environment: 'prod eu'
    })
    expect(config).toMatchObject({
      zone: 'eu',
      zoneGiven: true,
      explicitTokenUrl: true,
      tokenUrl: 'http://127.0.0.1:8080/oauth2/token',
      clientId: ZONES.eu.clientId,
      apiUrl: 'https://github.example.com/api/v3',
      names: { expiresAtVariable: 'WIZARD_EXPIRES_AT_PROD_EU', record: 'WIZARD_REFRESH_TOKEN_PROD_EU_SPENT' }
    })
  })

  it('empty means not given, except for expires-at-secret, where it turns the secret off', () => {
    expect(parseConfig({ ...base, zone: '  ', 'expires-at-secret': '' }).names.expiresAt).toBeUndefined()
    expect(
      parseConfig({ ...base, 'expires-at-variable': 'MY_EXPIRY', 'skip-if-valid-for': '35m' })
    ).toMatchObject({
      names: { expiresAtVariable: 'MY_EXPIRY' },
      skipIfValidForMs: 35 * 60_000
    })
  })

  it('a recovery key in either base64 spelling, one spelling kept', () => {
    const standard = 'a'.repeat(42) + 'A='
    expect(parseConfig({ ...base, 'recovery-public-key': standard }).recoveryPublicKey).toBe(standard)
    expect(parseConfig({ ...base, 'recovery-public-key': `${'a'.repeat(41)}-_` }).recoveryPublicKey).toBe(
      `${'a'.repeat(41)}+/=`
    )
  })

  it('every problem at once, each naming its input, never quoting a secret', () => {
    const message = problems({
      'refresh-token': '',
      'writer-token': '',
      zone: 'mars',
      'token-url': 'ftp://x/token',
      'github-api-url': 'not a url',
      repository: 'nope',
      environment: 'a\u0007b',
      'access-token-secret': '1ABC',
      'refresh-token-secret': 'GITHUB_X',
      'skip-if-valid-for': '99d',
      'dry-run': 'maybe',
      'recovery-public-key': 'short',
      'alert-issue': 'true',
      'github-token': '',
      'client-secret': 'shh-very-secret'
    })
    for (const name of [
      'refresh-token',
      'writer-token',
      'zone',
      'token-url',
      'github-api-url',
      'repository',
      'environment',
      'access-token-secret',
      'refresh-token-secret',
      'skip-if-valid-for',
      'dry-run',
      'recovery-public-key'
    ])
      expect(message).toContain(`Input "${name}"`)
    expect(message).toContain('(got "mars")')
    expect(message).not.toContain('shh-very-secret')
  })

  it('an endpoint with credentials, plain http to a real host, two inputs naming one secret', () => {
    expect(problems({ 'token-url': 'https://u:p@auth.example.com/t' })).toMatch(/must not carry credentials/)
    expect(problems({ 'token-url': 'http://auth.example.com/t' })).toMatch(/must use https/)
    expect(problems({ 'access-token-secret': 'WIZARD_REFRESH_TOKEN' })).toMatch(
      /names the same secret as refresh-token-secret/
    )
    expect(problems({ environment: 'x'.repeat(256) })).toMatch(/at most 255/)
    expect(problems({ repository: undefined })).toMatch(/is required: owner\/name/)
    // Checks across inputs come once every input reads on its own.
    expect(problems({ 'keep-alive': 'true', 'github-token': '' })).toMatch(
      /Input "github-token" is required by alert-issue and keep-alive/
    )
  })
})

describe('the workflow a run belongs to', () => {
  it('from GITHUB_WORKFLOW_REF', () => {
    expect(parseWorkflowRef('octo/cat/.github/workflows/rotate.yml@refs/heads/main')).toEqual({
      repository: 'octo/cat',
      file: 'rotate.yml'
    })
    expect(parseWorkflowRef('nonsense')).toBeUndefined()
    expect(parseWorkflowRef(undefined)).toBeUndefined()
    expect(parseConfig(base, { workflowRef: 'octo/cat/.github/workflows/r.yml@v1' }).workflow).toEqual({
      repository: 'octo/cat',
      file: 'r.yml'
    })
  })
})
