/**
 * The README's two schedules played through the guard, with one-hour tokens and one dropped run: the
 * recommended one (every 10 minutes, skip-if-valid-for 45m) leaves no gap even when three runs in a row are
 * dropped; the plain hourly one leaves the
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
  const dueButDropped: number[] = []
  const start = w.clock.ms
  for (let hour = 0; hour < hours; hour++) {
    for (const minute of minutes) {
      const at = start + hour * HOUR + minute * MINUTE
      await w.clock.advance(at - w.clock.ms)
      if (accessUntil && w.clock.ms > accessUntil) deadMs += w.clock.ms - accessUntil
      if (dropped.includes(at - start)) {
        // A dropped run that would have rotated: the stored token was within the skip window then.
        if (accessUntil - w.clock.ms <= 45 * MINUTE) dueButDropped.push(at - start)
        continue
      }
      const run = await w.run({ inputs })
      logs += run.log
      const expiresAt = Date.parse(run.outputs['expires-at'] ?? '')
      accessUntil = Number.isNaN(expiresAt) ? accessUntil : Math.max(expiresAt, w.clock.ms)
    }
  }
  return { deadMinutes: Math.round(deadMs / MINUTE), logs, dueButDropped }
}

describe('a cadence that survives one dropped run', () => {
  it('every 10 minutes with skip-if-valid-for 45m: three dropped runs in a row, the rotating one among them, cost nothing', async () => {
    const w = world()
    const minutes = [3, 13, 23, 33, 43, 53]
    // Rotations land every 20 minutes; from 2:03 the next three runs are dropped, at least one of which would rotate.
    const dropped = [2 * HOUR + 13 * MINUTE, 2 * HOUR + 23 * MINUTE, 2 * HOUR + 33 * MINUTE]
    const { deadMinutes, dueButDropped } = await play(w, minutes, 6, dropped, { 'skip-if-valid-for': '45m' })
    expect(dueButDropped).not.toEqual([])
    expect(deadMinutes).toBe(0)
  })

  it('hourly: a dropped run leaves the stored access token dead for about an hour, as the README says; the action says which cadence survives', async () => {
    const w = world()
    const { deadMinutes, logs } = await play(w, [23], 6, [3 * HOUR + 23 * MINUTE], {})
    expect(deadMinutes).toBeGreaterThanOrEqual(59)
    expect(deadMinutes).toBeLessThanOrEqual(61)
    expect(logs).toMatch(/every 10 minutes with skip-if-valid-for: 45m survives three dropped runs/)
  })
})
