import { z } from 'zod'
import { parseDuration } from '../duration.js'
import { say } from '../messages.js'
import { parseStoredExpiry, type Expiry } from '../oauth/expiry.js'

/** What a consumer's gate needs to know: whether the stored access token lives long enough, and when it ends. */
export interface CheckResult {
  healthy: boolean
  expiry: Expiry | undefined
  message: string
}

/** A duration input: empty is 0; up to 30 days. */
const duration = z.string().transform((text, ctx) => {
  if (text === '') return 0
  const ms = parseDuration(text)
  if (ms === undefined || ms > 30 * 86_400_000) {
    ctx.addIssue({ code: 'custom', message: say.check.badDuration })
    return z.NEVER
  }
  return ms
})

const checkInputs = z.object({
  'expires-at': z.string(),
  'valid-for': duration,
  /**
   * The rotation's `skip-if-valid-for`. Each exchange revokes the access token before it (Hydra does), and the
   * next rotation comes once the token has less than this left: the job can count on it only until then.
   */
  'rotation-skip-if-valid-for': duration.optional()
})

export type CheckInputs = z.input<typeof checkInputs>

/**
 * The check: the expiry the rotation stored (the expiry variable, passed in as `expires-at`) against now,
 * the life a job needs (`valid-for`), and the life the next rotation takes away (it revokes the token once
 * it has `rotation-skip-if-valid-for` left). No token is needed and no request is made. Pure.
 */
export function check(inputs: CheckInputs, now: Date): CheckResult {
  const parsed = checkInputs.safeParse(inputs)
  if (!parsed.success) {
    const input = String(parsed.error.issues[0]?.path[0] ?? 'valid-for')
    return { healthy: false, expiry: undefined, message: `Input "${input}" ${say.check.badDuration}.` }
  }
  const { 'valid-for': needed, 'rotation-skip-if-valid-for': margin = 0 } = parsed.data
  const expiry = parseStoredExpiry(parsed.data['expires-at'], now)
  if (!expiry) return { healthy: false, expiry, message: say.check.missing }
  const left = expiry.expiresAt.getTime() - now.getTime()
  if (left < needed) return { healthy: false, expiry, message: say.check.tooShort(expiry, needed) }
  if (left - margin < needed)
    return { healthy: false, expiry, message: say.check.rotationDue(expiry, needed, margin, left - margin) }
  return { healthy: true, expiry, message: say.check.healthy(expiry) }
}
