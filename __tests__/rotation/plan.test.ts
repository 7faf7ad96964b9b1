import { planExpiryRollback, planWrites } from '../../src/rotation/plan.js'

const names = {
  refreshToken: 'RT',
  accessToken: 'AT',
  idToken: undefined,
  expiresAt: 'EXP',
  writeCheck: 'CHECK'
}
const tokens = { access_token: 'at', token_type: 'bearer', expires_in: 3600, refresh_token: 'rt' }
const expiry = {
  expiresAt: new Date('2026-11-24T11:00:00.000Z'),
  expiresIn: 3600,
  source: 'expires_in' as const
}

const shape = (stages: ReturnType<typeof planWrites>) =>
  stages.map((stage) => stage.map((w) => `${w.name}=${w.value}`))

describe('planWrites', () => {
  it('writes the refresh token alone first, then everything else at once', () => {
    expect(shape(planWrites(names, tokens, expiry))).toEqual([
      ['RT=rt'],
      ['AT=at', 'EXP=2026-11-24T11:00:00.000Z']
    ])
  })

  it('keeps the stored refresh token when the server did not rotate it', () => {
    const { refresh_token: _, ...unrotated } = tokens
    expect(shape(planWrites(names, unrotated, expiry))).toEqual([['AT=at', 'EXP=2026-11-24T11:00:00.000Z']])
  })

  it('writes the id token beside the access token only when both a name and a token exist', () => {
    const withId = { ...tokens, id_token: 'idt' }
    expect(shape(planWrites({ ...names, idToken: 'ID' }, withId, expiry))[1]).toEqual([
      'AT=at',
      'ID=idt',
      'EXP=2026-11-24T11:00:00.000Z'
    ])
    expect(shape(planWrites(names, withId, expiry))[1]).toEqual(['AT=at', 'EXP=2026-11-24T11:00:00.000Z'])
    expect(shape(planWrites({ ...names, idToken: 'ID' }, tokens, expiry))[1]).toEqual([
      'AT=at',
      'EXP=2026-11-24T11:00:00.000Z'
    ])
  })

  it('writes no expiry when it is turned off or unknown', () => {
    expect(shape(planWrites({ ...names, expiresAt: undefined }, tokens, expiry))).toEqual([
      ['RT=rt'],
      ['AT=at']
    ])
    expect(shape(planWrites(names, tokens, undefined))).toEqual([['RT=rt'], ['AT=at']])
  })
})

describe('planWrites with the expiry variable', () => {
  it('writes the variable beside the expiry secret, after the refresh token', () => {
    const stages = planWrites(names, tokens, expiry, { name: 'VAR', exists: true })
    expect(shape(stages)).toEqual([
      ['RT=rt'],
      ['AT=at', 'EXP=2026-11-24T11:00:00.000Z', 'VAR=2026-11-24T11:00:00.000Z']
    ])
    expect(stages[1]?.map((write) => write.kind)).toEqual(['secret', 'secret', 'variable'])
  })

  it('writes the variable even with the expiry secret turned off', () => {
    const stages = planWrites({ ...names, expiresAt: undefined }, tokens, expiry, {
      name: 'VAR',
      exists: false
    })
    expect(shape(stages)).toEqual([['RT=rt'], ['AT=at', 'VAR=2026-11-24T11:00:00.000Z']])
  })

  it('never writes the variable with an unknown expiry', () => {
    expect(shape(planWrites(names, tokens, undefined, { name: 'VAR', exists: true }))).toEqual([
      ['RT=rt'],
      ['AT=at']
    ])
  })
})

describe('planExpiryRollback', () => {
  const rotatedAt = new Date('2026-11-24T10:00:00.000Z')
  const withId = { ...tokens, id_token: 'idt' }
  const [, last = []] = planWrites({ ...names, idToken: 'ID' }, withId, expiry, { name: 'VAR', exists: true })
  const failing = (...wanted: string[]) => new Set(last.filter((write) => wanted.includes(write.name)))

  it('points every expiry write at the rotation time when a token write failed', () => {
    const redo = planExpiryRollback(last, failing('AT'), rotatedAt)
    expect(redo.map((write) => `${write.name}=${write.value}`)).toEqual([
      'EXP=2026-11-24T10:00:00.000Z',
      'VAR=2026-11-24T10:00:00.000Z'
    ])
    expect(redo.map((write) => write.kind)).toEqual(['secret', 'variable'])
  })

  it('redoes an expiry write that seemed to fail too: its answer may have been lost after it landed', () => {
    const redo = planExpiryRollback(last, failing('ID', 'EXP'), rotatedAt)
    expect(redo.map((write) => write.name)).toEqual(['EXP', 'VAR'])
  })

  it('has nothing to undo when every token landed, whatever else failed', () => {
    expect(planExpiryRollback(last, failing('VAR'), rotatedAt)).toEqual([])
    expect(planExpiryRollback(last, failing('EXP', 'VAR'), rotatedAt)).toEqual([])
  })
})
