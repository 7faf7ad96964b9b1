import { redact } from '../src/redact.js'

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
