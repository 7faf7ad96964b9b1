import { HttpClient } from '@actions/http-client'
import type { TokenRequest } from './token-request.js'

export interface RawResponse {
  status: number
  body: string
  headers: Record<string, string | string[] | undefined>
}

export type PostToken = (request: TokenRequest) => Promise<RawResponse>

/**
 * The token endpoint over @actions/http-client, which honours the runner's proxy settings
 * (https_proxy, no_proxy). Its own retries stay off: whether to retry a grant is our decision.
 */
export function createTokenPoster(options: { timeoutMs: number; userAgent: string }): PostToken {
  const client = new HttpClient(options.userAgent, undefined, {
    allowRetries: false,
    allowRedirects: false,
    keepAlive: false,
    socketTimeout: options.timeoutMs
  })
  return async (request) => {
    const response = await client.request('POST', request.url, request.body, request.headers)
    const body = await response.readBody()
    return { status: response.message.statusCode ?? 0, body, headers: response.message.headers }
  }
}
