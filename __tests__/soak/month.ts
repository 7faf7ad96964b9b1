import { formatReport, soak } from '../../harness/soak.js'

/**
 * Thirty days of the shipped hourly schedule with one fixed seed, at the rates of faults, checked for
 * what the product promises: no invariant broken after any run (one presentation per token, apart from the
 * one more after an unknown outcome; honest health; the alert issue when a person is needed), no chain
 * death a client could have survived, and every one it could not survive said by the run that met it.
 * Consumer downtime on the plain hourly schedule is printed, not held to a figure: docs/reliability.md says why.
 */
/**
 * Only a guard against a hang, never a speed target (that is `npm run bench`'s and `npm run soak`'s to say):
 * a month is a month of real CPU work, about 20 s on an idle machine, and several times that on a loaded one.
 */
const SOAK_HANG_GUARD_MS = 30 * 60_000

export function monthOfSeed(seed: number): void {
  it(
    `thirty days of the hourly schedule, seed ${seed}: no invariant broken, no survivable chain death`,
    async () => {
      const report = await soak({ days: 30, seed, cadence: 'hourly', writer: 'pat' })
      console.log(formatReport(report))
      expect(report.violations).toEqual([])
      expect(report.chainDeaths.filter((death) => death.survivable)).toEqual([])
      for (const death of report.chainDeaths.filter((entry) => !/killed/.test(entry.cause)))
        expect(death.alertedByTheRunThatMetIt).toBe(true)
      expect(report.personNeeded.filter((need) => need.alertedAfterMinutes === undefined)).toEqual([])
      expect(report.grantsPerToken.more).toBe(0)
      expect(report.runs).toBeGreaterThan(30 * 24 * 0.9)
    },
    SOAK_HANG_GUARD_MS
  )
}
