/**
 * A runner killed (no signal) at each request of a rotation in turn, each in a world of its own: what the
 * kill leaves must never tell consumers an access token is fresh when it is not stored.
 */
import { startWorld, type World } from '../../harness/world.js'

const ACCESS_PUT = { method: 'PUT', path: /\/secrets\/WIZARD_OAUTH_TOKEN$/ }

describe('a runner killed at any request of a rotation', () => {
  it.each<[string, (w: World) => Promise<void>]>([
    // Seen in a year's soak: a kill between the expiry variable's write and the access token's left an expiry
    // an hour ahead of an access token that was never stored, and a later red run said healthy=true.
    ['the first rotation, no fault', async () => undefined],
    // The access token's write waits out a 502 before it is sent again: an expiry sent beside its first try
    // would have landed by then, and a kill during the wait would leave it ahead of a token never stored.
    [
      'the first rotation, the access token’s first write answering 502',
      async (w) => w.fx.github.injectFault(ACCESS_PUT, { kind: 'status', status: 502 })
    ],
    // The grant revokes the stored access token (Hydra does, on every refresh), while the stored expiry still
    // gives it half an hour: a kill before the new one is stored must not leave that expiry standing.
    [
      'a rotation half an hour after the last, whose access token the grant revokes',
      async (w) => {
        await w.run()
        await w.clock.advance(30 * 60_000)
      }
    ]
  ])('never leaves the stored expiry ahead of the stored access token: %s', async (_, prepare) => {
    const probe = await startWorld()
    await prepare(probe)
    const { requests } = await probe.run()
    await probe.close()
    for (let kill = 1; kill <= requests; kill++) {
      const w = await startWorld()
      try {
        await prepare(w)
        await w.run({ killAtRequest: kill })
        const expiresAt = Date.parse(w.variables().WIZARD_EXPIRES_AT ?? '')
        const access = w.stored().WIZARD_OAUTH_TOKEN
        // Left behind: whatever the kill allowed; an expiry in the future always describes a stored, live token.
        if (expiresAt > w.clock.ms) {
          expect({ kill, live: Boolean(access && (await w.fx.oauth.isAccessTokenLive(access))) }).toEqual({
            kill,
            live: true
          })
          const left = await w.fx.oauth.accessTokenExpiresIn(access ?? '')
          expect({ kill, ahead: expiresAt > w.clock.ms + (left ?? 0) * 1000 + 1000 }).toEqual({
            kill,
            ahead: false
          })
        }
      } finally {
        await w.close()
      }
    }
  })
})
