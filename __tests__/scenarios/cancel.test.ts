/**
 * A cancel at every phase, hit by construction: the stand-ins tell the test when a request arrives, and the
 * runner's signals follow on the virtual clock with the runner's own gaps (SIGINT, SIGTERM 7.5 s later).
 * In-process nothing is killed, so each test also says what the process would have left behind at SIGKILL;
 * the bundle suite kills for real.
 */
import type { Cancellation } from '../../src/cancellation.js'
import { fingerprint } from '../../src/lease/fingerprint.js'
import type { World } from '../../harness/world.js'
import { expectChainAlive, presentationsOf, useWorld } from '../support/world.js'
import { withRecoveryKey } from '../support/recovery-key.js'

const world = useWorld()
const SIGTERM_AFTER_MS = 7500

/** The runner's cancel, starting now on the virtual clock. */
function runnerCancels(w: World, cancellation: Cancellation): void {
  cancellation.request('SIGINT')
  w.clock.at(w.clock.ms + SIGTERM_AFTER_MS, () => cancellation.request('SIGTERM'))
}

const claims = (w: World) => Object.entries(w.variables()).filter(([name]) => name.includes('_CLAIM_'))

describe('a cancel before the grant', () => {
  it('as the claim is created: stops before the grant, gives the claim back; nothing spent, the next run rotates', async () => {
    const w = world()
    let cancellation: Cancellation | undefined
    w.fx.github.injectFault({ method: 'POST', body: /_CLAIM_/ }, { kind: 'delay', ms: 1000 })
    w.clock.at(w.clock.ms + 500, () => runnerCancels(w, cancellation!))
    const run = await w.run({ onStart: (c) => (cancellation = c) })
    expect(run.outcome).toMatchObject({ status: 'cancelled', errorKind: 'cancelled', phase: 'before-grant' })
    expect(w.fx.oauth.presented).toEqual([])
    expect(claims(w)).toEqual([])
    expect(run.outputs.status).toBe('cancelled')
    expect((await w.run()).outcome.status).toBe('rotated')
  })

  it('while GitHub is slow to create the claim, past SIGTERM: the run waits a bounded while for it, gives it back, and ends', async () => {
    const w = world()
    let cancellation: Cancellation | undefined
    w.fx.github.injectFault(
      { method: 'POST', body: /_CLAIM_/ },
      { kind: 'delay', ms: SIGTERM_AFTER_MS + 1500 }
    )
    w.clock.at(w.clock.ms + 100, () => runnerCancels(w, cancellation!))
    const run = await w.run({ onStart: (c) => (cancellation = c) })
    // The entry point was asked to end the process, after the claim was given back.
    expect(run.ended).toBe(true)
    expect(run.outcome.status).toBe('cancelled')
    expect(claims(w)).toEqual([])
    expect(w.fx.oauth.presented).toEqual([])
  })

  it('at the write proof: the grant is never sent', async () => {
    const w = world()
    let cancellation: Cancellation | undefined
    w.fx.github.injectFault({ method: 'PUT', path: /WIZARD_WRITE_CHECK$/ }, { kind: 'delay', ms: 200 })
    w.clock.at(w.clock.ms + 100, () => runnerCancels(w, cancellation!))
    const run = await w.run({ onStart: (c) => (cancellation = c) })
    expect(run.outcome.status).toBe('cancelled')
    expect(w.fx.oauth.presented).toEqual([])
    expect(claims(w)).toEqual([])
  })
})

describe('a cancel once the grant is out', () => {
  it('with the answer in and the reservation’s create unanswered: the cancel cuts the write’s wait for it short, and the new refresh token is stored before the SIGKILL', async () => {
    // Found by a hostile review: the write waited a minute for the reservation, past the runner's SIGKILL.
    const w = world()
    let cancellation: Cancellation | undefined
    let atKill: string | undefined
    w.fx.github.injectFault({ method: 'POST', path: /\/variables$/, body: /reserved/ }, { kind: 'hang' }, 1)
    w.fx.oauth.onTokenRequest(() => {
      runnerCancels(w, cancellation!)
      w.clock.at(w.clock.ms + SIGTERM_AFTER_MS + 2500, () => (atKill = w.fx.storedRefreshToken()))
    })
    const run = await w.run({ onStart: (c) => (cancellation = c) })
    expect(run.outcome.status).toBe('rotated')
    expect(await w.fx.oauth.isRefreshTokenLive(atKill!)).toBe(true)
  })

  it('while the grant is out: the run waits for its answer and stores the new refresh token before stopping', async () => {
    const w = world()
    let cancellation: Cancellation | undefined
    w.fx.oauth.onTokenRequest(() => runnerCancels(w, cancellation!))
    const run = await w.run({ onStart: (c) => (cancellation = c) })
    expect(run.outcome.status).toBe('rotated')
    expect(run.log).toMatch(/SIGINT received while the grant is out: waiting for its answer/)
    await expectChainAlive(w)
  })

  it('with the answer in and the refresh-token write hanging past SIGTERM: the recovery line is printed and the claim says received before a SIGKILL could come', async () => {
    await withRecoveryKey(async (keys) => {
      const w = world()
      let cancellation: Cancellation | undefined
      const held = w.fx.storedRefreshToken()
      w.fx.github.injectFault(
        { method: 'PUT', path: /\/secrets\/WIZARD_REFRESH_TOKEN$/ },
        { kind: 'delay', ms: 60_000 }
      )
      w.fx.oauth.onTokenRequest(() => runnerCancels(w, cancellation!))
      let atKill: { claim: unknown; log: string[] } | undefined
      w.clock.at(w.clock.ms + SIGTERM_AFTER_MS + 2500, () => {
        // What a SIGKILL now would leave behind.
        atKill = {
          claim: JSON.parse(w.variables()[`WIZARD_CLAIM_${fingerprint(held)}`] ?? '{}'),
          log: []
        }
      })
      const run = await w.run({
        onStart: (c) => (cancellation = c),
        inputs: { 'recovery-public-key': keys.publicKey }
      })
      expect(atKill?.claim).toMatchObject({ state: 'received' })
      const sealed = /sealed to recovery-public-key: (\S+)/.exec(run.log)?.[1] ?? ''
      const opened = await keys.open(sealed)
      expect(await w.fx.oauth.isRefreshTokenLive(opened)).toBe(true)
      // In-process the write lands after all: rotated, and the line was the only copy until then.
      expect(run.outcome.status).toBe('rotated')
      expect(presentationsOf(w).get(held)).toBe(1)
    })
  })

  it('with the grant out and no answer by SIGTERM: the claim says unknown (held from the send), not claimed', async () => {
    const w = world()
    let cancellation: Cancellation | undefined
    const held = w.fx.storedRefreshToken()
    w.fx.oauth.injectFault({ kind: 'slow-answer', delayMs: 30_000 })
    w.fx.oauth.onTokenRequest(() => runnerCancels(w, cancellation!))
    let atKill: unknown
    w.clock.at(w.clock.ms + SIGTERM_AFTER_MS + 2500, () => {
      atKill = JSON.parse(w.variables()[`WIZARD_CLAIM_${fingerprint(held)}`] ?? '{}')
    })
    await w.run({ onStart: (c) => (cancellation = c) })
    expect(atKill).toMatchObject({ state: 'unknown' })
  })
})

describe('the answer arriving after the runner’s last signal', () => {
  it('with a recovery key: the recovery line goes out the moment the successor arrives, before its write', async () => {
    await withRecoveryKey(async (keys) => {
      const w = world()
      let cancellation: Cancellation | undefined
      w.fx.oauth.injectFault({ kind: 'slow-answer', delayMs: SIGTERM_AFTER_MS + 1000 })
      w.fx.github.injectFault(
        { method: 'PUT', path: /\/secrets\/WIZARD_REFRESH_TOKEN$/ },
        { kind: 'delay', ms: 60_000 }
      )
      w.fx.oauth.onTokenRequest(() => runnerCancels(w, cancellation!))
      const run = await w.run({
        onStart: (c) => (cancellation = c),
        inputs: { 'recovery-public-key': keys.publicKey }
      })
      // Before the refresh-token write (delayed a minute) could land: the line came at the answer.
      const lineAt = run.lines.findIndex((line) => line.includes('Recovery:'))
      const writeDone = run.lines.findIndex((line) =>
        /PUT \/repos\/octo\/widgets\/actions\/secrets\/WIZARD_REFRESH_TOKEN → 20/.test(line)
      )
      expect(lineAt).toBeGreaterThanOrEqual(0)
      expect(lineAt).toBeLessThan(writeDone)
      const sealed = /sealed to recovery-public-key: (\S+)/.exec(run.log)?.[1] ?? ''
      expect(await w.fx.oauth.isRefreshTokenLive(await keys.open(sealed))).toBe(true)
      // Said once, not twice.
      expect(run.log.match(/Recovery:/g)).toHaveLength(1)
    })
  })
})
