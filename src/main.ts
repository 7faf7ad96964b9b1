import { ActionError } from './errors.js'
import { exchange, UnusableGrantResponse, type Exchanged } from './exchange.js'
import type { SecretsApi } from './github-secrets.js'
import { parseInputs, SECRET_INPUT_NAMES, type Config, type RawInputs } from './inputs.js'
import type { PostToken } from './oauth-client.js'
import { planWrites } from './plan.js'
import { preflight } from './preflight.js'
import { outputsFor, summaryFor, type RunReport, type Summary } from './report.js'
import type { Sealer } from './sealed-box.js'
import { storeSecrets, type Written } from './store.js'

/** Everything the run touches outside itself, passed in so a test can wire local servers. */
export interface Dependencies {
  inputs: RawInputs
  mask: (value: string) => void
  log: {
    info: (message: string) => void
    notice: (message: string) => void
    error: (message: string) => void
  }
  setOutput: (name: string, value: string) => void
  setFailed: (message: string) => void
  writeSummary: (summary: Summary) => Promise<void>
  secretsApi: (config: Config) => SecretsApi
  postToken: (config: Config) => PostToken
  sealer: Sealer
  now: () => Date
}

/** inputs → preflight → exchange → store → report. Never throws: every failure ends in `report`. */
export async function run(deps: Dependencies): Promise<RunReport> {
  for (const name of SECRET_INPUT_NAMES) {
    const value = deps.inputs[name]
    if (value) deps.mask(value)
  }
  let config: Config | undefined
  const written: Written[] = []
  let exchanged: Exchanged | undefined
  try {
    config = parseInputs(deps.inputs)
    const api = deps.secretsApi(config)
    const publicKey = await preflight(api, config.target)
    try {
      exchanged = await exchange(config, {
        postToken: deps.postToken(config),
        mask: deps.mask,
        now: deps.now
      })
    } catch (error) {
      if (error instanceof UnusableGrantResponse) {
        // The server rotated but its answer cannot be used: keep the one value that cannot be got back.
        const salvage = [
          [
            {
              name: config.secretNames.refreshToken,
              value: error.salvagedRefreshToken,
              what: 'refresh token' as const
            }
          ]
        ]
        written.push(...(await storeSecrets(salvage, api, publicKey, deps.sealer, config)))
      }
      throw error
    }
    const stages = planWrites(config.secretNames, exchanged.tokens, exchanged.expiry)
    written.push(...(await storeSecrets(stages, api, publicKey, deps.sealer, config)))
    if (!exchanged.expiry) {
      throw new ActionError(
        'response',
        'The token endpoint gave no expires_in and the access token carries no exp claim, so the expiry is unknown. ' +
          `The new tokens were stored (${written.map((w) => w.name).join(', ')}); the expiry secret was not written rather than guessed.`
      )
    }
    return await finish(
      deps,
      {
        status: 'rotated',
        target: config.target,
        written,
        expiry: exchanged.expiry,
        refreshTokenRotated: Boolean(exchanged.tokens.refresh_token)
      },
      exchanged.tokens.access_token
    )
  } catch (error) {
    const failure =
      error instanceof ActionError
        ? error
        : new ActionError('transient', `Unexpected failure: ${String(error)}`)
    return await finish(
      deps,
      {
        status: 'failed',
        target: config?.target,
        written,
        expiry: exchanged?.expiry,
        refreshTokenRotated: Boolean(exchanged?.tokens.refresh_token),
        errorKind: failure.kind,
        message: failure.message
      },
      exchanged?.tokens.access_token
    )
  }
}

async function finish(
  deps: Dependencies,
  report: RunReport,
  accessToken: string | undefined
): Promise<RunReport> {
  // Already masked when the response was parsed; the output only carries it to later steps.
  if (accessToken) deps.setOutput('access-token', accessToken)
  for (const [name, value] of Object.entries(outputsFor(report))) deps.setOutput(name, value)
  if (report.status === 'rotated') {
    deps.log.info(
      `Rotated ${report.written.map((w) => w.name).join(', ')}; the new access token expires at ${report.expiry?.expiresAt.toISOString()}.`
    )
  }
  try {
    await deps.writeSummary(summaryFor(report))
  } catch (error) {
    deps.log.error(
      `Could not write the job summary: ${error instanceof Error ? error.message : String(error)}`
    )
  }
  if (report.status === 'failed') deps.setFailed(`[${report.errorKind}] ${report.message}`)
  return report
}
