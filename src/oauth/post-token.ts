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

/** A token answer is a few kilobytes; anything this large is not one, and is not read to the end. */
const MAX_ANSWER_BYTES = 1024 * 1024

async function boundedText(stream: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    size += chunk.length
    if (size > MAX_ANSWER_BYTES) {
      stream.destroy()
      throw new Error(`the token endpoint's answer is larger than ${MAX_ANSWER_BYTES} bytes`)
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** A grant whose answer did not come within the whole wait: whether the server processed it is unknown. */
export class AnswerTimeoutError extends Error {
  constructor(readonly waitedMs: number) {
    super(`no answer within ${Math.round(waitedMs / 1000)} s`)
    this.name = 'AnswerTimeoutError'
  }
}

export interface TokenPosterOptions {
  /** request-timeout: after this long without an answer, `onSlow` says so; the request is not abandoned. */
  timeoutMs: number
  /** How long an answer is awaited in all: a grant is never sent again while the first may be in process. */
  answerTimeoutMs: number
  userAgent: string
  onSlow?: (waitedMs: number) => void
}

/**
 * The grant as one POST over `@actions/http-client`, which honours the runner's proxy settings
 * (HTTPS_PROXY, HTTP_PROXY, NO_PROXY). Its own retries and redirects stay off: whether to send the grant
 * again is the exchange's decision, and a redirected grant would hand the refresh token to another host.
 * Each POST gets a fresh client, so a retry never lands on a connection the server already closed. A slow
 * answer is waited for, long past request-timeout, because sending the grant again while the first may
 * still be processed would present a spent token; only `answerTimeoutMs` ends the wait.
 */
export function createTokenPoster(options: TokenPosterOptions): PostToken {
  return async (request) => {
    const client = new HttpClient(options.userAgent, undefined, {
      allowRetries: false,
      allowRedirects: false,
      keepAlive: false,
      socketTimeout: options.answerTimeoutMs
    })
    const answer = client
      .request('POST', request.url, request.body, request.headers)
      .then(async (response) => ({
        status: response.message.statusCode ?? 0,
        headers: response.message.headers,
        // Not readBody(): it never settles when the answer is cut off (it waits for an 'end' that never comes).
        body: await boundedText(response.message)
      }))
    const slow = setTimeout(() => options.onSlow?.(options.timeoutMs), options.timeoutMs)
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new AnswerTimeoutError(options.answerTimeoutMs)),
        options.answerTimeoutMs
      )
    })
    try {
      return await Promise.race([answer, deadline])
    } catch (error) {
      throw withoutCredentials(error)
    } finally {
      clearTimeout(slow)
      clearTimeout(timer)
      answer.catch(() => undefined) // a late failure of the request the deadline already settled
      client.dispose()
    }
  }
}
