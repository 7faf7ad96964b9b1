import { z } from 'zod'

/**
 * A claim is a repository variable named after a refresh token's fingerprint. Creating it is the only
 * compare-and-set GitHub offers here (a second create answers 409), so the run that creates it is the one
 * that presents the token. Its value says what became of the presentation:
 * - `claimed`: the holder may be presenting it, until `until` (it stops acting by then, whatever happens);
 * - `unknown`: the grant was sent at `sentAt` and no readable answer came: held until `until`;
 * - `received`: the holder received the successor (`next`) and is storing it, or could not;
 * - `stored`: the successor was stored in the refresh-token secret;
 * - `refused`: presented once more after an unknown outcome, and refused: the first had rotated it;
 * - `reserved`: made by the run storing this token (its predecessor's run), before it writes it: no run
 *   presents it while that run may still be writing it or the access token and expiry that come with it, so
 *   a late attempt of those writes cannot land over a newer rotation's. Not a presentation: once its holder
 *   is done, it is taken over without counting one.
 * - `released`: given back by a holder that never presented it (written before the claim's one DELETE, which
 *   is never sent twice, and kept when a write to it went unsettled): taken over without counting a
 *   presentation once that DELETE can no longer land (RELEASE_SETTLE_MS after its last update).
 * `presentations` counts the earlier presentations whose outcome was unknown (0 or 1): a token is presented
 * once more at most after one of those.
 */
export const CLAIM_STATES = [
  'claimed',
  'unknown',
  'received',
  'stored',
  'refused',
  'reserved',
  'released'
] as const
export type ClaimState = (typeof CLAIM_STATES)[number]

const instant = z.iso.datetime({ offset: true })

export const claimValueSchema = z.object({
  v: z.literal(1),
  state: z.enum(CLAIM_STATES),
  /** Who holds it: the workflow run, for a person reading the variable. */
  holder: z.string(),
  /** The holder's own mark, so it knows its claim when the answer to its create was lost. */
  nonce: z.string(),
  at: instant,
  until: instant,
  presentations: z.number().int().min(0).max(1),
  sentAt: instant.optional(),
  next: z.string().optional(),
  /** The holder had a recovery key: when it went silent, it may have handed the successor to a person. */
  recovery: z.boolean().optional(),
  /** Written at the runner's last signal: an answer may still have come after it. */
  cancelled: z.boolean().optional()
})

export type ClaimValue = z.output<typeof claimValueSchema>

/** The value as stored: compact JSON, read by people too. */
export function encodeClaim(value: ClaimValue): string {
  return JSON.stringify(value)
}

/** Undefined when the text is not a claim this action wrote (edited by hand, or another tool's variable). */
export function decodeClaim(text: string): ClaimValue | undefined {
  try {
    const parsed = claimValueSchema.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

/**
 * Generation 1 is the token's first claim; a takeover (after an unknown outcome, a silent holder, or a claim
 * given back and kept) creates the next one. Presentations are bounded apart (once more at most); this bounds
 * the claims a token can leave. A claim given back and kept while GitHub fails takes one generation about
 * every quarter hour: thirty last through a seven-hour outage before a person is asked to clear them.
 */
export const MAX_GENERATIONS = 30

/**
 * Keyed by the token alone: the same token rotated by two setups (two environments, two secret names)
 * meets the same claim, which is the point.
 */
export const CLAIM_PREFIX = 'WIZARD_CLAIM_'

export function claimName(fingerprint: string, generation: number): string {
  return generation === 1 ? `${CLAIM_PREFIX}${fingerprint}` : `${CLAIM_PREFIX}${fingerprint}_${generation}`
}

/** The fingerprint a claim's name carries, or undefined for any other variable. */
export function claimFingerprint(name: string): string | undefined {
  return new RegExp(`^${CLAIM_PREFIX}([0-9A-F]{16})(?:_\\d{1,2})?$`).exec(name)?.[1]
}
