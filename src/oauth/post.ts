import { HttpClient } from '@actions/http-client'
import { MAX_ANSWER_BYTES } from '../timing.js'
import type { TokenRequest } from './request.js'

export interface TokenResponse {
  status: number
  /** Lower-case names, as Node gives them. */
  headers: Record<string, string | string[] | undefined>
  body: string
}

/**
 * Why a POST got no answer to read. `neverSent`: the connection was never made (refused, unknown host), so
 * the server cannot have seen the grant. Anything else (reset, timeout, an answer cut short or too large)
 * may have followed a grant the server processed.
 */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly neverSent: boolean
  ) {
    super(message)
    this.name = 'TransportError'
  }
}

/** Sends the grant; resolves with the answer, or rejects with a `TransportError`. Aborted by `signal`. */
export type PostToken = (request: TokenRequest, signal: AbortSignal) => Promise<TokenResponse>

/** Connection failures that happen before a single byte of the request is out. */
const NEVER_SENT = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH)\b/

/** URL credentials (a proxy's `user:password@`) cut out of a transport error's text. */
const USERINFO = /(\/\/)[^/@\s]+@/g

/**
 * The grant as one POST over `@actions/http-client`, which honours the runner's proxy settings
 * (HTTPS_PROXY, HTTP_PROXY, NO_PROXY). Its own retries and redirects stay off: whether to send the grant
 * again is the grant's decision, and a redirected grant would hand the refresh token to another host. Each
 * POST gets a fresh client, so it never lands on a connection the server already closed.
 */
export function createTokenPoster(userAgent: string): PostToken {
  return async (request, signal) => {
    const client = new HttpClient(userAgent, undefined, {
      allowRetries: false,
      allowRedirects: false,
      keepAlive: false
    })
    const answer = client
      .request('POST', request.url, request.body, request.headers)
      .then(async (response) => ({
        status: response.message.statusCode ?? 0,
        headers: response.message.headers,
        // Not readBody(): it never settles when the answer is cut off (it waits for an 'end' that never comes).
        body: await boundedText(response.message)
      }))
    const aborted = new Promise<never>((_, reject) => {
      const stop = () => reject(new TransportError('no answer within the answer window', false))
      if (signal.aborted) stop()
      else signal.addEventListener('abort', stop, { once: true })
    })
    try {
      return await Promise.race([answer, aborted])
    } catch (error) {
      if (error instanceof TransportError) throw error
      const text = (error instanceof Error ? error.message : String(error)).replace(USERINFO, '$1***@')
      const code = (error as NodeJS.ErrnoException | undefined)?.code ?? ''
      throw new TransportError(text, NEVER_SENT.test(`${code} ${text}`))
    } finally {
      answer.catch(() => undefined) // a late failure of the request the deadline already settled
      client.dispose()
    }
  }
}

async function boundedText(
  stream: AsyncIterable<Buffer> & { destroy(): void; complete?: boolean }
): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    size += chunk.length
    if (size > MAX_ANSWER_BYTES) {
      stream.destroy()
      throw new TransportError(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`, false)
    }
    chunks.push(chunk)
  }
  // An answer whose connection closed before its declared length arrived is cut short, not complete.
  if (stream.complete === false) throw new TransportError('the answer was cut short', false)
  return Buffer.concat(chunks).toString('utf8')
}
