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

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']

/** `user:password@` in a URL, as a proxy variable may carry it. */
const USERINFO = /(\/\/)[^/@\s]+@/g

/**
 * The same error with any URL credentials cut out of its message: proxy errors may quote the proxy's URL
 * as it was given. The code (ECONNREFUSED and the like) is kept, since the decisions read it.
 */
export function withoutCredentials(error: unknown): Error {
  const original = error instanceof Error ? error : new Error(String(error))
  const message = original.message.replace(USERINFO, '$1***@')
  if (message === original.message) return original
  const cleaned = new Error(message)
  cleaned.name = original.name
  return Object.assign(cleaned, { code: (original as NodeJS.ErrnoException).code })
}

/** The passwords (and user names) in the proxy variables: masked at start, so no log line can show them. */
export function proxyCredentials(env: NodeJS.ProcessEnv): string[] {
  const found = new Set<string>()
  for (const name of PROXY_VARIABLES) {
    const value = env[name]
    if (!value) continue
    for (const url of proxyReadings(value)) {
      for (const part of [url.password, url.username]) {
        if (part) found.add(part).add(decoded(part))
      }
    }
  }
  return [...found]
}

/** Percent-decoded, or as it is when it is not valid percent-encoding (`50%off`). */
function decoded(part: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    return part
  }
}

/**
 * Every URL a proxy variable may be read as: as written, and with `http://` in front when it has no http(s)
 * scheme (`user:pw@host:port` parses as a URL whose scheme is `user:`). Masking both readings covers
 * whichever one an HTTP stack takes.
 */
function proxyReadings(value: string): URL[] {
  const readings: URL[] = []
  for (const text of [value, `http://${value}`]) {
    try {
      readings.push(new URL(text))
    } catch {
      // not a URL this way
    }
    if (/^https?:\/\//i.test(value)) break
  }
  return readings
}
