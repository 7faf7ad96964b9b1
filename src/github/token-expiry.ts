import { WRITER_TOKEN_URGENT_DAYS, WRITER_TOKEN_WARN_DAYS } from '../timing.js'

/** GitHub's `github-authentication-token-expiration` (`2026-12-31 12:00:00 UTC`), or undefined. */
export function parseTokenExpiration(value: string | undefined): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)\s*(UTC|Z|[+-]\d{2}:?\d{2})?$/i.exec(
    value?.trim() ?? ''
  )
  if (!match) return undefined
  const zone = !match[3] || /^(utc|z)$/i.test(match[3]) ? 'Z' : match[3]
  const at = new Date(`${match[1]}T${match[2]}${zone}`)
  return Number.isNaN(at.getTime()) ? undefined : at
}

/**
 * How loudly to speak of the writer token's expiry: nothing while more than two weeks are left, a warning
 * within them, an error-level annotation (and the alert issue) in the last three days. The run itself still
 * succeeds: the token works today.
 */
export function writerTokenLevel(expiresAt: Date, now: Date): 'warning' | 'error' | undefined {
  const daysLeft = (expiresAt.getTime() - now.getTime()) / 86_400_000
  if (daysLeft <= WRITER_TOKEN_URGENT_DAYS) return 'error'
  return daysLeft <= WRITER_TOKEN_WARN_DAYS ? 'warning' : undefined
}
