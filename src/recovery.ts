import type { Config } from './inputs.js'

/**
 * The exact commands a person runs to put a freshly signed-in token set back into the target's
 * secrets, for the names this run was configured with. Placeholders stand where only the person
 * knows the value; no value of this run is ever printed.
 */
export function bootstrapCommands(config: Pick<Config, 'target' | 'secretNames'>): string[] {
  const where = `--repo ${config.target.repository}${config.target.environment ? ` --env "${config.target.environment}"` : ''}`
  const names = config.secretNames
  const commands = [
    `gh secret set ${names.refreshToken} ${where} --body "<new refresh token>"`,
    `gh secret set ${names.accessToken} ${where} --body "<new access token>"`
  ]
  if (names.expiresAt)
    commands.push(`gh secret set ${names.expiresAt} ${where} --body "<expiry, ISO 8601 UTC>"`)
  return commands
}

export function rebootstrapAdvice(config: Pick<Config, 'target' | 'secretNames'>): string {
  return [
    'To recover, a person signs in again locally (a new authorization, which issues a new refresh token) and stores the new values:',
    ...bootstrapCommands(config).map((command) => `  ${command}`),
    'Then run this workflow once by hand (workflow_dispatch) to check.'
  ].join('\n')
}
