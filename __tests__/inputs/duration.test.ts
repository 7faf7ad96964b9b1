import { parseDuration } from '../../src/inputs/duration.js'

describe('parseDuration', () => {
  it.each([
    ['30', 30_000],
    ['1.5', 1500],
    ['1500ms', 1500],
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    [' 2D ', 172_800_000]
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it.each(['', 'soon', '10 minutes', '-5m', '1h-30m', 'm', '1x'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined()
  })
})
