import { setTimeout as sleep } from 'node:timers/promises'
import { Cancellation } from '../src/cancellation.js'

function cancellation() {
  const warnings: string[] = []
  const stops: string[] = []
  const cancel = new Cancellation(
    (message) => warnings.push(message),
    (message) => stops.push(message)
  )
  return { cancel, warnings, stops }
}

describe('Cancellation', () => {
  it('before the grant: gives the lock back, then stops, once', async () => {
    const { cancel, warnings, stops } = cancellation()
    const order: string[] = []
    cancel.onStopBeforeGrant(async () => void order.push('lock given back'))
    cancel.request('SIGINT')
    cancel.request('SIGTERM')
    await sleep(10)
    expect(order).toEqual(['lock given back'])
    expect(stops).toEqual(['The run was cancelled before the grant was sent: nothing was spent or written.'])
    expect(warnings).toEqual(['SIGINT received before the grant was sent: stopping.'])
    expect(() => cancel.beforeSend(false)).toThrow(/cancelled before the grant/)
  })

  it('stops even when giving the lock back hangs', async () => {
    const { cancel, stops } = cancellation()
    cancel.onStopBeforeGrant(() => new Promise(() => undefined))
    cancel.request('SIGINT')
    await sleep(2100)
    expect(stops).toHaveLength(1)
  })

  it('after the grant: keeps going, says why, and prints the last words on the second signal', async () => {
    const { cancel, warnings, stops } = cancellation()
    let lastWords = 0
    cancel.onLastChance(async () => void lastWords++)
    cancel.beforeSend(false)
    cancel.request('SIGINT')
    cancel.request('SIGTERM')
    await sleep(5)
    expect(stops).toEqual([])
    expect(warnings[0]).toContain(
      'SIGINT received after the grant was sent: finishing the one write that cannot be redone'
    )
    expect(lastWords).toBe(1)
    cancel.phase = 'refresh-token-stored'
    cancel.request('SIGTERM')
    expect(warnings[2]).toContain('the new refresh token is stored')
  })

  it('lets a grant be sent again after a cancel only when an earlier attempt may have arrived', () => {
    const { cancel } = cancellation()
    cancel.beforeSend(false)
    cancel.request('SIGINT')
    expect(() => cancel.beforeSend(true)).not.toThrow()
    expect(() => cancel.beforeSend(false)).toThrow()
  })
})
