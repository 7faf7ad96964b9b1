/**
 * Holds the GitHub stand-in to GitHub's published contract: every answer it gives in the suite is checked,
 * status and body, against the operations cut from GitHub's OpenAPI description (@octokit/openapi, see
 * scripts/cut-openapi.mjs). A status GitHub gives that the description does not list is allowed only with its
 * source below; its body must still be GitHub's error shape (`basic-error`).
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import AjvModule, { type ValidateFunction } from 'ajv'

interface Operation {
  method: string
  path: string
  operationId: string
  responses: Record<string, unknown>
}

const fixture = JSON.parse(
  readFileSync(
    join(dirname(fileURLToPath(import.meta.url)), '..', '__tests__', 'fixtures', 'github-openapi.json'),
    'utf8'
  )
) as { operations: Operation[]; errorSchema: unknown }

/**
 * Statuses GitHub answers that its description leaves out, for every operation the stand-in serves, each
 * with where GitHub says so (or shows it).
 */
export const BEYOND_THE_SPEC: { statuses: number[]; applies: RegExp; source: string }[] = [
  {
    statuses: [401],
    applies: /./,
    source: 'docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api: 401 "Bad credentials"'
  },
  {
    statuses: [403, 404],
    applies: /./,
    source:
      'docs.github.com/rest/authentication/permissions-required-for-fine-grained-personal-access-tokens: a token ' +
      'without the permission gets 403 "Resource not accessible by personal access token", and a private ' +
      'repository it cannot see answers 404'
  },
  {
    statuses: [403, 429],
    applies: /./,
    source:
      'docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api: a 403 or 429, with retry-after or x-ratelimit-*'
  },
  {
    statuses: [500, 502, 503, 504],
    applies: /./,
    source:
      'docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api: server errors, retried by clients'
  },
  {
    statuses: [301],
    applies: /./,
    source:
      'docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api: follow redirects (a renamed repository)'
  },
  {
    statuses: [400],
    applies: /./,
    source:
      'docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api: 400 "Problems parsing JSON"'
  },
  {
    statuses: [409],
    applies: /^POST \/repos\/\{owner\}\/\{repo\}\/actions\/variables$|^PATCH /,
    source:
      'a variable that exists already: 409 "Already exists - Variable already exists", as every client of the API ' +
      'quotes it (the description lists only 201 for "Create a repository variable")'
  },
  {
    statuses: [410],
    applies: /\/issues/,
    source:
      'issues turned off (a fork\'s default): 410 "Issues are disabled for this repo", which the description lists for creating and updating issues'
  },
  {
    statuses: [422],
    applies:
      /^(PUT .*\/secrets\/\{secret_name\}|POST .*\/actions\/variables|PATCH .*\/actions\/variables\/\{name\})$/,
    source:
      'a value not sealed to the current key (422 "Bad request - validation failed due to an improperly ' +
      'encrypted secret"), a bad name, a value over 48 KB, or a repository that has its 500 variables already: ' +
      'docs.github.com/actions/reference/limits'
  }
]

// ajv is CommonJS: its class is the default export's `default` under NodeNext.
const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule
const ajv = new (Ajv as unknown as new (options: object) => InstanceType<typeof AjvModule.default>)({
  strict: false,
  validateFormats: false
})
const compiled = new Map<unknown, ValidateFunction>()
function validator(schema: unknown): ValidateFunction {
  let found = compiled.get(schema)
  if (!found) {
    found = ajv.compile(openApiToJsonSchema(schema) as object)
    compiled.set(schema, found)
  }
  return found
}

/** OpenAPI 3.0's `nullable` as JSON Schema, all the way down. */
function openApiToJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(openApiToJsonSchema)
  if (!schema || typeof schema !== 'object') return schema
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(schema)) out[key] = openApiToJsonSchema(value)
  if (out.nullable === true) {
    delete out.nullable
    if (typeof out.type === 'string') out.type = [out.type, 'null']
    else if (out.enum) out.enum = [...(out.enum as unknown[]), null]
    else return { anyOf: [out, { type: 'null' }] }
  }
  return out
}

const operations = fixture.operations.map((operation) => ({
  ...operation,
  pattern: new RegExp(`^${operation.path.replace(/\{[^}]+\}/g, '[^/]+')}$`)
}))

/** Why the answer breaks GitHub's contract, or undefined when it keeps it. */
export function breachOf(method: string, path: string, status: number, body: unknown): string | undefined {
  const operation = operations.find(
    (candidate) => candidate.method === method && candidate.pattern.test(path)
  )
  const what = `${method} ${path} → ${status}`
  if (!operation) return `${what}: an operation the fixture does not hold`
  if (status in operation.responses) {
    const schema = operation.responses[String(status)]
    if (!schema) return undefined
    const validate = validator(schema)
    return validate(body) ? undefined : `${what}: ${ajv.errorsText(validate.errors)}`
  }
  const route = `${operation.method} ${operation.path}`
  const allowed = BEYOND_THE_SPEC.some(
    (entry) => entry.statuses.includes(status) && entry.applies.test(route)
  )
  if (!allowed)
    return `${what}: a status the description does not list for ${operation.operationId}, with no source`
  const validate = validator(fixture.errorSchema)
  return validate(body) ? undefined : `${what}: not GitHub's error shape (${ajv.errorsText(validate.errors)})`
}
