import { breachOf, BEYOND_THE_SPEC } from '../../harness/github-contract.js'

describe('the GitHub stand-in is held to GitHub’s published contract', () => {
  it('passes a conforming answer, and names a breach of the schema, of the statuses, or of the operations', () => {
    expect(
      breachOf('GET', '/repos/o/r/actions/secrets/public-key', 200, { key_id: '1', key: 'k' })
    ).toBeUndefined()
    expect(breachOf('GET', '/repos/o/r/actions/secrets/public-key', 200, { key: 'k' })).toMatch(/key_id/)
    expect(
      breachOf('GET', '/repos/o/r/actions/variables/X', 200, {
        name: 'X',
        value: 'v',
        created_at: 'a',
        updated_at: 'b'
      })
    ).toBeUndefined()
    expect(breachOf('GET', '/repos/o/r/actions/variables/X', 200, { name: 'X' })).toMatch(/value/)
    expect(breachOf('PUT', '/repos/o/r/actions/secrets/X', 418, {})).toMatch(
      /does not list .* with no source/
    )
    expect(
      breachOf('POST', '/repos/o/r/actions/variables', 409, {
        message: 'Already exists - Variable already exists'
      })
    ).toBeUndefined()
    expect(breachOf('POST', '/repos/o/r/actions/variables', 409, { message: 1 })).toMatch(/error shape/)
    expect(breachOf('GET', '/repos/o/r/actions/variables', 409, {})).toMatch(/with no source/)
    expect(breachOf('GET', '/repos/o/r/pulls', 200, [])).toMatch(/does not hold/)
  })

  it('every status beyond the description says where GitHub says so', () => {
    for (const entry of BEYOND_THE_SPEC) expect(entry.source.length).toBeGreaterThan(30)
  })
})
