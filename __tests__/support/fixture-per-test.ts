import { startFixture, type Fixture } from '../../harness/fixture.js'

/**
 * A fresh OAuth server and GitHub stand-in for every test in the calling `describe`, and `run`, which
 * launches the bundle under the given Node binary against them.
 */
export function useFixturePerTest(node: string) {
  let current: Fixture | undefined
  beforeEach(async () => {
    current = await startFixture()
  })
  afterEach(async () => {
    await current?.close()
    current = undefined
  })
  const fx = (): Fixture => {
    if (!current) throw new Error('the fixture exists only inside a test')
    return current
  }
  return {
    fx,
    run: (overrides?: Record<string, string>, env?: Record<string, string>) =>
      fx().run(overrides, { node, env })
  }
}
