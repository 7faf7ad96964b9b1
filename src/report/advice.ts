import type { Config } from '../inputs/schema.js'

type AdviceConfig = Pick<Config, 'target' | 'secretNames' | 'workflow'>

/** The command that runs this rotation by hand: the real workflow when the run knows it. */
export function rerunCommand(config: Pick<Config, 'target' | 'workflow'>): string {
  const { workflow } = config
  return workflow
    ? `gh workflow run ${workflow.file} --repo ${workflow.repository}`
    : `gh workflow run <the rotation workflow> --repo ${config.target.repository}`
}

/**
 * The exact steps a person takes to put a freshly signed-in refresh token back, for the names this run was
 * configured with. `gh secret set` without `--body` prompts for the value, so the token lands in no shell
 * history; the hand-started run then writes the access token, the expiry and the variable itself.
 */
export function rebootstrapAdvice(config: AdviceConfig): string {
  const { repository, environment } = config.target
  const env = environment ? ` --env "${environment}"` : ''
  return [
    'To recover, a person signs in again locally (a new authorization, which issues a new refresh token), then:',
    `  gh secret set ${config.secretNames.refreshToken} --repo ${repository}${env}   # paste the new refresh token`,
    `  ${rerunCommand(config)}   # rotates once and writes every other value`
  ].join('\n')
}

/** Where the grant went, for messages whose fix is the endpoint or the client. */
export function describeEndpoint(
  config: Pick<Config, 'tokenUrl' | 'zone' | 'clientId' | 'explicitTokenUrl'>
): string {
  // Origin and path only: a query string in token-url could carry something that belongs in no log.
  const url = new URL(config.tokenUrl)
  const endpoint = `${url.origin}${url.pathname}`
  return config.explicitTokenUrl
    ? `the token endpoint ${endpoint} (token-url), client ${config.clientId}`
    : `the token endpoint ${endpoint} (zone ${config.zone}), client ${config.clientId}`
}
