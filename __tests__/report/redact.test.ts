import { proxyCredentials, redact, withoutCredentials } from '../../src/report/redact.js'

describe('redact', () => {
  it.each([
    ['a JWT', 'token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl here', 'token *** here'],
    ['a Hydra refresh token', 'got ory_rt_AbC123xyz.Def', 'got ory_rt_***'],
    ['a GitHub PAT', 'auth github_pat_11ABCDEF_xyz', 'auth github_pat_***'],
    ['a classic token', 'ghp_abcdefABCDEF0123456789', 'ghp_***'],
    ['a long opaque value', `v=${'a1'.repeat(22)}`, 'v=***'],
    [
      'form parameters',
      'grant_type=refresh_token&refresh_token=short&client_id=x',
      'grant_type=refresh_token&refresh_token=***&client_id=x'
    ]
  ])('hides %s', (_case, text, expected) => {
    expect(redact(text)).toBe(expected)
  })

  it('keeps what a person needs to debug: methods, paths, statuses, timings, UUIDs of public clients', () => {
    const line = 'PUT /repos/octo/widgets/actions/secrets/WIZARD_REFRESH_TOKEN → 204 in 35 ms'
    expect(redact(line)).toBe(line)
    expect(redact('client 0ac84169-c41c-4222-885b-31469c761cb0')).toBe(
      'client 0ac84169-c41c-4222-885b-31469c761cb0'
    )
  })
})

describe('proxy credentials', () => {
  it('are found in every proxy variable, raw and decoded, for masking', () => {
    expect(
      proxyCredentials({
        https_proxy: 'http://robot:p%40ss@proxy.corp:3128',
        HTTP_PROXY: 'http://proxy.corp:3128',
        NO_PROXY: 'user:secret@nowhere'
      }).sort()
    ).toEqual(['p%40ss', 'p@ss', 'robot'])
  })

  it('are looked for in HTTPS_PROXY and http_proxy too, once each, without tripping over a value that is no URL', () => {
    expect(
      proxyCredentials({
        HTTPS_PROXY: 'http://robot:s3cret@proxy.corp:3128',
        http_proxy: 'http://robot:s3cret@proxy.corp:8080',
        HTTP_PROXY: '://'
      }).sort()
    ).toEqual(['robot', 's3cret'])
    expect(proxyCredentials({})).toEqual([])
  })

  it('are found in a proxy variable without a scheme, as @actions/http-client reads it', () => {
    expect(proxyCredentials({ HTTPS_PROXY: 'svc_ci:s3cret@proxy.corp:3128' }).sort()).toEqual([
      's3cret',
      'svc_ci'
    ])
  })

  it('are cut out of an error message, which keeps its name and code', () => {
    const error = Object.assign(
      new TypeError('Failed to establish tunnel to api.github.com via http://robot:s3cret@proxy:3128'),
      { code: 'ERR_PROXY_TUNNEL' }
    )
    const cleaned = withoutCredentials(error)
    expect(cleaned.message).toBe('Failed to establish tunnel to api.github.com via http://***@proxy:3128')
    expect(cleaned.name).toBe('TypeError')
    expect((cleaned as NodeJS.ErrnoException).code).toBe('ERR_PROXY_TUNNEL')
    expect(JSON.stringify(cleaned)).not.toContain('s3cret')
  })

  it('leave an error without credentials as it is, and make an Error of anything else', () => {
    const plain = new Error('connect ECONNREFUSED 127.0.0.1:1')
    expect(withoutCredentials(plain)).toBe(plain)
    const thrown = withoutCredentials('proxy http://robot:s3cret@proxy:3128 refused')
    expect(thrown).toBeInstanceOf(Error)
    expect(thrown.message).toBe('proxy http://***@proxy:3128 refused')
  })
})
