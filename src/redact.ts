/**
 * Debug output, safe to print: JWTs, known token prefixes and long opaque strings are replaced.
 * This is defence in depth behind `core.setSecret`, which only the runner applies: a local run, or a
 * token the action never saw whole, is still covered.
 */
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g
const PREFIXED = /\b(ory_(?:at|rt|ac)_|gh[opsur]_|github_pat_)[A-Za-z0-9_.~+/=-]+/g
const OPAQUE = /[A-Za-z0-9_~-]{32,}(?:\.[A-Za-z0-9_~-]+)*=*/g
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const SECRET_PARAMS = /((?:access_token|refresh_token|id_token|client_secret|code|password)=)[^&\s"]+/gi

export function redact(text: string): string {
  return (
    text
      .replace(SECRET_PARAMS, '$1***')
      .replace(JWT, '***')
      .replace(PREFIXED, '$1***')
      // A long run with both letters and digits looks like a token; a UUID (a public client id) or a
      // long NAME_IN_CAPITALS does not.
      .replace(OPAQUE, (run) => (UUID.test(run) || !/\d/.test(run) || !/[A-Za-z]/.test(run) ? run : '***'))
  )
}
