export interface TokenRequest {
  url: string
  headers: Record<string, string>
  body: string
}

export interface GrantParameters {
  tokenUrl: string
  refreshToken: string
  clientId: string
  clientSecret?: string
}

/**
 * The refresh grant (RFC 6749 §6). A confidential client authenticates with HTTP Basic, each part
 * form-encoded first as §2.3.1 requires; a public client only names itself with `client_id`. No `scope`:
 * Hydra ignores it on a refresh, and the token keeps the scopes it was issued with.
 */
export function buildTokenRequest(grant: GrantParameters): TokenRequest {
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: grant.refreshToken })
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json'
  }
  if (grant.clientSecret) {
    const basic = `${formEncode(grant.clientId)}:${formEncode(grant.clientSecret)}`
    headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`
  } else {
    form.set('client_id', grant.clientId)
  }
  return { url: grant.tokenUrl, headers, body: form.toString() }
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2)
}
