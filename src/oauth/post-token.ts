import { text } from 'node:stream/consumers'
import { HttpClient } from '@actions/http-client'
import { withoutCredentials } from '../report/redact.js'
import type { TokenRequest } from './grant-request.js'

export interface TokenResponse {
  status: number
  /** Lower-case names, as Node gives them. */
  headers: Record<string, string | string[] | undefined>
  body: string
}

export type PostToken = (request: TokenRequest) => Promise<TokenResponse>

/** A grant that got no complete answer in time; its message names the limit, never the request's body. */
export class RequestTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within request-timeout (${timeoutMs} ms)`)
    this.name = 'RequestTimeoutError'
  }
}

/**
 * The grant as one POST over `@actions/http-client`, which honours the runner's proxy settings
 * (HTTPS_PROXY, HTTP_PROXY, NO_PROXY). Its own retries and redirects stay off: whether to send the grant
 * again is the exchange's decision, and a redirected grant would hand the refresh token to another host.
 * Each POST gets a fresh client, so a retry never lands on a connection the server already closed, and a
 * deadline for the whole exchange (connect, send, answer), which the library's idle-socket timeout is not.
 */
export function createTokenPoster(options: { timeoutMs: number; userAgent: string }): PostToken {
  return async (request) => {
    const client = new HttpClient(options.userAgent, undefined, {
      allowRetries: false,
      allowRedirects: false,
      keepAlive: false,
      socketTimeout: options.timeoutMs
    })
    const answer = client
      .request('POST', request.url, request.body, request.headers)
      .then(async (response) => ({
        status: response.message.statusCode ?? 0,
        headers: response.message.headers,
        // Not readBody(): it never settles when the answer is cut off (it waits for an 'end' that never comes).
        body: await text(response.message)
      }))
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RequestTimeoutError(options.timeoutMs)), options.timeoutMs)
    })
    try {
      return await Promise.race([answer, deadline])
    } catch (error) {
      throw withoutCredentials(error)
    } finally {
      clearTimeout(timer)
      answer.catch(() => undefined) // a late failure of the request the deadline already settled
      client.dispose()
    }
  }
}
