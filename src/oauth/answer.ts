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
  error_description: z.string().optional(),
  error_hint: z.string().optional()
})

/**
 * Hydra (fosite) refuses a refresh token that another request is refreshing at this moment with
 * `invalid_request`, saying so in the description or, with legacy error fields on, in `error_hint`:
 * "Failed to refresh token because of multiple concurrent requests using the same token which is not
 * allowed." (fosite handler/oauth2/flow_refresh.go), or, in newer releases, "Failed to refresh token. Please
 * retry the request." Another request may have spent the token.
 */
const CONCURRENT_REFRESH = /multiple concurrent requests|failed to refresh token\. please retry/i

/** The token endpoint's answer, sorted by what it means for the refresh token. `reason` never holds a body. */
export type GrantAnswer =
  | { kind: 'tokens'; tokens: TokenSet }
  /** A 2xx that cannot be used, but carries a new refresh token: the server rotated, keep that token. */
  | { kind: 'salvage'; refreshToken: string; reason: string }
  /** The server may have processed the grant, and its answer cannot tell: a 5xx, or an unreadable 2xx. */
  | { kind: 'ambiguous'; reason: string }
  /** Refused before processing (429, 408): may be sent again, after `retryAfterSeconds` when given. */
  | { kind: 'not-processed'; reason: string; retryAfterSeconds?: number }
  /** Another request is refreshing the same token right now. */
  | { kind: 'concurrent'; reason: string }
  /** A readable refusal: the token was not rotated. `oauthError` is undefined for an answer that is not OAuth at all. */
  | { kind: 'refused'; reason: string; oauthError?: string }

/**
 * Every string field whose name ends in `token` is handed to `mask` the moment the JSON is parsed, before
 * validation or anything else can see it.
 */
export function readGrantAnswer(
  status: number,
  body: string,
  headers: Record<string, string | string[] | undefined>,
  mask: (value: string) => void,
  now: number
): GrantAnswer {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    json = undefined
  }
  if (json && typeof json === 'object') {
    for (const [key, value] of Object.entries(json as Record<string, unknown>))
      if (/token$/i.test(key) && typeof value === 'string' && value.length > 0) mask(value)
  }

  if (status >= 200 && status < 300) {
    const parsed = tokenSetSchema.safeParse(json)
    if (parsed.success) return { kind: 'tokens', tokens: parsed.data }
    if (json === undefined || typeof json !== 'object')
      return {
        kind: 'ambiguous',
        reason: `the token endpoint answered ${status} with a body that is not JSON`
      }
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'} ${issue.message}`)
    const reason = `the token endpoint answered ${status} with an unusable token response (${problems.join('; ')})`
    const refresh = (json as { refresh_token?: unknown }).refresh_token
    return typeof refresh === 'string' && refresh.length > 0
      ? { kind: 'salvage', refreshToken: refresh, reason }
      : { kind: 'ambiguous', reason }
  }

  const oauth = oauthErrorSchema.safeParse(json)
  const error = oauth.success ? oauth.data.error : undefined
  const said = oauth.success
    ? [oauth.data.error_description, oauth.data.error_hint].filter(Boolean).join(' ')
    : ''
  const reason = `the token endpoint answered ${status}${error ? ` ${error}` : ''}${said ? `: ${oneLine(said)}` : ''}`
  if (status === 429 || status === 408)
    return { kind: 'not-processed', reason, retryAfterSeconds: retryAfter(headers, now) }
  // A gateway's 502/504, or a server failing after it rotated: whether it processed the grant is unknown.
  if (status >= 500) return { kind: 'ambiguous', reason }
  if (error === 'invalid_request' && CONCURRENT_REFRESH.test(said)) return { kind: 'concurrent', reason }
  return { kind: 'refused', reason, oauthError: error }
}

/** `Retry-After` as seconds: either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfter(
  headers: Record<string, string | string[] | undefined>,
  now: number
): number | undefined {
  const raw = headers['retry-after']
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim()
  if (!value) return undefined
  if (/^\d+$/.test(value)) return Number(value)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000))
}

/** Server text goes into one log line, bounded, with no control characters that could forge a workflow command. */
function oneLine(text: string): string {
  const cleaned = text.replace(/\p{Cc}+/gu, ' ').trim()
  return cleaned.length > 300 ? `${cleaned.slice(0, 300)}…` : cleaned
}
