import { parseWorkflowRef } from '../../src/inputs/schema.js'
import { rebootstrapAdvice } from '../../src/report/advice.js'

const names = {
  refreshToken: 'CI_REFRESH',
  accessToken: 'CI_ACCESS',
  idToken: undefined,
  expiresAt: undefined,
  writeCheck: undefined
}
const target = {
  repository: 'octo/cat',
  owner: 'octo',
  repo: 'cat',
  environment: undefined as string | undefined
}

describe('rebootstrapAdvice', () => {
  it('names the configured refresh-token secret and repository, and prompts for the value', () => {
    const advice = rebootstrapAdvice({ target, secretNames: names, workflow: undefined })
    expect(advice).toContain('gh secret set CI_REFRESH --repo octo/cat   # paste the new refresh token')
    expect(advice).not.toContain('--body')
    expect(advice).toContain('gh workflow run <the rotation workflow> --repo octo/cat')
  })

  it('names the real workflow and the repository it lives in, when the run knows them', () => {
    const workflow = parseWorkflowRef('octo/ci/.github/workflows/refresh-oauth-token.yml@refs/heads/main')
    expect(workflow).toEqual({ repository: 'octo/ci', file: 'refresh-oauth-token.yml' })
    const advice = rebootstrapAdvice({ target, secretNames: names, workflow })
    expect(advice).toContain('gh workflow run refresh-oauth-token.yml --repo octo/ci   # rotates once')
    expect(parseWorkflowRef('')).toBeUndefined()
    expect(parseWorkflowRef('not a ref')).toBeUndefined()
  })

  it("targets the environment's secret when an environment is configured", () => {
    const advice = rebootstrapAdvice({
      target: { ...target, environment: 'prod eu' },
      secretNames: names,
      workflow: undefined
    })
    expect(advice).toContain('gh secret set CI_REFRESH --repo octo/cat --env "prod eu"')
  })
})
