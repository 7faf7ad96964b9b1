import { startFixture, type Fixture, type RunOptions } from '../../harness/fixture.js'

/** A fresh OAuth server and GitHub stand-in for every test in the calling `describe` (or file). */
export function useFreshFixture(): () => Fixture {
  let current: Fixture | undefined
  beforeEach(async () => {
    current = await startFixture()
  })
  afterEach(async () => {
    await current?.close()
    current = undefined
  })
  return () => {
    if (!current) throw new Error('the fixture exists only inside a test')
    return current
  }
}

/**
 * A fresh OAuth server and GitHub stand-in for every test in the calling `describe`, and `run`, which
 * launches the bundle under the given Node binary against them.
 */
export function useFixturePerTest(node: string) {
  const fx = useFreshFixture()
  return {
    fx,
    run: (
      overrides?: Record<string, string>,
      env?: Record<string, string>,
      options: Omit<RunOptions, 'node' | 'env'> = {}
    ) => fx().run(overrides, { ...options, node, env })
  }
}

/**
 * A fixture of its own for one test, closed however the test ends: for `it.concurrent` tests (Jest runs no
 * `beforeEach`/`afterEach` around them) and for tests that need servers set up differently.
 */
export async function withFixture<T>(
  options: Parameters<typeof startFixture>[0],
  body: (fx: Fixture) => Promise<T>
): Promise<T> {
  const fx = await startFixture(options)
  try {
    return await body(fx)
  } finally {
    await fx.close()
  }
}
