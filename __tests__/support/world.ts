import { startWorld, type World } from '../../harness/world.js'

/** A fresh world (OAuth server, GitHub stand-in, virtual clock) for every test of the calling file. */
export function useWorld(options: Parameters<typeof startWorld>[0] = {}): () => World {
  let current: World | undefined
  beforeEach(async () => {
    current = await startWorld(options)
  })
  afterEach(async () => {
    await current?.close()
    current = undefined
  })
  return () => {
    if (!current) throw new Error('the world exists only inside a test')
    return current
  }
}

/** How often the token server saw each refresh token presented: the one promise, counted. */
export function presentationsOf(world: World): Map<string, number> {
  const counts = new Map<string, number>()
  for (const token of world.fx.oauth.presented) counts.set(token, (counts.get(token) ?? 0) + 1)
  return counts
}

/** Every refresh token was presented once at most. */
export function expectOnePresentationPerToken(world: World): void {
  const twice = [...presentationsOf(world).values()].filter((count) => count > 1)
  expect(twice).toEqual([])
}

/** The refresh token the repository holds is live at the OAuth server: the chain goes on. */
export async function expectChainAlive(world: World): Promise<void> {
  expect(await world.fx.oauth.isRefreshTokenLive(world.fx.storedRefreshToken())).toBe(true)
}

/** What every hostile case must leave behind: no token presented twice, and a live chain. */
export async function expectOneLiveChain(world: World): Promise<void> {
  expectOnePresentationPerToken(world)
  await expectChainAlive(world)
}

export const MINUTE = 60_000
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR
