import {
  startGitHubServer,
  type GitHubServer,
  type GitHubServerOptions,
  type GitHubTarget
} from './github-server.js'
import { startOAuthServer, type OAuthServer, type OAuthServerOptions } from './oauth-server.js'
import { runAction, type ActionRun, type RunActionOptions } from './run-action.js'
import type { VirtualClock } from './virtual-clock.js'

export const REPOSITORY = 'octo/widgets'
export const ENVIRONMENT = 'production'
export const PAT = 'github_pat_11TESTONLY0000000000000000000000000000000000000000000000000000000000'
export const JOB_TOKEN = 'ghs_TESTONLYJOBTOKEN000000000000000000000'

/** How a fixture launches the bundle: under which Node, with which extra environment, signalled when. */
export type RunOptions = Pick<RunActionOptions, 'node' | 'env' | 'signals' | 'onSpawn' | 'entry'>

export interface Fixture {
  oauth: OAuthServer
  github: GitHubServer
  repo: GitHubTarget
  /** The refresh token a person seeded, as the bootstrap leaves it. */
  initialRefreshToken: string
  /** What the refresh-token secret holds now (what a job starting now would read). */
  storedRefreshToken(target?: GitHubTarget): string
  /** Inputs a workflow would pass: the stored refresh token, the local endpoint and client, the writer token. */
  inputs(overrides?: Record<string, string>): Record<string, string>
  /** The bundle, as the runner runs it. */
  run(overrides?: Record<string, string>, options?: RunOptions): Promise<ActionRun>
  close(): Promise<void>
}

/**
 * A real OAuth server and a GitHub stand-in, with one repository (and an environment) whose secrets hold a
 * freshly minted refresh token, as after a person's bootstrap. With `tls`, both serve HTTPS.
 */
export async function startFixture(
  options: {
    oauth?: OAuthServerOptions
    github?: GitHubServerOptions
    tls?: { key: string; cert: string }
    clock?: VirtualClock
  } = {}
): Promise<Fixture> {
  const shared = {
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.clock ? { clock: options.clock } : {})
  }
  const [oauth, github] = await Promise.all([
    startOAuthServer({ ...shared, ...options.oauth }),
    startGitHubServer({ contract: true, ...shared, ...options.github })
  ])
  github.addRepository(REPOSITORY, { environments: [ENVIRONMENT] })
  github.addToken(PAT)
  github.addToken(JOB_TOKEN, { canWriteSecrets: false, canWriteVariables: false })
  const repo: GitHubTarget = { repository: REPOSITORY }
  const initialRefreshToken = await oauth.mintRefreshToken()
  github.setSecret(repo, 'WIZARD_REFRESH_TOKEN', initialRefreshToken)

  const storedRefreshToken = (target: GitHubTarget = repo) =>
    github.secrets(target).WIZARD_REFRESH_TOKEN ?? ''
  const inputs = (overrides: Record<string, string> = {}) => ({
    'refresh-token': storedRefreshToken(),
    'token-url': oauth.tokenUrl,
    'client-id': oauth.publicClientId,
    'writer-token': PAT,
    ...overrides
  })
  return {
    oauth,
    github,
    repo,
    initialRefreshToken,
    storedRefreshToken,
    inputs,
    run: (overrides, runOptions = {}) =>
      runAction({
        ...runOptions,
        inputs: inputs(overrides),
        env: {
          GITHUB_REPOSITORY: REPOSITORY,
          GITHUB_API_URL: github.url,
          GITHUB_TOKEN: JOB_TOKEN,
          ...runOptions.env
        }
      }),
    close: async () => {
      await Promise.all([oauth.close(), github.close()])
    }
  }
}

/**
 * Every place a secret value could reach a person: the log (apart from the `::add-mask::` commands that
 * register it), the job summary, and every output except the masked access token. Returns what leaked,
 * in any form a person could read: as it is, HTML-escaped, URL-encoded or JSON-escaped.
 */
export function leakedValues(exposed: string, values: (string | undefined)[]): string[] {
  return values.filter((value): value is string => {
    if (!value) return false
    const forms = [
      value,
      value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'),
      value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`),
      encodeURIComponent(value),
      JSON.stringify(value).slice(1, -1)
    ]
    return forms.some((form) => exposed.includes(form))
  })
}

/** What a bundle run showed a person: its log (without the mask commands), summary and outputs but the access token. */
export function exposedByRun(run: ActionRun): string {
  const log = `${run.stdout}\n${run.stderr}`
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')
  const outputs = Object.entries(run.outputs)
    .filter(([name]) => name !== 'access-token')
    .map(([, value]) => value)
  return [log, run.summary, ...outputs].join('\n')
}
