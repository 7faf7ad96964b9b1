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

const checkInputs = z.object({
  'expires-at': z.string(),
  'valid-for': z.string().transform((text, ctx) => {
    const ms = parseDuration(text)
    if (ms === undefined || ms > 30 * 86_400_000) {
      ctx.addIssue({ code: 'custom', message: say.check.badDuration })
      return z.NEVER
    }
    return ms
  })
})

export type CheckInputs = z.input<typeof checkInputs>

/**
 * The check: the expiry the rotation stored (the expiry variable, passed in as `expires-at`) against now
 * and the life a job needs (`valid-for`). No token is needed and no request is made. Pure.
 */
export function check(inputs: CheckInputs, now: Date): CheckResult {
  const parsed = checkInputs.safeParse(inputs)
  if (!parsed.success)
    return { healthy: false, expiry: undefined, message: `Input "valid-for" ${say.check.badDuration}.` }
  const expiry = parseStoredExpiry(parsed.data['expires-at'], now)
  if (!expiry) return { healthy: false, expiry, message: say.check.missing }
  const left = expiry.expiresAt.getTime() - now.getTime()
  return left >= parsed.data['valid-for']
    ? { healthy: true, expiry, message: say.check.healthy(expiry) }
    : { healthy: false, expiry, message: say.check.tooShort(expiry, parsed.data['valid-for']) }
}
