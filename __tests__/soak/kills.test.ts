import { soak } from '../../harness/soak.js'

/**
 * Kills fifty times as often as the year's rates, for three days of the recommended cadence (rotating with
 * 45 minutes left, so the stored expiry always gives the access token the grant revokes most of an hour): the
 * expiry consumers read is checked after every run against the stored access token at the token server.
 * Chains die of the kills (a killed run cannot store what it received); what must not happen is an expiry
 * that tells consumers a revoked or unstored access token still works.
 */
it(
  'three days of the recommended cadence with one run in ten killed: no invariant broken, the expiry never ahead',
  async () => {
    const report = await soak({
      days: 3,
      seed: 31,
      cadence: 'recommended',
      writer: 'pat',
      rates: { killed: 0.1 }
    })
    expect(report.events.killed ?? 0).toBeGreaterThan(20)
    expect(report.violations).toEqual([])
    expect(report.chainDeaths.filter((death) => death.survivable)).toEqual([])
  },
  30 * 60_000
)
