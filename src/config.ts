import { z } from 'zod'
import { parseDuration } from './duration.js'
import { RunError } from './errors.js'
import { inputMessages } from './messages.js'
import { ZONES, ZONE_NAMES } from './zones.js'

// Each schema parses once per run: compiling zod's fast path (new Function) costs more than it saves.
z.config({ jitless: true })

const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i

const secretName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: inputMessages.secretNameChars })
  .refine((name) => !/^GITHUB_/i.test(name), { error: inputMessages.secretNameReserved })

/** https:, or http: to a loopback host (a local server in a test or a demo); never credentials in the URL. */
const serviceUrl = (example: string) =>
  z.string().superRefine((value, ctx) => {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      ctx.addIssue({ code: 'custom', message: inputMessages.absoluteUrl(example) })
      return
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.test(url.hostname)))
      ctx.addIssue({ code: 'custom', message: inputMessages.httpsOnly })
    if (url.username || url.password) ctx.addIssue({ code: 'custom', message: inputMessages.noCredentials })
  })

const duration = (min: string, max: string) => {
  const [minMs = 0, maxMs = 0] = [parseDuration(min), parseDuration(max)]
  return z.string().transform((text, ctx) => {
    const ms = parseDuration(text)
    if (ms === undefined || ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: inputMessages.duration(min, max) })
      return z.NEVER
    }
    return ms
  })
}

const flag = z
  .enum(['true', 'True', 'TRUE', 'false', 'False', 'FALSE'], { error: inputMessages.flag })
  .transform((value) => value.toLowerCase() === 'true')
  .default(false)

/**
 * Every input of action.yml, kebab-case, exactly as a workflow writes them. Empty means "not given" (a
 * workflow expression such as `${{ vars.WIZARD_ZONE }}` is empty when the variable is unset), except for
 * `expires-at-secret`, where empty turns the expiry secret off.
 */
export const inputSchema = z.object({
  'refresh-token': z.string({ error: inputMessages.refreshTokenRequired }),
  'writer-token': z.string({ error: inputMessages.writerTokenRequired }),
  zone: z
    .string()
    .transform((zone) => zone.toLowerCase())
    .pipe(z.enum(ZONE_NAMES, { error: inputMessages.zone(ZONE_NAMES) }))
    .optional(),
  'token-url': serviceUrl('https://auth.example.com/oauth2/token').optional(),
  'client-id': z.string().optional(),
  'client-secret': z.string().optional(),
  repository: z
    .string({ error: inputMessages.repositoryRequired })
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, {
      error: inputMessages.repositoryShape
    }),
  environment: z
    .string()
    .max(255, { error: inputMessages.environmentLength })
    .regex(/^\P{Cc}+$/u, { error: inputMessages.environmentChars })
    .optional(),
  'github-api-url': serviceUrl('https://github.example.com/api/v3').optional(),
  'access-token-secret': secretName.default('WIZARD_OAUTH_TOKEN'),
  'refresh-token-secret': secretName.default('WIZARD_REFRESH_TOKEN'),
  'expires-at-secret': z.union([z.literal(''), secretName]).default('WIZARD_EXPIRES_AT'),
  'expires-at-variable': secretName.optional(),
  'skip-if-valid-for': duration('0s', '30d').optional(),
  'dry-run': flag,
  'recovery-public-key': z
    .string()
    .refine((key) => /^[A-Za-z0-9+/]{43}=$/.test(key) || /^[A-Za-z0-9_-]{43}$/.test(key), {
      error: inputMessages.recoveryKey
    })
    // One spelling for the sealed box: standard base64 with its padding.
    .transform((key) => (key.endsWith('=') ? key : `${key.replace(/-/g, '+').replace(/_/g, '/')}=`))
    .optional(),
  'alert-issue': flag,
  'keep-alive': flag,
  'github-token': z.string().optional(),
  'writer-token-secret': secretName.default('WIZARD_SECRET_REFRESH_PAT')
})

export type InputName = keyof z.input<typeof inputSchema>
export const INPUT_NAMES = Object.keys(inputSchema.shape) as InputName[]

/** Inputs whose values are secrets: masked first thing, never quoted in an error. */
export const SECRET_INPUTS: readonly InputName[] = [
  'refresh-token',
  'writer-token',
  'client-secret',
  'github-token'
]

/** Inputs as the runner hands them over: '' when not set (and no default), trimmed. */
export type RawInputs = Partial<Record<InputName, string>>

/** The workflow this run belongs to (from GITHUB_WORKFLOW_REF), for commands that name it. */
export interface WorkflowRef {
  repository: string
  file: string
}

/** Variables are the repository's: a name that must differ per environment gets the environment's suffix. */
function environmentSuffix(environment: string | undefined): string {
  return environment ? `_${environment.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}` : ''
}

const configSchema = inputSchema
  .transform((input) => {
    const zone = input.zone ?? 'us'
    const [owner = '', repo = ''] = input.repository.split('/')
    const suffix = environmentSuffix(input.environment)
    // The record is named after the secret it guards, so two rotations in one repository (two environments,
    // or two secret names) never write over each other's. Claims are named after the token alone.
    const record = `${input['refresh-token-secret'].toUpperCase()}${suffix}_SPENT`
    return {
      refreshToken: input['refresh-token'],
      writerToken: input['writer-token'],
      jobToken: input['github-token'],
      zone,
      zoneGiven: input.zone !== undefined,
      tokenUrl: input['token-url'] ?? ZONES[zone].tokenUrl,
      explicitTokenUrl: input['token-url'] !== undefined,
      clientId: input['client-id'] ?? ZONES[zone].clientId,
      clientSecret: input['client-secret'],
      apiUrl: (input['github-api-url'] ?? 'https://api.github.com').replace(/\/+$/, ''),
      target: { repository: input.repository, owner, repo, environment: input.environment },
      names: {
        refreshToken: input['refresh-token-secret'],
        accessToken: input['access-token-secret'],
        expiresAt: input['expires-at-secret'] || undefined,
        expiresAtVariable: input['expires-at-variable'] ?? `WIZARD_EXPIRES_AT${suffix}`,
        writerToken: input['writer-token-secret'],
        writeCheck: 'WIZARD_WRITE_CHECK',
        record
      },
      skipIfValidForMs: input['skip-if-valid-for'],
      dryRun: input['dry-run'],
      recoveryPublicKey: input['recovery-public-key'],
      alertIssue: input['alert-issue'],
      keepAlive: input['keep-alive']
    }
  })
  .superRefine((config, ctx) => {
    if ((config.alertIssue || config.keepAlive) && !config.jobToken)
      ctx.addIssue({ code: 'custom', path: ['github-token'], message: inputMessages.jobTokenRequired })
    // Two values written to one name would silently overwrite each other (the refresh token, say).
    const seen = new Map<string, string>()
    const named: [InputName, string | undefined][] = [
      ['refresh-token-secret', config.names.refreshToken],
      ['access-token-secret', config.names.accessToken],
      ['expires-at-secret', config.names.expiresAt]
    ]
    for (const [input, name] of named) {
      if (!name) continue
      const other = seen.get(name.toUpperCase())
      if (other) ctx.addIssue({ code: 'custom', path: [input], message: inputMessages.sameName(other, name) })
      seen.set(name.toUpperCase(), input)
    }
  })

export type Config = z.output<typeof configSchema> & { workflow: WorkflowRef | undefined }
export type SecretTarget = Config['target']

/** Inputs whose empty value means something of its own, rather than "not given". */
const EMPTY_MEANS_OFF: ReadonlySet<InputName> = new Set(['expires-at-secret'])

/** `owner/name/.github/workflows/file.yml@ref`, as the runner sets GITHUB_WORKFLOW_REF. */
export function parseWorkflowRef(ref: string | undefined): WorkflowRef | undefined {
  const match = /^([^/\s]+\/[^/\s]+)\/\.github\/workflows\/([^@\s]+)@/.exec(ref ?? '')
  return match?.[1] && match[2] ? { repository: match[1], file: match[2] } : undefined
}

/** Parses every input at once and reports every problem at once, naming each input; never quotes a secret. */
export function parseConfig(raw: RawInputs, context: { workflowRef?: string } = {}): Config {
  const normalized: Record<string, string | undefined> = {}
  for (const name of INPUT_NAMES) {
    const value = raw[name]?.trim()
    normalized[name] = value === '' && !EMPTY_MEANS_OFF.has(name) ? undefined : value
  }
  const result = configSchema.safeParse(normalized)
  if (result.success) return { ...result.data, workflow: parseWorkflowRef(context.workflowRef) }
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'inputs') as InputName
    const value = raw[name]
    const shown = value === undefined || value === '' || SECRET_INPUTS.includes(name) ? undefined : value
    return inputMessages.problem(name, shown, issue.message)
  })
  throw new RunError('input', lines.join('\n'))
}
