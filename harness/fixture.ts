import {
  startGitHubServer,
  type GitHubServer,
  type GitHubServerOptions,
  type GitHubTarget
} from './github-server.js'
import { startOAuthServer, type OAuthServer, type OAuthServerOptions } from './oauth-server.js'
import { runAction, type ActionRun, type RunActionOptions } from './run-action.js'

export const REPOSITORY = 'octo/widgets'
export const ENVIRONMENT = 'production'
export const PAT = 'github_pat_11TESTONLY0000000000000000000000000000000000000000000000000000000000'

/** How a fixture launches the bundle: under which Node, with which extra environment, signalled when. */
export type RunOptions = Pick<RunActionOptions, 'node' | 'env' | 'signals' | 'onSpawn'>

export interface Fixture {
  oauth: OAuthServer
  github: GitHubServer
  repo: GitHubTarget
  /** The refresh token a workflow would read from the secret, as seeded. */
  initialRefreshToken: string
  /** Inputs a workflow would pass: the stored refresh token, the local endpoint and client, the PAT. */
  inputs(overrides?: Record<string, string>): Record<string, string>
  run(overrides?: Record<string, string>, options?: RunOptions): Promise<ActionRun>
  close(): Promise<void>
}

/**
 * A real OAuth server and a GitHub stand-in, with one repository (and an environment) whose secrets hold a
 * freshly minted refresh token, as after a person's bootstrap. With `tls`, both serve HTTPS with that PEM
 * key and certificate (plain HTTP otherwise).
 */
export async function startFixture(
  options: {
    oauth?: OAuthServerOptions
    github?: GitHubServerOptions
    tls?: { key: string; cert: string }
  } = {}
): Promise<Fixture> {
  const tls = options.tls ? { tls: options.tls } : {}
  const [oauth, github] = await Promise.all([
    startOAuthServer({ ...tls, ...options.oauth }),
    startGitHubServer({ ...tls, ...options.github })
  ])
  github.addRepository(REPOSITORY, { environments: [ENVIRONMENT] })
  github.addToken(PAT)
  const repo: GitHubTarget = { repository: REPOSITORY }
  const initialRefreshToken = await oauth.mintRefreshToken()
  github.setSecret(repo, 'WIZARD_REFRESH_TOKEN', initialRefreshToken)

  const inputs = (overrides: Record<string, string> = {}) => ({
    'refresh-token': github.secrets(repo).WIZARD_REFRESH_TOKEN ?? '',
    'token-url': oauth.tokenUrl,
    'client-id': oauth.publicClientId,
    'github-token': PAT,
    // Backoff shortened so fault scenarios finish quickly; the delays themselves are unit-tested.
    'retry-delay': '20ms',
    ...overrides
  })
  return {
    oauth,
    github,
    repo,
    initialRefreshToken,
    inputs,
    run: (overrides, runOptions = {}) =>
      runAction({
        ...runOptions,
        inputs: inputs(overrides),
        env: { GITHUB_REPOSITORY: REPOSITORY, GITHUB_API_URL: github.url, ...runOptions.env }
      }),
    close: async () => {
      await Promise.all([oauth.close(), github.close()])
    }
  }
}

/**
 * Every place a secret value could reach a person: the log (apart from the `::add-mask::` commands that
 * register it), the job summary, and every output except the masked access token. Returns what leaked.
 */
export function leakedValues(run: ActionRun, values: (string | undefined)[]): string[] {
  const log = `${run.stdout}\n${run.stderr}`
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')
  const outputs = Object.entries(run.outputs)
    .filter(([name]) => name !== 'access-token')
    .map(([, value]) => value)
    .join('\n')
  const exposed = `${log}\n${run.summary}\n${outputs}`
  return values.filter((value): value is string => Boolean(value) && exposed.includes(value as string))
}
