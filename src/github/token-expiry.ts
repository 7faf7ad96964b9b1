/**
 * GitHub tells a client when the token it used expires, in the `github-authentication-token-expiration`
 * header of every answer to an expiring token (a personal access token with an expiry), as
 * `2026-12-31 12:00:00 UTC`. A token that does not expire, or an installation token, gets no such header.
 */
export const TOKEN_EXPIRATION_HEADER = 'github-authentication-token-expiration'

/** The header's time, or undefined when it is absent or unreadable. */
export function parseTokenExpiration(value: string | undefined): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)\s*(UTC|Z|[+-]\d{2}:?\d{2})?$/i.exec(
    value?.trim() ?? ''
  )
  if (!match) return undefined
  const zone = !match[3] || /^(utc|z)$/i.test(match[3]) ? 'Z' : match[3]
  const at = new Date(`${match[1]}T${match[2]}${zone}`)
  return Number.isNaN(at.getTime()) ? undefined : at
}

/** The last days before expiry: an error-level annotation, so the run's page shows it in red. */
export const URGENT_DAYS = 3

export interface ExpiryNotice {
  level: 'warning' | 'error'
  message: string
}

/**
 * What a person should hear about the writer token's expiry: nothing while it has more than `warnDays`
 * left, a warning within them, an error-level annotation in the last three days (the run itself still
 * succeeds: the token works today).
 */
export function writerTokenNotice(
  expiresAt: Date,
  now: Date,
  warnDays: number,
  secretName: string
): ExpiryNotice | undefined {
  const daysLeft = (expiresAt.getTime() - now.getTime()) / 86_400_000
  if (daysLeft > warnDays && daysLeft > URGENT_DAYS) return undefined
  const left =
    daysLeft < 1 ? `${Math.max(0, Math.floor(daysLeft * 24))} hours` : `${Math.floor(daysLeft)} days`
  const message =
    `The writer token (the secret ${secretName}) expires at ${expiresAt.toISOString()}, in ${left}. When it ` +
    'expires, rotation stops and the access token dies an hour later. Renew it now ' +
    '(https://github.com/settings/personal-access-tokens, "Regenerate token") and store the new one with ' +
    `\`gh secret set ${secretName}\`, or use a GitHub App installation token, which does not expire with a person.`
  return { level: daysLeft <= URGENT_DAYS ? 'error' : 'warning', message }
}
