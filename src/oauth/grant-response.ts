import { z } from 'zod'
import { MAX_TOKEN_LIFETIME_SECONDS } from './expiry.js'

/** What a successful refresh grant must answer (RFC 6749 §5.1). Hydra sends `token_type: bearer`. */
export const tokenSetSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().refine((type) => type.toLowerCase() === 'bearer', { error: 'is not bearer' }),
  // Bounded: a lifetime beyond ten years is a server bug, and would make an expiry no date can hold.
  // A numeric string or a fraction is read as whole seconds, rather than costing a rotation.
  expires_in: z
    .union([
      z.number(),
      z
        .string()
        .regex(/^\d+(\.\d+)?$/)
        .transform(Number)
    ])
    .pipe(z.number().min(1).max(MAX_TOKEN_LIFETIME_SECONDS, { error: 'is more than ten years' }))
    .transform(Math.floor)
    .optional(),
  refresh_token: z.string().min(1).optional(),
  id_token: z.string().min(1).optional(),
  scope: z.string().optional()
})

export type TokenSet = z.output<typeof tokenSetSchema>

const oauthErrorSchema = z.object({
  error: z.string(),
  error_description: z.string().optional()
})

/** OAuth error codes that say the server is struggling, whatever the status: retrying may help. */
const TRANSIENT_OAUTH_ERRORS: ReadonlySet<string> = new Set(['temporarily_unavailable', 'server_error'])

/** OAuth error codes that say the refresh token or the client is no longer accepted: retrying cannot help. */
export const TERMINAL_OAUTH_ERRORS: ReadonlySet<string> = new Set([
  'invalid_grant',
  'invalid_client',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'scope_not_granted'
])

/** `reason` is one line for a person: never the body, only the status and the OAuth error fields. */
export type GrantOutcome =
  | { ok: true; tokens: TokenSet }
  | {
      ok: false
      /** `processed`: a 2xx the server sent after processing the grant, which cannot be read. */
      kind: 'terminal' | 'transient' | 'concurrent' | 'processed'
      reason: string
      oauthError?: string
      retryAfterSeconds?: number
      /**
       * For a terminal answer: true when an OAuth error code says the token or client was refused; false
       * when the endpoint answered something else (a 404, a redirect, an unknown code): likely the wrong URL.
       */
      refusal?: boolean
    }
  | {
      ok: false
      kind: 'response'
      reason: string
      /** The server did rotate but the answer is unusable: this is the only copy of the new refresh token. */
      salvagedRefreshToken: string
    }

/**
 * Reads the token endpoint's answer. Every string field whose name ends in `token` is handed to `mask`
 * the moment the JSON is parsed, before validation or anything else can see it.
 */
export function readGrantResponse(
  status: number,
  body: string,
  headers: Record<string, string | string[] | undefined>,
  mask: (value: string) => void
): GrantOutcome {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    json = undefined
  }
  if (json && typeof json === 'object') maskTokens(json as Record<string, unknown>, mask)

  if (status >= 200 && status < 300) {
    const parsed = tokenSetSchema.safeParse(json)
    if (parsed.success) return { ok: true, tokens: parsed.data }
    if (json === undefined) {
      return {
        ok: false,
        kind: 'processed',
        reason: `the token endpoint answered ${status} with a body that is not JSON`
      }
    }
    const refresh = (json as { refresh_token?: unknown }).refresh_token
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'} ${issue.message}`)
    const reason = `the token endpoint answered ${status} with an unusable token response (${problems.join('; ')})`
    return typeof refresh === 'string' && refresh.length > 0
      ? { ok: false, kind: 'response', reason, salvagedRefreshToken: refresh }
      : { ok: false, kind: 'processed', reason }
  }
  return classifyFailure(status, json, headers)
}

function maskTokens(json: Record<string, unknown>, mask: (value: string) => void): void {
  for (const [key, value] of Object.entries(json)) {
    if (/token$/i.test(key) && typeof value === 'string' && value.length > 0) mask(value)
  }
}

function classifyFailure(
  status: number,
  json: unknown,
  headers: Record<string, string | string[] | undefined>
): GrantOutcome {
  const oauth = oauthErrorSchema.safeParse(json)
  const error = oauth.success ? oauth.data.error : undefined
  const description = oauth.success ? oauth.data.error_description : undefined
  const reason = `the token endpoint answered ${status}${error ? ` ${error}` : ''}${description ? `: ${oneLine(description)}` : ''}`

  // By status first: a server that is busy or failing may answer differently later, whatever its body says.
  if (status === 408 || status === 429 || status >= 500 || (error && TRANSIENT_OAUTH_ERRORS.has(error))) {
    return { ok: false, kind: 'transient', reason, oauthError: error, retryAfterSeconds: retryAfter(headers) }
  }
  // Hydra refuses a token that another request is spending at this moment. Presenting it again would
  // be a reuse and revoke the family; the other run owns the rotation.
  if (error === 'invalid_request' && description && /concurrent/i.test(description)) {
    return { ok: false, kind: 'concurrent', reason, oauthError: error }
  }
  // Any other refusal is final: the same request would get the same answer.
  return {
    ok: false,
    kind: 'terminal',
    reason,
    oauthError: error,
    refusal: TERMINAL_OAUTH_ERRORS.has(error ?? '')
  }
}

/** `Retry-After` as seconds: either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfter(
  headers: Record<string, string | string[] | undefined>,
  now: Date = new Date()
): number | undefined {
  const raw = headers['retry-after']
  const value = Array.isArray(raw) ? raw[0] : raw
  if (!value) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim())
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now.getTime()) / 1000))
}

/** Server text goes into one log line, bounded, with no control characters that could forge a workflow command. */
function oneLine(text: string): string {
  const cleaned = text.replace(/\p{Cc}+/gu, ' ').trim()
  return cleaned.length > 300 ? `${cleaned.slice(0, 300)}…` : cleaned
}
