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
    const advice = rebootstrapAdvice({ target, secretNames: names })
    expect(advice).toContain('gh secret set CI_REFRESH --repo octo/cat   # paste the new refresh token')
    expect(advice).not.toContain('--body')
    expect(advice).toContain('gh workflow run <this workflow> --repo octo/cat')
  })

  it("targets the environment's secret when an environment is configured", () => {
    const advice = rebootstrapAdvice({ target: { ...target, environment: 'prod eu' }, secretNames: names })
    expect(advice).toContain('gh secret set CI_REFRESH --repo octo/cat --env "prod eu"')
  })
})
