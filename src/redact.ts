/**
 * No secret in any output, in any form. Every secret value the run knows (the inputs' refresh token, client
 * secret, writer token and job token, and every token the server answers with) is registered here the moment
 * it is known: masked with the runner (`setSecret`), and cut out of every text that leaves the process, as
 * it is and as it looks HTML-escaped, URL-encoded or JSON-escaped, forms the runner's exact-value masking
 * cannot catch (a job summary is HTML, an issue body is Markdown).
 */
export class Redactor {
  private readonly forms = new Set<string>()
  private pattern: RegExp | undefined

  add(value: string, mask?: (value: string) => void): void {
    if (value.length < 4) return // masking a tiny value would blank out ordinary words
    for (const form of transformedForms(value)) {
      if (this.forms.has(form)) continue
      this.forms.add(form)
      mask?.(form)
    }
    this.pattern = undefined
  }

  redact(text: string): string {
    if (this.forms.size === 0) return text
    this.pattern ??= new RegExp(
      [...this.forms]
        .sort((a, b) => b.length - a.length)
        .map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g'
    )
    return text.replace(this.pattern, '***')
  }
}

const HTML_NAMED: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;'
}

/** The value, and how it reads HTML-escaped (named and numeric), URL-encoded (both ways) and JSON-escaped. */
export function transformedForms(value: string): string[] {
  return [
    value,
    value.replace(/[&<>"']/g, (c) => HTML_NAMED[c] ?? c),
    value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`),
    encodeURIComponent(value),
    new URLSearchParams({ v: value }).toString().slice(2),
    JSON.stringify(value).slice(1, -1)
  ]
}

/**
 * Debug lines get one more pass, for what the run never saw whole (a token in a server's text): JWTs, known
 * token prefixes and the values of secret form fields. Defence in depth behind the exact values above.
 */
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g
const PREFIXED = /\b(ory_(?:at|rt|ac)_|gh[opsur]_|github_pat_)[A-Za-z0-9_.~+/=-]+/g
const SECRET_PARAMS = /((?:access_token|refresh_token|id_token|client_secret|password)=)[^&\s"]+/gi

export function redactPatterns(text: string): string {
  return text.replace(SECRET_PARAMS, '$1***').replace(JWT, '***').replace(PREFIXED, '$1***')
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']

/** The passwords (and user names) in the proxy variables, as written and percent-decoded. */
export function proxyCredentials(env: NodeJS.ProcessEnv): string[] {
  const found = new Set<string>()
  for (const name of PROXY_VARIABLES) {
    const value = env[name]
    if (!value) continue
    // `user:pw@host:port` without a scheme parses as a URL whose scheme is `user:`: read it both ways.
    for (const text of /^https?:\/\//i.test(value) ? [value] : [value, `http://${value}`]) {
      let url: URL
      try {
        url = new URL(text)
      } catch {
        continue
      }
      for (const part of [url.password, url.username]) {
        if (!part) continue
        found.add(part)
        try {
          found.add(decodeURIComponent(part))
        } catch {
          // not valid percent-encoding: as written only
        }
      }
    }
  }
  return [...found]
}
