import { ActionError } from './errors.js'
import { computeExpiry, type Expiry } from './expiry.js'
import type { Config } from './inputs.js'
import type { PostToken } from './oauth-client.js'
import { rebootstrapAdvice } from './recovery.js'
import { buildTokenRequest } from './token-request.js'
import { readGrantResponse, type TokenSet } from './token-response.js'

export interface Exchanged {
  tokens: TokenSet
  sentAt: Date
  /** Undefined when the server gave no `expires_in` and the access token carries no `exp`. */
  expiry: Expiry | undefined
}

/** The server rotated, but answered with something unusable: the new refresh token must still be stored. */
export class UnusableGrantResponse extends ActionError {
  constructor(
    message: string,
    readonly salvagedRefreshToken: string
  ) {
    super('response', message)
  }
}

export interface ExchangeDeps {
  postToken: PostToken
  mask: (value: string) => void
  now: () => Date
}

/** One refresh grant: sent, answered, masked, validated, classified. */
export async function exchange(config: Config, deps: ExchangeDeps): Promise<Exchanged> {
  const request = buildTokenRequest(config)
  const sentAt = deps.now()
  let response
  try {
    response = await deps.postToken(request)
  } catch (error) {
    throw new ActionError(
      'transient',
      `Could not complete the request to the token endpoint ${request.url} (${error instanceof Error ? error.message : String(error)}). ` +
        'The stored refresh token was not replaced; the next scheduled run will retry with it.'
    )
  }
  const outcome = readGrantResponse(response.status, response.body, response.headers, deps.mask)
  if (outcome.ok) {
    return {
      tokens: outcome.tokens,
      sentAt,
      expiry: computeExpiry(sentAt, outcome.tokens.expires_in, outcome.tokens.access_token)
    }
  }
  switch (outcome.kind) {
    case 'terminal':
      throw new ActionError(
        'terminal',
        `The OAuth server no longer accepts this refresh token or client: ${outcome.reason}. ` +
          `Retrying cannot help: every run will fail the same way.\n${rebootstrapAdvice(config)}`
      )
    case 'concurrent':
      throw new ActionError(
        'concurrent',
        `Another run is exchanging the same refresh token right now (${outcome.reason}). ` +
          'That run owns the rotation; this one did not retry, because presenting the token again would revoke it.'
      )
    case 'response':
      throw new UnusableGrantResponse(
        `${capitalize(outcome.reason)}. The server issued a new refresh token, which this run stores before failing.`,
        outcome.salvagedRefreshToken
      )
    case 'transient':
      throw new ActionError(
        'transient',
        `${capitalize(outcome.reason)}. The stored refresh token was not replaced; the next scheduled run will retry with it.`
      )
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
