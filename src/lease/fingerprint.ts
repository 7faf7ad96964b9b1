import { createHash } from 'node:crypto'

/**
 * 64 bits of the token's SHA-256, in upper-case hex: enough to tell one refresh token from every other this
 * repository will ever hold, nothing that helps to guess it (the token is long and random), and spelled so
 * it can be part of a variable name (GitHub stores those in upper case).
 */
export function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16).toUpperCase()
}
