import { startWorld, type World } from '../../harness/world.js'

let world: World
beforeEach(async () => {
  world = await startWorld()
})
afterEach(async () => world.close())

it('rotates', async () => {
  const seeded = world.fx.storedRefreshToken()
  const run = await world.run()
  console.log(run.log)
  expect(run.outcome.status).toBe('rotated')
  const stored = world.stored()
  expect(stored.WIZARD_REFRESH_TOKEN).not.toBe(seeded)
  expect(await world.fx.oauth.isRefreshTokenLive(stored.WIZARD_REFRESH_TOKEN ?? '')).toBe(true)
  console.log(world.variables())
})
