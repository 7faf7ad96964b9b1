import type { ClaimValue } from '../../src/lease/claim.js'
import { WORST_CASE_RUN_MS } from '../../src/timing.js'

export const T0 = Date.parse('2026-11-30T07:23:00Z')

/** Another run's claim, made at `at`, acting for a whole run from then unless told otherwise. */
export function othersClaim(overrides: Partial<ClaimValue> = {}, at = T0): ClaimValue {
  return {
    v: 1,
    state: 'claimed',
    holder: 'run 1',
    nonce: 'other',
    at: new Date(at).toISOString(),
    until: new Date(at + WORST_CASE_RUN_MS).toISOString(),
    presentations: 0,
    ...overrides
  }
}
