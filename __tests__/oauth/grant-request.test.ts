import { buildTokenRequest } from '../../src/oauth/grant-request.js'

const base = {
  tokenUrl: 'https://auth.example.com/oauth2/token',
  refreshToken: 'ory_rt_abc+/=',
  clientId: 'public-client',
  clientSecret: undefined,
  scope: undefined
}

describe('buildTokenRequest', () => {
  it('sends a public client refresh grant as a form with client_id', () => {
    const request = buildTokenRequest(base)
    expect(request.url).toBe(base.tokenUrl)
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(request.headers.authorization).toBeUndefined()
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'ory_rt_abc+/=',
      client_id: 'public-client'
    })
  })

  it('authenticates a confidential client with HTTP Basic, form-encoding each part first', () => {
    const request = buildTokenRequest({
      ...base,
      clientId: 'my client',
      clientSecret: 'p@ss:word',
      scope: 'openid offline'
    })
    const decoded = Buffer.from(
      String(request.headers.authorization).replace(/^Basic /, ''),
      'base64'
    ).toString()
    expect(decoded).toBe('my+client:p%40ss%3Aword')
    const form = new URLSearchParams(request.body)
    expect(form.get('client_id')).toBeNull()
    expect(form.get('scope')).toBe('openid offline')
  })
})
