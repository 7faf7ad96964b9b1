import { z } from 'zod'
import { parseDuration } from './duration.js'
import { ActionError } from '../errors.js'
import { ZONES, ZONE_NAMES } from './zones.js'

// Each schema parses once per run: compiling zod's fast path (new Function) costs more than it saves.
z.config({ jitless: true })

/** Names of every input in action.yml, kebab-case, exactly as a workflow writes them. */
export const INPUT_NAMES = [
  'refresh-token',
  'zone',
  'token-url',
  'client-id',
  'client-secret',
  'scope',
  'github-token',
  'repository',
  'environment',
  'access-token-secret',
  'refresh-token-secret',
  'expires-at-secret',
  'id-token-secret',
  'expires-at',
  'expires-at-variable',
  'skip-if-valid-for',
  'dry-run',
  'max-attempts',
  'request-timeout',
  'write-check-secret',
  'github-api-url',
  'retry-delay',
  'refresh-token-write-timeout',
  'lock-variable',
  'writer-token-secret',
  'writer-token-warn-days',
  'check-valid-for',
  'recovery-public-key',
  'alert-issue',
  'keep-alive',
  'workflow-token'
] as const

export type InputName = (typeof INPUT_NAMES)[number]

/**
 * Inputs as the runner hands them over: `undefined` when the variable is absent (a local run without
 * action.yml's defaults), a trimmed string otherwise. The difference matters for `expires-at-secret`,
 * whose empty value means "do not write the expiry".
 */
export type RawInputs = Partial<Record<InputName, string>>

export const DEFAULT_SECRET_NAMES = {
  accessToken: 'WIZARD_OAUTH_TOKEN',
  refreshToken: 'WIZARD_REFRESH_TOKEN',
  expiresAt: 'WIZARD_EXPIRES_AT',
  writeCheck: 'WIZARD_WRITE_CHECK',
  writerToken: 'WIZARD_SECRET_REFRESH_PAT'
} as const

export const DEFAULT_LOCK_VARIABLE = 'WIZARD_ROTATION_LOCK'
export const DEFAULT_REFRESH_TOKEN_WRITE_TIMEOUT_MS = 10 * 60_000
export const DEFAULT_WRITER_TOKEN_WARN_DAYS = 14

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com'
export const DEFAULT_MAX_ATTEMPTS = 4
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000
export const DEFAULT_RETRY_DELAY_MS = 1000

/** Inputs whose values must never appear in an error message. */
export const SECRET_INPUT_NAMES: readonly InputName[] = [
  'refresh-token',
  'client-secret',
  'github-token',
  'workflow-token'
]

const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i

const secretName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
    error: 'must contain only letters, digits and underscores, and must not start with a digit'
  })
  .refine((name) => !/^GITHUB_/i.test(name), { error: 'must not start with GITHUB_ (GitHub reserves it)' })

/** https:, or http: to a loopback host (a local server in a test or a demo); never credentials in the URL. */
const serviceUrl = (example: string) =>
  z.string().superRefine((value, ctx) => {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `must be an absolute URL such as ${example}`
      })
      return
    }
    const loopbackHttp = url.protocol === 'http:' && LOOPBACK_HOSTS.test(url.hostname)
    if (url.protocol !== 'https:' && !loopbackHttp) {
      ctx.addIssue({
        code: 'custom',
        message: 'must use https: (http: is allowed only for a loopback host: localhost, 127.0.0.0/8, [::1])'
      })
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'must not carry credentials' })
    }
  })

const duration = (min: string, max: string) => {
  const [minMs = 0, maxMs = 0] = [parseDuration(min), parseDuration(max)]
  return z.string().transform((text, ctx) => {
    const ms = parseDuration(text)
    if (ms === undefined || ms < minMs || ms > maxMs) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a duration from ${min} to ${max}, such as 30s, 15m or 1h`
      })
      return z.NEVER
    }
    return ms
  })
}

const flag = z
  .enum(['true', 'True', 'TRUE', 'false', 'False', 'FALSE'], { error: 'must be true or false' })
  .transform((value) => value.toLowerCase() === 'true')
  .default(false)

/**
 * The one schema every input passes through. Empty strings are treated as "not given" (a workflow
 * expression such as `${{ vars.WIZARD_ZONE }}` is empty when the variable is unset), except for
 * `expires-at-secret`, where empty explicitly turns the expiry secret off.
 */
export const inputSchema = z
  .object({
    'refresh-token': z.string().optional(),
    zone: z
      .string()
      .transform((zone) => zone.toLowerCase())
      .pipe(z.enum(ZONE_NAMES, { error: `must be one of: ${ZONE_NAMES.join(', ')}` }))
      .default('us'),
    'token-url': serviceUrl('https://auth.example.com/oauth2/token').optional(),
    'client-id': z.string().optional(),
    'client-secret': z.string().optional(),
    scope: z.string().optional(),
    'github-token': z.string().optional(),
    repository: z
      .string({
        error: 'is required: owner/name, or run inside GitHub Actions where GITHUB_REPOSITORY is set'
      })
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, { error: 'must be owner/name' }),
    environment: z
      .string()
      .max(255, { error: 'must be at most 255 characters' })
      .regex(/^\P{Cc}+$/u, { error: 'must not contain control characters' })
      .optional(),
    'access-token-secret': secretName.default(DEFAULT_SECRET_NAMES.accessToken),
    'refresh-token-secret': secretName.default(DEFAULT_SECRET_NAMES.refreshToken),
    'expires-at-secret': z.union([z.literal(''), secretName]).default(DEFAULT_SECRET_NAMES.expiresAt),
    'id-token-secret': secretName.optional(),
    'expires-at': z
      .string()
      .refine((text) => !Number.isNaN(Date.parse(text)), {
        error: 'must be an ISO-8601 time, such as ${{ vars.WIZARD_EXPIRES_AT }}'
      })
      .optional(),
    'expires-at-variable': secretName.optional(),
    'skip-if-valid-for': duration('0s', '30d').optional(),
    'dry-run': flag,
    'max-attempts': z
      .string()
      .regex(/^\d+$/, { error: 'must be a whole number from 1 to 10' })
      .transform(Number)
      .pipe(
        z
          .number()
          .min(1, { error: 'must be a whole number from 1 to 10' })
          .max(10, { error: 'must be a whole number from 1 to 10' })
      )
      .default(DEFAULT_MAX_ATTEMPTS),
    'request-timeout': duration('1s', '5m').default(DEFAULT_REQUEST_TIMEOUT_MS),
    'write-check-secret': z.union([z.literal(''), secretName]).default(DEFAULT_SECRET_NAMES.writeCheck),
    'github-api-url': serviceUrl('https://github.example.com/api/v3').optional(),
    'retry-delay': duration('10ms', '1m').default(DEFAULT_RETRY_DELAY_MS),
    'refresh-token-write-timeout': duration('1s', '6h').default(DEFAULT_REFRESH_TOKEN_WRITE_TIMEOUT_MS),
    'lock-variable': z.union([z.literal(''), secretName]).default(DEFAULT_LOCK_VARIABLE),
    'writer-token-secret': secretName.default(DEFAULT_SECRET_NAMES.writerToken),
    'writer-token-warn-days': z
      .string()
      .regex(/^\d+$/, { error: 'must be a whole number of days from 0 to 365' })
      .transform(Number)
      .pipe(z.number().max(365, { error: 'must be a whole number of days from 0 to 365' }))
      .default(DEFAULT_WRITER_TOKEN_WARN_DAYS),
    'check-valid-for': duration('0s', '30d').optional(),
    'recovery-public-key': z
      .string()
      .refine((key) => /^[A-Za-z0-9+/]{43}=$/.test(key) || /^[A-Za-z0-9_-]{43}$/.test(key), {
        error: 'must be a base64 X25519 public key (32 bytes), as `npm run recovery-key` prints it'
      })
      // One spelling for the sealed box: standard base64 with its padding.
      .transform((key) => (key.endsWith('=') ? key : `${key.replace(/-/g, '+').replace(/_/g, '/')}=`))
      .optional(),
    'alert-issue': flag,
    'keep-alive': flag,
    'workflow-token': z.string().optional()
  })
  .transform((input) => {
    const zone = ZONES[input.zone]
    const [owner = '', repo = ''] = input.repository.split('/')
    return {
      refreshToken: input['refresh-token'] ?? '',
      zone: input.zone,
      tokenUrl: input['token-url'] ?? zone.tokenUrl,
      explicitTokenUrl: input['token-url'] !== undefined,
      clientId: input['client-id'] ?? zone.clientId,
      clientSecret: input['client-secret'],
      scope: input.scope,
      githubToken: input['github-token'] ?? '',
      githubApiUrl: (input['github-api-url'] ?? DEFAULT_GITHUB_API_URL).replace(/\/+$/, ''),
      target: { repository: input.repository, owner, repo, environment: input.environment },
      secretNames: {
        refreshToken: input['refresh-token-secret'],
        accessToken: input['access-token-secret'],
        idToken: input['id-token-secret'],
        expiresAt: input['expires-at-secret'] || undefined,
        writeCheck: input['write-check-secret'] || undefined
      },
      expiresAtSeen: input['expires-at'] ?? '',
      expiresAtVariable: input['expires-at-variable'],
      skipIfValidForMs: input['skip-if-valid-for'],
      dryRun: input['dry-run'],
      maxAttempts: input['max-attempts'],
      requestTimeoutMs: input['request-timeout'],
      retryDelayMs: input['retry-delay'],
      refreshTokenWriteTimeoutMs: input['refresh-token-write-timeout'],
      // Variables belong to the repository: each environment's token gets a lock of its own.
      lockVariable: input['lock-variable']
        ? input['lock-variable'] +
          (input.environment ? `_${input.environment.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}` : '')
        : undefined,
      writerTokenSecret: input['writer-token-secret'],
      writerTokenWarnDays: input['writer-token-warn-days'],
      checkValidForMs: input['check-valid-for'],
      recoveryPublicKey: input['recovery-public-key'],
      alertIssue: input['alert-issue'],
      keepAlive: input['keep-alive'],
      workflowToken: input['workflow-token']
    }
  })
  .superRefine((config, ctx) => {
    const rotating = config.checkValidForMs === undefined
    if (rotating && !config.refreshToken) {
      ctx.addIssue({
        code: 'custom',
        path: ['refresh-token'],
        message: 'is required: pass the stored refresh token, e.g. ${{ secrets.WIZARD_REFRESH_TOKEN }}'
      })
    }
    const checkReadsVariable = !rotating && !config.expiresAtSeen
    if ((rotating || checkReadsVariable) && !config.githubToken) {
      ctx.addIssue({
        code: 'custom',
        path: ['github-token'],
        message: rotating
          ? 'is required: pass a token that can write secrets on the target repository (a fine-grained PAT or a GitHub App token; the default GITHUB_TOKEN cannot)'
          : 'is required to read expires-at-variable: or pass expires-at: ${{ vars.WIZARD_EXPIRES_AT }} instead'
      })
    }
    if (checkReadsVariable && !config.expiresAtVariable) {
      ctx.addIssue({
        code: 'custom',
        path: ['check-valid-for'],
        message:
          'needs the expiry to check: pass expires-at (e.g. ${{ vars.WIZARD_EXPIRES_AT }}) or expires-at-variable'
      })
    }
    if ((config.alertIssue || config.keepAlive) && !config.workflowToken) {
      ctx.addIssue({
        code: 'custom',
        path: ['workflow-token'],
        message:
          'is required by alert-issue and keep-alive: pass ${{ github.token }} (the default in action.yml) with ' +
          'permissions issues: write (alert-issue) and actions: write (keep-alive)'
      })
    }
    // Two values written to one name would silently overwrite each other (the refresh token, say).
    const seen = new Map<string, string>()
    const named: [string, string | undefined][] = [
      ['refresh-token-secret', config.secretNames.refreshToken],
      ['access-token-secret', config.secretNames.accessToken],
      ['id-token-secret', config.secretNames.idToken],
      ['expires-at-secret', config.secretNames.expiresAt],
      ['write-check-secret', config.secretNames.writeCheck]
    ]
    for (const [input, name] of named) {
      if (!name) continue
      const other = seen.get(name.toUpperCase())
      if (other) {
        ctx.addIssue({
          code: 'custom',
          path: [input],
          message: `names the same secret as ${other} (${name})`
        })
      }
      seen.set(name.toUpperCase(), input)
    }
    // The lock is created and deleted by every run: sharing a name with the expiry variable would erase it.
    if (
      config.lockVariable &&
      config.lockVariable.toUpperCase() === config.expiresAtVariable?.toUpperCase()
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['lock-variable'],
        message: `names the same variable as expires-at-variable (${config.lockVariable})`
      })
    }
  })

/** The workflow this run belongs to (from GITHUB_WORKFLOW_REF), for recovery commands that name it. */
export interface WorkflowRef {
  /** owner/name of the repository the workflow file lives in (a reusable workflow's caller, or this one). */
  repository: string
  /** The file name under .github/workflows/, which `gh workflow run` takes. */
  file: string
}

export type Config = z.output<typeof inputSchema> & { workflow: WorkflowRef | undefined }
export type Target = Config['target']
export type SecretNames = Config['secretNames']

/** Inputs whose empty value turns a write off, rather than meaning "not given". */
const EMPTY_MEANS_OFF: ReadonlySet<InputName> = new Set([
  'expires-at-secret',
  'write-check-secret',
  'lock-variable'
])

/** Empty strings mean "not given", except where the schema gives empty a meaning of its own. */
function normalize(raw: RawInputs): Record<string, string | undefined> {
  const normalized: Record<string, string | undefined> = {}
  for (const name of INPUT_NAMES) {
    const value = raw[name]?.trim()
    normalized[name] = value === '' && !EMPTY_MEANS_OFF.has(name) ? undefined : value
  }
  return normalized
}

/** `owner/name/.github/workflows/file.yml@ref`, as the runner sets GITHUB_WORKFLOW_REF. */
export function parseWorkflowRef(ref: string | undefined): WorkflowRef | undefined {
  const match = /^([^/\s]+\/[^/\s]+)\/\.github\/workflows\/([^@\s]+)@/.exec(ref ?? '')
  return match?.[1] && match[2] ? { repository: match[1], file: match[2] } : undefined
}

/** Parses every input at once and reports every problem at once, naming each input. */
export function parseInputs(raw: RawInputs, context: { workflowRef?: string } = {}): Config {
  const result = inputSchema.safeParse(normalize(raw))
  if (result.success) return { ...result.data, workflow: parseWorkflowRef(context.workflowRef) }
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'inputs') as InputName
    const value = raw[name]
    const shown =
      value === undefined || value === '' || SECRET_INPUT_NAMES.includes(name) ? '' : ` (got "${value}")`
    return `Input "${name}"${shown} ${issue.message}.`
  })
  throw new ActionError('input', lines.join('\n'))
}

/** The target as a person reads it in messages and the job summary. */
export function describeTarget(target: Target): string {
  return target.environment ? `${target.repository} (environment "${target.environment}")` : target.repository
}
