import { planExpiryRollback, planSalvage, planWrites } from '../../src/rotation/plan.js'

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
const rotatedAt = new Date('2026-11-24T10:00:00.000Z')
const variable = { name: 'VAR', exists: true }

const shape = (stages: ReturnType<typeof planWrites>) =>
  stages.map((stage) => stage.map((w) => `${w.name}=${w.value}`))

describe('planWrites', () => {
  it('writes the refresh token alone first, then everything else at once', () => {
    expect(shape(planWrites(names, tokens, expiry, undefined, rotatedAt))).toEqual([
      ['RT=rt'],
      ['AT=at', 'EXP=2026-11-24T11:00:00.000Z']
    ])
  })

  it('keeps the stored refresh token when the server did not rotate it, and writes the rest at once', () => {
    const { refresh_token: _, ...unrotated } = tokens
    expect(shape(planWrites(names, unrotated, expiry, variable, rotatedAt))).toEqual([
      ['AT=at', 'EXP=2026-11-24T11:00:00.000Z', 'VAR=2026-11-24T11:00:00.000Z']
    ])
  })

  it('writes the id token beside the access token only when both a name and a token exist', () => {
    const withId = { ...tokens, id_token: 'idt' }
    expect(shape(planWrites({ ...names, idToken: 'ID' }, withId, expiry, undefined, rotatedAt))[1]).toEqual([
      'AT=at',
      'ID=idt',
      'EXP=2026-11-24T11:00:00.000Z'
    ])
    expect(shape(planWrites(names, withId, expiry, undefined, rotatedAt))[1]).toEqual([
      'AT=at',
      'EXP=2026-11-24T11:00:00.000Z'
    ])
  })

  it('writes no expiry secret when it is turned off or unknown', () => {
    expect(
      shape(planWrites({ ...names, expiresAt: undefined }, tokens, expiry, undefined, rotatedAt))
    ).toEqual([['RT=rt'], ['AT=at']])
    expect(shape(planWrites(names, tokens, undefined, undefined, rotatedAt))).toEqual([['RT=rt'], ['AT=at']])
  })
})

describe('planWrites with the expiry variable (the marker compare-after-lock reads)', () => {
  it('moves the marker beside the refresh token, before the lock is given back', () => {
    const stages = planWrites(names, tokens, expiry, variable, rotatedAt)
    expect(shape(stages)).toEqual([
      ['RT=rt', 'VAR=2026-11-24T11:00:00.000Z'],
      ['AT=at', 'EXP=2026-11-24T11:00:00.000Z']
    ])
    expect(stages[0]?.map((write) => write.kind)).toEqual(['secret', 'variable'])
  })

  it('moves the marker even with the expiry secret turned off', () => {
    const stages = planWrites(
      { ...names, expiresAt: undefined },
      tokens,
      expiry,
      { ...variable, exists: false },
      rotatedAt
    )
    expect(shape(stages)).toEqual([['RT=rt', 'VAR=2026-11-24T11:00:00.000Z'], ['AT=at']])
  })

  it('moves the marker to the rotation time when the expiry is unknown, and writes no expiry secret', () => {
    expect(shape(planWrites(names, tokens, undefined, variable, rotatedAt))).toEqual([
      ['RT=rt', 'VAR=2026-11-24T10:00:00.000Z'],
      ['AT=at']
    ])
  })
})

describe('planSalvage', () => {
  it('stores the new refresh token and moves the marker to the rotation time, nothing else', () => {
    expect(shape(planSalvage(names, 'rt2', variable, rotatedAt))).toEqual([
      ['RT=rt2', 'VAR=2026-11-24T10:00:00.000Z']
    ])
    expect(shape(planSalvage(names, 'rt2', undefined, rotatedAt))).toEqual([['RT=rt2']])
  })
})

describe('planExpiryRollback', () => {
  const withId = { ...tokens, id_token: 'idt' }
  const all = planWrites({ ...names, idToken: 'ID' }, withId, expiry, variable, rotatedAt).flat()
  const failing = (...wanted: string[]) => new Set(all.filter((write) => wanted.includes(write.name)))
  const later = new Date('2026-11-24T10:00:05.000Z')

  it('points every expiry write at the rotation time when a token write failed', () => {
    const redo = planExpiryRollback(all, failing('AT'), later)
    expect(redo.map((write) => `${write.name}=${write.value}`)).toEqual([
      'VAR=2026-11-24T10:00:05.000Z',
      'EXP=2026-11-24T10:00:05.000Z'
    ])
    expect(redo.map((write) => write.kind)).toEqual(['variable', 'secret'])
  })

  it('points the marker back when the refresh token itself was lost', () => {
    expect(planExpiryRollback(all, failing('RT'), later).map((write) => write.name)).toEqual(['VAR', 'EXP'])
  })

  it('redoes an expiry write that seemed to fail too: its answer may have been lost after it landed', () => {
    const redo = planExpiryRollback(all, failing('ID', 'EXP'), later)
    expect(redo.map((write) => write.name)).toEqual(['VAR', 'EXP'])
  })

  it('has nothing to undo when every token landed, whatever else failed', () => {
    expect(planExpiryRollback(all, failing('VAR'), later)).toEqual([])
    expect(planExpiryRollback(all, failing('EXP', 'VAR'), later)).toEqual([])
  })
})
