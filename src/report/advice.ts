import type { Config } from '../inputs/schema.js'

/**
 * The exact steps a person takes to put a freshly signed-in refresh token back, for the names this run was
 * configured with. `gh secret set` without `--body` prompts for the value, so the token lands in no shell
 * history; the hand-started run then writes the access token, the expiry and the variable itself.
 */
export function rebootstrapAdvice(config: Pick<Config, 'target' | 'secretNames'>): string {
  const { repository, environment } = config.target
  const env = environment ? ` --env "${environment}"` : ''
  return [
    'To recover, a person signs in again locally (a new authorization, which issues a new refresh token), then:',
    `  gh secret set ${config.secretNames.refreshToken} --repo ${repository}${env}   # paste the new refresh token`,
    `  gh workflow run <this workflow> --repo ${repository}   # rotates once and writes every other value`
  ].join('\n')
}
