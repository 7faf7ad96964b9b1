import type { HttpResponse, HttpSend } from './http.js'
import type { TokenRequest } from './token-request.js'

export type PostToken = (request: TokenRequest) => Promise<HttpResponse>

/** The grant as one POST; whether to retry it is the exchange's decision, never the transport's. */
export function createTokenPoster(send: HttpSend, userAgent: string): PostToken {
  return (request) =>
    send({
      method: 'POST',
      url: request.url,
      headers: { ...request.headers, 'user-agent': userAgent },
      body: request.body
    })
}
