/**
 * The Hydra deployments a zone names: one table, so the token endpoint and the public client that belongs
 * to it can never be mixed up. The clients are public (no secret), as the wizard's are.
 */
export const ZONES = {
  us: {
    tokenUrl: 'https://auth.amplitude.com/oauth2/token',
    clientId: '0ac84169-c41c-4222-885b-31469c761cb0'
  },
  eu: {
    tokenUrl: 'https://auth.eu.amplitude.com/oauth2/token',
    clientId: '110d04a1-8e60-4157-9c43-fcbe4e014a85'
  }
} as const

export type Zone = keyof typeof ZONES
export const ZONE_NAMES = Object.keys(ZONES) as [Zone, ...Zone[]]
