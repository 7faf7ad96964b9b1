import type { Config } from '../inputs/schema.js'

export interface TokenRequest {
  url: string
  headers: Record<string, string>
  body: string
}

/**
 * The refresh grant (RFC 6749 §6). A confidential client authenticates with HTTP Basic, each part
 * form-encoded first as §2.3.1 requires; a public client only names itself with `client_id`.
 */
export function buildTokenRequest(
  config: Pick<Config, 'tokenUrl' | 'refreshToken' | 'clientId' | 'clientSecret' | 'scope'>
): TokenRequest {
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: config.refreshToken })
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json'
  }
  if (config.clientSecret) {
    const basic = `${formEncode(config.clientId)}:${formEncode(config.clientSecret)}`
    headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`
  } else {
    form.set('client_id', config.clientId)
  }
  if (config.scope) form.set('scope', config.scope)
  return { url: config.tokenUrl, headers, body: form.toString() }
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2)
}
