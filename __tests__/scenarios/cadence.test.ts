/**
 * The README's two schedules played through the guard, with one-hour tokens and one dropped run: the
 * recommended one (every 15 minutes, skip-if-valid-for 35m) leaves no gap; the plain hourly one leaves the
 * stored access token dead for about the hour the README states. The advice the action prints names the
 * cadence that survives.
 */
import type { World } from '../../harness/world.js'
import { HOUR, MINUTE, useWorld } from '../support/world.js'

const world = useWorld({ transport: 'memory', start: new Date('2027-03-01T00:00:00Z') })

/** Runs at these minutes of each hour for `hours` hours, dropping the runs listed; the minutes the stored access token was dead. */
async function play(
  w: World,
  minutes: number[],
  hours: number,
  dropped: number[],
  inputs: Record<string, string>
) {
  let deadMs = 0
  let accessUntil = 0
  let logs = ''
  const start = w.clock.ms
  for (let hour = 0; hour < hours; hour++) {
    for (const minute of minutes) {
      const at = start + hour * HOUR + minute * MINUTE
      await w.clock.advance(at - w.clock.ms)
      if (accessUntil && w.clock.ms > accessUntil) deadMs += w.clock.ms - accessUntil
      if (dropped.includes(at - start)) continue
      const run = await w.run({ inputs })
      logs += run.log
      const expiresAt = Date.parse(run.outputs['expires-at'] ?? '')
      accessUntil = Number.isNaN(expiresAt) ? accessUntil : Math.max(expiresAt, w.clock.ms)
    }
  }
  return { deadMinutes: Math.round(deadMs / MINUTE), logs }
}

describe('a cadence that survives one dropped run', () => {
  it('every 15 minutes with skip-if-valid-for 35m: a dropped rotation run costs nothing', async () => {
    const w = world()
    // Warm up: find which run rotates, then drop the next one that would.
    const { deadMinutes } = await play(
      w,
      [8, 23, 38, 53],
      6,
      [2 * HOUR + 23 * MINUTE, 2 * HOUR + 38 * MINUTE],
      {
        'skip-if-valid-for': '35m'
      }
    )
    expect(deadMinutes).toBe(0)
  })

  it('hourly: a dropped run leaves the stored access token dead for about an hour, as the README says; the action says which cadence survives', async () => {
    const w = world()
    const { deadMinutes, logs } = await play(w, [23], 6, [3 * HOUR + 23 * MINUTE], {})
    expect(deadMinutes).toBeGreaterThanOrEqual(59)
    expect(deadMinutes).toBeLessThanOrEqual(61)
    expect(logs).toMatch(/every 15 minutes with skip-if-valid-for: 35m survives one dropped run/)
  })
})
