/**
 * The check action's entry point (check/action.yml): a gate for the jobs that use the token. It reads three
 * inputs, writes three outputs and fails the step when the stored access token has too little life left.
 */
import * as core from '@actions/core'
import { check } from './check.js'

const result = check(
  {
    'expires-at': core.getInput('expires-at'),
    'valid-for': core.getInput('valid-for') || '10m',
    'rotation-skip-if-valid-for': core.getInput('rotation-skip-if-valid-for')
  },
  new Date()
)
core.setOutput('healthy', String(result.healthy))
core.setOutput('expires-at', result.expiry?.expiresAt.toISOString() ?? '')
core.setOutput('expires-in', result.expiry ? String(result.expiry.expiresIn) : '')
if (result.healthy) core.info(result.message)
else core.setFailed(result.message)
