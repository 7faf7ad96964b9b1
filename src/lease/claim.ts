import { z } from 'zod'

/**
 * A claim is a repository variable named after a refresh token's fingerprint. Creating it is the only
 * compare-and-set GitHub offers here (a second create answers 409), so the run that creates it is the one
 * that presents the token. Its value says what became of the presentation:
 * - `claimed`: the holder may be presenting it, until `until` (it stops acting by then, whatever happens);
 * - `unknown`: the grant was sent at `sentAt` and no readable answer came: held until `until`;
 * - `received`: the holder received the successor (`next`) and is storing it, or could not;
 * - `stored`: the successor was stored in the refresh-token secret;
 * - `refused`: presented once more after an unknown outcome, and refused: the first had rotated it.
 * `presentations` counts the earlier presentations whose outcome was unknown (0 or 1): a token is presented
 * once more at most after one of those.
 */
export const CLAIM_STATES = ['claimed', 'unknown', 'received', 'stored', 'refused'] as const
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
  next: z.string().optional()
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

/** Generation 1 is the token's first claim; a takeover after an unknown outcome creates the next one. */
export const MAX_GENERATIONS = 3

export function claimName(prefix: string, fingerprint: string, generation: number): string {
  return generation === 1 ? `${prefix}_CLAIM_${fingerprint}` : `${prefix}_CLAIM_${fingerprint}_${generation}`
}
