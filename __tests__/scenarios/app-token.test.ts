/**
 * The README's GitHub App recipe, end to end against local stand-ins: the installation token is minted the way
 * actions/create-github-app-token mints it (an App JWT, then POST /app/installations/{id}/access_tokens with
 * the permissions its `permission-<name>` inputs name, hyphens as underscores; lib/get-permissions-from-inputs.js
 * at v3.1.1), then used as the writer token. GitHub refuses a permission it does not know with 422.
 */
import { createSign, createVerify, generateKeyPairSync } from 'node:crypto'
import { createServer } from 'node:http'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { listenOnLoopback } from '../../harness/loopback.js'
import { expectChainAlive, useWorld } from '../support/world.js'

const world = useWorld()
/** The permissions an App can be granted that the recipe could ask for (GitHub's names). */
const KNOWN = new Set([
  'secrets',
  'actions_variables',
  'environments',
  'actions',
  'issues',
  'contents',
  'metadata'
])

/** The recipe's `with:` inputs for create-github-app-token, as the README gives them. */
function recipeInputs(): Record<string, string> {
  const readme = readFileSync('README.md', 'utf8')
  for (const [, text] of readme.matchAll(/```yaml\n([\s\S]*?)```/g)) {
    const workflow = parse(text ?? '') as {
      jobs: Record<string, { steps?: { uses?: string; with?: Record<string, string> }[] }>
    }
    for (const job of Object.values(workflow.jobs ?? {}))
      for (const step of job.steps ?? [])
        if (step.uses?.startsWith('actions/create-github-app-token')) return step.with ?? {}
  }
  throw new Error('no App recipe in the README')
}

/** What create-github-app-token sends: every non-empty `permission-<name>` input as `<name>`, hyphens as underscores. */
function permissionsFrom(inputs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(inputs)
      .filter(([name, value]) => name.startsWith('permission-') && value)
      .map(([name, value]) => [name.slice('permission-'.length).replace(/-/g, '_'), value])
  )
}

function appJwt(clientId: string, privateKey: string, now: number): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const body = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iat: Math.floor(now / 1000) - 60, exp: Math.floor(now / 1000) + 540, iss: clientId })}`
  return `${body}.${createSign('RSA-SHA256').update(body).sign(privateKey, 'base64url')}`
}

describe('a GitHub App as the writer', () => {
  it('the recipe’s permission inputs mint a token that rotates; `permission-variables` would be refused', async () => {
    const w = world()
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    let minted = 0
    // The App token endpoint: checks the JWT's signature and issuer, refuses unknown permissions.
    const server = createServer((req, res) => {
      let raw = ''
      req.on('data', (chunk) => (raw += chunk))
      req.on('end', () => {
        const [head, payload, signature] = (req.headers.authorization ?? '')
          .replace(/^Bearer /, '')
          .split('.')
        const valid =
          head &&
          payload &&
          signature &&
          createVerify('RSA-SHA256').update(`${head}.${payload}`).verify(publicKey, signature, 'base64url')
        if (!valid || JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()).iss !== 'Iv1.app') {
          res.writeHead(401).end(JSON.stringify({ message: 'A JSON web token could not be decoded' }))
          return
        }
        const permissions = (JSON.parse(raw) as { permissions: Record<string, string> }).permissions
        if (Object.keys(permissions).some((name) => !KNOWN.has(name))) {
          res
            .writeHead(422)
            .end(JSON.stringify({ message: 'Invalid request. The permissions requested are not valid.' }))
          return
        }
        const token = `ghs_APPTOKEN${String(++minted).padStart(29, '0')}`
        w.fx.github.addToken(token, {
          canWriteSecrets: permissions.secrets === 'write',
          canWriteVariables: permissions.actions_variables === 'write'
        })
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ token, permissions }))
      })
    })
    const { port, close } = await listenOnLoopback(server)
    try {
      const mint = async (inputs: Record<string, string>) =>
        fetch(`http://127.0.0.1:${port}/app/installations/1/access_tokens`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${appJwt('Iv1.app', pem, Date.now())}`,
            'content-type': 'application/json'
          },
          body: JSON.stringify({ permissions: permissionsFrom(inputs) })
        })
      const answer = await mint(recipeInputs())
      expect(answer.status).toBe(201)
      const { token, permissions } = (await answer.json()) as {
        token: string
        permissions: Record<string, string>
      }
      expect(permissions).toEqual({ secrets: 'write', actions_variables: 'write' })
      const run = await w.run({ inputs: { 'writer-token': token } })
      expect(run.outcome.status).toBe('rotated')
      // An installation token carries no expiry header: nothing to warn of.
      expect(run.outputs['writer-token-expires-at']).toBe('')
      await expectChainAlive(w)
      expect((await mint({ 'permission-secrets': 'write', 'permission-variables': 'write' })).status).toBe(
        422
      )
    } finally {
      await close()
    }
  })
})
