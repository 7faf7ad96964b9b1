/**
 * Every sentence a person reads: log lines, errors, the job summary, the alert issue. Nothing here decides
 * anything; each function turns facts into words. A message never holds a token: names, times, statuses
 * and the server's one-line error only.
 */
import type { Config } from './config.js'
import { formatDuration } from './duration.js'
import type { ErrorKind } from './errors.js'
import { rateLimitWaitSeconds, type GitHubError } from './github/errors.js'
import type { ClaimValue } from './lease/claim.js'
import type { FailReason, SkipReason } from './lease/decide.js'
import type { LeaseNotes } from './lease/lease.js'
import type { Expiry } from './oauth/expiry.js'
import type { Status } from './outcome.js'
import type { Phase } from './phase.js'
import type { PlannedWrite } from './store/plan.js'
import type { FailedWrite, Written } from './store/store.js'
import { CONSISTENCY_HORIZON_MS, HOLDER_WAIT_MS, RUN_BUDGET_MS, UNKNOWN_HOLD_MS } from './timing.js'

type Names = Pick<Config, 'target' | 'names' | 'workflow'>

const iso = (ms: number | Date) => new Date(ms).toISOString()
const seconds = (ms: number) => formatDuration(Math.max(0, Math.round(ms / 1000)))
const errorText = (error: unknown) =>
  error instanceof Error ? error.message : typeof error === 'string' ? error : String(error)

function gitHubFailure(error: unknown): string {
  const failure = error as Partial<GitHubError> | undefined
  if (failure && typeof failure === 'object' && 'status' in failure)
    return failure.status ? `GitHub answered ${failure.status}: ${failure.message ?? ''}` : errorText(error)
  return errorText(error)
}

/**
 * A refusal a missing permission explains (403 that is no rate limit, 404): the hint names the permission.
 * Anything else (a 5xx, no answer) is GitHub's trouble, and a permission hint would send a person the wrong way.
 */
function permissionHint(error: unknown, permission: string, otherwise: string): string {
  const failure = error as Partial<GitHubError> | undefined
  const refused =
    failure?.status === 404 ||
    (failure?.status === 403 &&
      rateLimitWaitSeconds(403, failure.headers ?? {}, failure.message ?? '', 0) === undefined)
  return refused ? `: give the job \`permissions: ${permission}\`.` : `. ${otherwise}`
}

/** The spent record knows a spend only to its hour: say so, rather than a time that looks exact. */
function spentWhen(reason: { since: number; withinMs?: number }): string {
  const within = reason.withinMs ?? 0
  return within > 1000
    ? `between ${iso(reason.since)} and ${iso(reason.since + within)}`
    : `at ${iso(reason.since)}`
}

function where(config: Pick<Config, 'target'>): string {
  const { repository, environment } = config.target
  return environment ? `${repository} (environment "${environment}")` : repository
}

const envFlag = (config: Pick<Config, 'target'>) =>
  config.target.environment ? ` --env "${config.target.environment}"` : ''

/** The command that runs the rotation by hand: the real workflow when the run knows it. */
function rerun(config: Pick<Config, 'target' | 'workflow'>): string {
  return config.workflow
    ? `gh workflow run ${config.workflow.file} --repo ${config.workflow.repository}`
    : `gh workflow run <the rotation workflow> --repo ${config.target.repository}`
}

/**
 * The steps that put a freshly signed-in refresh token back. `gh secret set` without `--body` prompts for
 * the value, so the token lands in no shell history; the hand-started run then writes everything else.
 */
function resignIn(config: Names): string {
  return [
    'To recover, a person signs in again (a new authorization, which issues a new refresh token), then:',
    `  gh secret set ${config.names.refreshToken} --repo ${config.target.repository}${envFlag(config)}   # paste the new refresh token`,
    `  ${rerun(config)}   # rotates once and writes every other value`
  ].join('\n')
}

function endpoint(config: Pick<Config, 'tokenUrl' | 'zone' | 'clientId' | 'explicitTokenUrl'>): string {
  // Origin and path only: a query string in token-url could carry something that belongs in no log.
  const url = new URL(config.tokenUrl)
  const by = config.explicitTokenUrl ? 'token-url' : `zone ${config.zone}`
  return `the token endpoint ${url.origin}${url.pathname} (${by}), client ${config.clientId}`
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)

/** The inputs' messages, apart: config.ts builds its schema from them, and the types must not go round in a circle. */
export const inputMessages = {
  secretNameChars: 'must contain only letters, digits and underscores, and must not start with a digit',
  secretNameReserved: 'must not start with GITHUB_ (GitHub reserves it)',
  absoluteUrl: (example: string) => `must be an absolute URL such as ${example}`,
  httpsOnly: 'must use https: (http: is allowed only for a loopback host: localhost, 127.0.0.0/8, [::1])',
  noCredentials: 'must not carry credentials',
  duration: (min: string, max: string) => `must be a duration from ${min} to ${max}, such as 30s, 15m or 1h`,
  flag: 'must be true or false',
  refreshTokenRequired:
    'is required: pass the stored refresh token, e.g. ${{ secrets.WIZARD_REFRESH_TOKEN }}',
  writerTokenRequired:
    'is required: a fine-grained personal access token or a GitHub App installation token that can write ' +
    'secrets and variables on the target repository (the job’s own GITHUB_TOKEN cannot write secrets)',
  zone: (names: readonly string[]) => `must be one of: ${names.join(', ')}`,
  zoneEmpty: (zone: string) =>
    `The zone input is empty (an unset variable?), so this run uses zone ${zone}. Set it to us or eu: a ` +
    'refresh token from the other zone is refused as invalid_grant.',
  repositoryRequired: 'is required: owner/name, or run inside GitHub Actions where GITHUB_REPOSITORY is set',
  repositoryShape: 'must be owner/name',
  environmentLength: 'must be at most 255 characters',
  environmentChars: 'must not contain control characters',
  recoveryKey: 'must be a base64 X25519 public key (32 bytes), as `npm run recovery-key` prints it',
  jobTokenRequired:
    'is required by alert-issue and keep-alive: pass ${{ github.token }} (the default) with permissions ' +
    'issues: write (alert-issue) and actions: write (keep-alive)',
  sameName: (other: string, name: string) => `names the same secret as ${other} (${name})`,
  problem: (name: string, shown: string | undefined, message: string) =>
    `Input "${name}"${shown === undefined ? '' : ` (got ${JSON.stringify(shown)})`} ${message}.`
}

export const say = {
  localRun: 'a local run',

  writeCheckValue: (now: Date) =>
    `written by refresh-oauth-secrets at ${now.toISOString()} to prove the writer token can write secrets; safe to delete`,

  unexpected: (error: unknown) => `Unexpected failure: ${errorText(error)}`,

  input: inputMessages,

  preflight: {
    untouched: 'The refresh token was not presented: it is still good.',
    writerTokenRejected: (config: Config, error: unknown) =>
      `The writer token is expired or revoked (${gitHubFailure(error)}). ${say.preflight.untouched} Renew it (a ` +
      'fine-grained personal access token at https://github.com/settings/personal-access-tokens, "Regenerate ' +
      'token"; for a GitHub App token, check the App is still installed), then store it: ' +
      `gh secret set ${config.names.writerToken} --repo ${config.target.repository}`,
    notPermitted: (config: Config, error: unknown, wanted: string | undefined) =>
      `The writer token cannot do what the rotation needs on ${where(config)} (${gitHubFailure(error)}` +
      `${wanted ? `; GitHub wants ${wanted}` : ''}). ${say.preflight.untouched} Give it Secrets: read and write and ` +
      'Variables: read and write on the repository (Variables hold the claim that keeps two runs from ' +
      `presenting one token, and the expiry consumers read)${config.target.environment ? ', and Environments: read and write' : ''}. ` +
      'A token that waits for an organisation owner’s approval, or cannot see the repository, gets this too.',
    refused: (config: Config, error: unknown) =>
      `GitHub refused the check of ${where(config)} (${gitHubFailure(error)}). ${say.preflight.untouched} Check ` +
      'the repository, environment and github-api-url inputs (a renamed repository answers with a redirect).',
    unreachable: (error: unknown) =>
      `GitHub could not be reached before the grant (${gitHubFailure(error)}). ${say.preflight.untouched} The next ` +
      'scheduled run tries again.',
    rateLimitLow: (remaining: number, resetAt: Date) =>
      `The writer token has only ${remaining} GitHub calls left in this rate-limit window (it resets at ` +
      `${resetAt.toISOString()}): too few for the writes after the grant, so the refresh token was not presented. ` +
      'Nothing was changed. The next scheduled run tries again; a writer token shared with other jobs is the usual cause.',
    tooSlow:
      'GitHub was too slow to answer before the grant (the preflight ran out of time). The refresh token was not ' +
      'presented. The next scheduled run tries again.',
    seal: (config: Config, error: unknown) =>
      `Could not seal a value with the public key of ${where(config)} (${errorText(error)}). ${say.preflight.untouched}`
  },

  github: {
    retrying: (call: string, why: string, waitMs: number) =>
      `Could not ${call} (${why}); trying again in ${seconds(waitMs)}.`
  },

  guard: {
    skip(reason: SkipReason): string {
      switch (reason.why) {
        case 'spent':
          return (
            `The refresh token this job holds was spent${reason.by ? ` by ${reason.by}` : ''} ${spentWhen(reason)}, ` +
            'and its successor is stored: this job holds an old copy (a re-run of an older run, or a run queued ' +
            'behind a rotation). It was not presented. Nothing to do.'
          )
        case 'outdated':
          return (
            `A newer refresh token was stored after ${reason.by} claimed the one this job holds (at ` +
            `${iso(reason.claimedAt)}): this job holds an old copy, so it was not presented. Nothing to do.`
          )
      }
    },
    fail(reason: FailReason, config: Config): string {
      switch (reason.why) {
        case 'in-flight':
          return (
            `${capitalize(reason.by)} claimed this refresh token at ${iso(reason.claimedAt)} and has not finished ` +
            `after this run waited ${seconds(HOLDER_WAIT_MS)} for it: it is storing through GitHub trouble, or it ` +
            'was killed. This run did not present the token and changed nothing. If that run was killed after ' +
            `its grant, the token is lost: after ${iso(reason.until + CONSISTENCY_HORIZON_MS)} a run presents it ` +
            'once more and says so.'
          )
        case 'held':
          return (
            `The last presentation of this refresh token, by ${reason.by} at ${iso(reason.sentAt)}, got no readable ` +
            `answer, and it may still be processed: the token is held until ${iso(reason.until)} ` +
            `(${seconds(UNKNOWN_HOLD_MS)} after that send). This run did not present it; a run after that presents ` +
            'it once more. If the server had processed that grant, its successor is lost and the alert issue says what to do.'
          )
        case 'unreadable':
          return reason.what === 'claim'
            ? 'Another run claimed this refresh token, and GitHub’s reads did not show its claim within ' +
                `${seconds(HOLDER_WAIT_MS)}: this run did not present the token and changed nothing. The next run reads it again.`
            : 'The spent record exists, and GitHub’s reads did not show it within ' +
                `${seconds(HOLDER_WAIT_MS)}: without it this run cannot tell whether its token was spent, so it ` +
                'did not present it and changed nothing. The next run reads it again.'
        case 'lost':
          return (
            `The refresh token this job holds was spent${reason.by ? ` by ${reason.by}` : ''} ${spentWhen(reason)}, ` +
            'and its successor was never stored. Presenting it again would revoke the whole family, with the ' +
            'successor too if anyone still has it, so it was not presented. If that run printed a recovery line, ' +
            'store the token it holds (see "Recovering without signing in"); otherwise:\n' +
            resignIn(config)
          )
        case 'presented-twice':
          return (
            `This refresh token was presented twice with no readable answer (the last by ${reason.by}` +
            `${reason.sentAt ? ` at ${iso(reason.sentAt)}` : ''}). A third try would only be a guess: if either was ` +
            'processed, the token is spent and presenting it again revokes the family. Check the token endpoint; ' +
            'if the next manual run fails with invalid_grant, sign in again.\n' +
            resignIn(config)
          )
        case 'given-back':
          return (
            `${capitalize(reason.by)} gave this refresh token's claim back at ${iso(reason.at)} without presenting ` +
            "it, and a write of that run may still land (the claim's removal, or a write over this token's " +
            'secrets): until then no run takes the claim over, since a write landing after a takeover could leave ' +
            `the token unguarded or put a spent one back. This run did not present it; a run after ` +
            `${iso(reason.until)} takes it over.`
          )
        case 'generations-used':
          return (
            `This refresh token's claims are used up to generation ${reason.generation}, the last given back by ` +
            `${reason.by} without presenting it (each given back while GitHub was failing). If no rotation is ` +
            `running, delete them (gh variable list --repo ${config.target.repository} shows WIZARD_CLAIM_… and ` +
            `its _2 … _${reason.generation}; gh variable delete NAME --repo ${config.target.repository}), then ` +
            `${rerun(config)}.`
          )
        case 'foreign-claim':
          return (
            `The variable WIZARD_CLAIM_… for this token (generation ${reason.generation}) holds ` +
            'something this action did not write, so it cannot tell whether the token is being presented. If no ' +
            'rotation is running, delete it: gh variable list --repo ' +
            `${config.target.repository} shows it, gh variable delete NAME --repo ${config.target.repository} removes it.`
          )
        case 'refused-after-unknown':
          return (
            `This refresh token was presented once more after an unknown outcome, by ${reason.by} at ` +
            `${iso(reason.at)}, and the server refused it: the first presentation had rotated it, and its ` +
            `successor was lost. It is never presented again.\n${resignIn(config)}`
          )
        case 'silent-with-recovery':
          return (
            `${capitalize(reason.by)} claimed the refresh token this job holds at ${iso(reason.claimedAt)} and went ` +
            'silent (killed, most likely), and it had a recovery key: it may have printed the new refresh token, ' +
            'sealed, before it died. Presenting the old token again would revoke that one too, so nothing was ' +
            'presented. Look at that run’s log: if it printed a "Recovery:" line, open it and store the token ' +
            `(see "Recovering without signing in"). If it printed none, delete the claim so the next run presents ` +
            `the token once more: gh variable delete WIZARD_CLAIM_… --repo ${config.target.repository} (gh variable list shows it).`
          )
        case 'same-second':
          return (
            `The refresh-token secret ${config.names.refreshToken} was written within the very second ${reason.by} ` +
            `claimed the token this job holds (${iso(reason.claimedAt)}), and that run never said what became of ` +
            'it. Whether the secret holds this token (stored by a person just before) or its successor (stored by ' +
            'that run just after) cannot be told, so nothing was presented. If you stored this token by hand then, ' +
            `delete the claim: gh variable delete WIZARD_CLAIM_… --repo ${config.target.repository} ` +
            '(gh variable list shows it); otherwise run the workflow again: the next run holds the new token.'
          )
        case 'unreadable-record':
          return (
            `The variable ${config.names.record} (the spent record) is not one this action wrote (${reason.reason}), ` +
            'so it cannot tell whether this token was spent long ago. Nothing was presented. Put back the value it ' +
            'had (the repository’s audit log shows the change), or fix the entry it names. Deleting it drops the ' +
            'guard against re-runs of the last 30 days: do that only if no such run will ever be re-run.'
          )
      }
    },
    outdatedAndExpired: (reason: Extract<SkipReason, { why: 'outdated' }>, config: Config) =>
      `${say.guard.skip(reason).replace(/ Nothing to do\.$/, '')} But the stored access token has expired, so no ` +
      'newer rotation is keeping the chain alive: the token this job holds may be the current one, stored again ' +
      'by hand after that claim. If so, delete the claim and run the workflow again: gh variable delete ' +
      `WIZARD_CLAIM_… --repo ${config.target.repository} (gh variable list shows it), then ${rerun(config)}. ` +
      'If a newer token is stored, this job only held an old copy: run the workflow again.',
    oldCopyVouchesForNothing:
      'Holding an old copy, this run cannot vouch for the stored access token (its read of the expiry may ' +
      "predate that rotation, or another run's rotation at this moment): healthy is false here, and the expiry " +
      'variable tells consumers.',
    spentAndExpired: (reason: Extract<SkipReason, { why: 'spent' }>, config: Config) =>
      `${say.guard.skip(reason).replace(/ Nothing to do\.$/, '')} But the stored access token has expired, so ` +
      'no newer rotation is keeping the chain alive: the token stored after this one may never have been ' +
      `written, or its rotation is failing. Run the workflow (${rerun(config)}); if that run is red too, its ` +
      `message says what to do, and if the stored refresh token is refused:\n${resignIn(config)}`,
    valid: (expiry: Expiry, skipIfValidForMs: number) =>
      `The stored access token is valid until ${expiry.expiresAt.toISOString()} (${formatDuration(expiry.expiresIn)} ` +
      `left), longer than skip-if-valid-for (${seconds(skipIfValidForMs)}). Skipped.`,
    secondPresentation: (from: ClaimValue) =>
      `This refresh token's earlier presentation by ${from.holder}${from.sentAt ? ` at ${from.sentAt}` : ''} got no ` +
      'readable answer, and can no longer be in flight: this run presents it once more (and never again after ' +
      'this). If that first presentation had been processed, the server answers invalid_grant now and revokes ' +
      'the family (unless its rotation grace period covers it): then a person signs in again.',
    missed: (expiry: Expiry, now: Date) =>
      `The stored access token expired at ${expiry.expiresAt.toISOString()}, ${seconds(now.getTime() - expiry.expiresAt.getTime())} ` +
      'ago: the run before this one was missed or late (GitHub delays and drops scheduled runs when busy), or ' +
      'failed. Jobs that used the token in that window may have failed. Rotating now. A schedule every 10 minutes with ' +
      'skip-if-valid-for: 45m survives three dropped runs in a row (the README’s "A cadence that survives dropped runs").'
  },

  grant: {
    retrying: (attempt: number, why: string, waitMs: number) =>
      `The grant never reached the server's processing on attempt ${attempt} (${why}); sending it again in ${seconds(waitMs)}.`,
    notSent: (reason: string, attempts: number) =>
      `The token endpoint could not be reached (${reason}; ${attempts} attempt${attempts > 1 ? 's' : ''}). The grant ` +
      'never reached it, so the stored refresh token was not spent. The next scheduled run tries again.',
    refused(reason: string, oauthError: string | undefined, config: Config): string {
      const final = 'Retrying cannot help: every run fails the same way until this is fixed.'
      if (!oauthError || oauthError === 'unsupported_grant_type')
        return (
          `${capitalize(endpoint(config))} does not answer like an OAuth token endpoint (${reason}). ${final} Check the ` +
          `zone and token-url inputs; the refresh token was most likely not spent. Then: ${rerun(config)}`
        )
      if (oauthError === 'invalid_client' || oauthError === 'unauthorized_client')
        return (
          `${capitalize(endpoint(config))} refused the client (${reason}). ${final} A server refuses the client before ` +
          'it looks at the refresh token, so the token was not spent: check client-id and client-secret (each ' +
          `zone has its own public client; a wrong zone gives this too). Then: ${rerun(config)}`
        )
      return (
        `The OAuth server does not accept this refresh token: ${reason} (${endpoint(config)}). ${final} If the token ` +
        `was issued in the other zone, set the zone input (this run used ${config.explicitTokenUrl ? 'token-url' : `zone ${config.zone}`}) ` +
        `and run again; otherwise it was revoked, expired, or spent twice (by another machine or workflow using ` +
        `the same token, for instance).\n${resignIn(config)}`
      )
    },
    concurrent: (reason: string, config: Config) =>
      `Another request was refreshing this same refresh token at the same moment (${reason}). This action never ` +
      'sends one token twice at once, so something else holds a copy: another workflow, a second schedule, a ' +
      'fork, or a local session of the wizard seeded from the same sign-in. That request may have spent it. ' +
      'Find and stop the other user of the token; the claim holds it for a while, and a run after that presents ' +
      `it once more.\nIf that fails with invalid_grant:\n${resignIn(config)}`,
    unknown: (reason: string, config: Config) =>
      `The grant was sent and no readable answer came (${reason}): whether the server rotated the refresh token ` +
      'cannot be told from here. It was not sent again: a second grant while the first may still be processed ' +
      'would present a spent token and revoke the whole family. The stored expiry says the send. The token is held for ' +
      `${seconds(UNKNOWN_HOLD_MS)}; a run after that presents it once more. If that one fails with invalid_grant, ` +
      `the first did rotate it and its successor was lost.\n${resignIn(config)}`,
    successorTaken:
      'Another run claimed the new refresh token (it read it from the secret) before this run had reserved it. ' +
      'That run may rotate it, which revokes the access token this run received, and writes its own: so this ' +
      'run wrote no access token or expiry over it. The stored expiry says when this run sent its grant; if ' +
      'that run did not rotate, the next rotation writes fresh values.',
    salvaged: (reason: string) =>
      `${capitalize(reason)}. The server issued a new refresh token with it, which was stored; the access token ` +
      'and the expiry were not written. The next run rotates with the stored refresh token.',
    noExpiry: (written: Written[]) =>
      'The token endpoint gave no usable expires_in and the access token carries no exp claim, so the expiry is ' +
      `unknown. The new tokens were stored (${written.map(describeWrite).join(', ')}); the stored expiry still ` +
      'says when the grant was sent, rather than a guess.',
    noRefreshToken: (config: Config, written: Written[], failed: FailedWrite[]) =>
      'The token endpoint answered without a new refresh token. ' +
      (written.length ? `Stored: ${written.map(describeWrite).join(', ')}. ` : '') +
      (failed.length ? `Not stored: ${failedWrites(failed)}. ` : '') +
      'A server that rotates refresh tokens (Hydra does) has spent the stored one now, and its successor was ' +
      `never sent: the claim holds it as unknown.\n${resignIn(config)}`,
    afterRetries: (attempts: number) =>
      `The grant reached the server on attempt ${attempts}, after the earlier ones never did.`
  },

  store: {
    expiryBehind: (before: Expiry) =>
      'The expiry variable was set to the moment before the grant, which never reached the server: consumers ' +
      'see the access token as expired. Unless another run rotated in the last few minutes, it still works, ' +
      `until about ${before.expiresAt.toISOString()}; the next rotation writes a fresh expiry. (It is never put ` +
      'back: the value could only come from a read, and a read may lag a rotation moments ago.)',
    rekey: (name: string, error: unknown) =>
      `GitHub refused the sealed ${name} (${gitHubFailure(error)}): the repository's key changed; reading it again.`,
    refreshTokenLost: (config: Config, error: unknown, recoveryLine: boolean) =>
      'The OAuth server issued a new refresh token and the old one is spent, but writing it to the secret ' +
      `${config.names.refreshToken} on ${where(config)} failed (${gitHubFailure(error)}), after trying for ` +
      `as long as the run could (${seconds(RUN_BUDGET_MS)} from its start). ` +
      (recoveryLine
        ? 'It was printed above, sealed to recovery-public-key: open and store it (see "Recovering without ' +
          'signing in" in the README). The claim keeps every later run from presenting the spent token meanwhile.'
        : 'It existed only in this run and is lost. The claim keeps every later run from presenting the spent ' +
          `token.\n${resignIn(config)}`),
    restFailed(failed: FailedWrite[], config: Config): string {
      return (
        `The new refresh token was stored in ${config.names.refreshToken} and the chain is safe, but writing ${failedWrites(failed)} ` +
        'failed. An expiry not written still says when the grant was sent (it was set there before the grant): ' +
        'consumers see the access token as expired, never as fresher than it is. Run the workflow again to write ' +
        'fresh values (when GitHub failed mid-write, a run in the next quarter hour ends red without presenting ' +
        `anything, since a late write could still land; the one after it rotates): ${rerun(config)}`
      )
    }
  },

  cancel: {
    beforeGrant: 'The run was cancelled before the grant was sent: nothing was spent.',
    received(signal: string, phase: Phase): string {
      switch (phase) {
        case 'before-grant':
        case 'not-rotated':
          return `${signal} received before the grant was sent: stopping; the claim is given back.`
        case 'grant-out':
          return `${signal} received while the grant is out: waiting for its answer, to store the new refresh token before stopping.`
        case 'successor-received':
          return `${signal} received: finishing the one write that cannot be redone, the new refresh token, before stopping.`
        default:
          return `${signal} received: the new refresh token is stored; finishing the last writes.`
      }
    }
  },

  recovery: {
    line: (sealed: string, config: Config) =>
      `Recovery: the new refresh token, sealed to recovery-public-key: ${sealed} — open it where the private key ` +
      `is and store it: node scripts/recover.mjs ${sealed} | gh secret set ${config.names.refreshToken} ` +
      `--repo ${config.target.repository}${envFlag(config)}`,
    failed: (error: unknown) => `Could not seal the new refresh token for recovery: ${errorText(error)}`
  },

  lease: {
    notes(notes: LeaseNotes, config: Config | undefined): string[] {
      const repo = config ? ` --repo ${config.target.repository}` : ''
      return [
        ...notes.unrecorded.map(
          ({ name, reason }) =>
            `Could not write the variable ${name} (${reason}). The claims still keep the token from being ` +
            'presented twice; the spent record catches up at the next rotation.'
        ),
        ...(notes.oldLock
          ? [
              `The variable ${notes.oldLock} is the lock of an earlier version of this action; a claim per token ` +
                `replaced it, and nothing reads it now. Delete it: gh variable delete ${notes.oldLock}${repo}`
            ]
          : []),
        ...(notes.recordCutShort
          ? [
              `The spent record is full: it keeps the tokens of the last ${formatDuration(notes.recordCutShort / 1000)} ` +
                'only (rotations far more often than every 20 minutes). A re-run of a run older than that would ' +
                'present a spent token unguarded: rotate less often (skip-if-valid-for), or do not re-run old runs.'
            ]
          : []),
        ...(notes.leftClaims.length
          ? [
              `Could not remove ${notes.leftClaims.length === 1 ? 'the claim' : 'the claims'} of long-spent tokens: ` +
                `${notes.leftClaims.join(', ')}. They block nothing; remove them with gh variable delete NAME${repo}.`
            ]
          : [])
      ]
    }
  },

  dryRun: (config: Config, verdict: { note?: string }) =>
    `Dry run: the writer token claimed the refresh token, read the key and wrote a sealed secret on ${where(config)}; ` +
    `the claim was given back and the refresh token was not presented. A rotation would write ${config.names.refreshToken}, ` +
    `then ${config.names.accessToken}${config.names.expiresAt ? `, ${config.names.expiresAt}` : ''} and the variable ` +
    `${config.names.expiresAtVariable}.${verdict.note ? ` ${verdict.note}` : ''}`,

  writerToken: {
    expires: (expiresAt: Date, now: Date, secretName: string) =>
      `The writer token (the secret ${secretName}) expires at ${expiresAt.toISOString()}, in ` +
      `${seconds(expiresAt.getTime() - now.getTime())}. When it expires, rotation stops and the access token dies ` +
      'an hour later. Renew it now (https://github.com/settings/personal-access-tokens, "Regenerate token") and ' +
      `store it with \`gh secret set ${secretName}\`, or use a GitHub App installation token, which does not ` +
      'expire with a person.'
  },

  report: {
    heading(status: Status, config: Pick<Config, 'target'> | undefined): string {
      const at = config ? where(config) : 'the target'
      const headings: Record<Status, string> = {
        rotated: `OAuth secrets rotated on ${at}`,
        'skipped-valid': `OAuth rotation skipped on ${at}: the stored token is still valid`,
        'skipped-spent': `OAuth rotation skipped on ${at}: this job holds an old copy of the token`,
        'dry-run': `OAuth rotation dry run on ${at}`,
        cancelled: `OAuth rotation cancelled on ${at}`,
        failed: `OAuth rotation failed on ${at}`
      }
      return headings[status]
    },
    healthy: (expiry: Expiry) =>
      `Healthy: the stored access token is valid until ${expiry.expiresAt.toISOString()} (${formatDuration(expiry.expiresIn)} left).`,
    notHealthy: (expiry: Expiry | undefined, now: Date) =>
      expiry
        ? `Not healthy: the stored access token expired at ${expiry.expiresAt.toISOString()}, ${seconds(now.getTime() - expiry.expiresAt.getTime())} ago.`
        : 'Not healthy: this run has no stored expiry that says the access token is valid.',
    dryRun: 'Dry run: nothing was spent or rotated.',
    failed: (kind: ErrorKind) => `Failed (${kind}). Next step: ${NEXT_STEP[kind]}`,
    cancelled: `Cancelled before the grant. Next step: ${'nothing; nothing was spent, and the next run rotates.'}`,
    expiryNote: (expiry: Expiry) => {
      const source = {
        expires_in: "the server's expires_in",
        'jwt-exp': "the token's exp claim",
        stored: 'the stored expiry'
      }
      return `${expiry.source === 'stored' ? 'The stored' : 'The new'} access token expires at ${expiry.expiresAt.toISOString()} (in ${formatDuration(expiry.expiresIn)}, from ${source[expiry.source]}).`
    },
    rotatedAt: (at: Date) => `Last rotation: this run, at ${at.toISOString()}.`,
    notRotatedRefresh: 'The server did not issue a new refresh token; the stored one was kept.',
    writerTokenExpiresAt: (at: Date) => `The writer token expires at ${at.toISOString()}.`,
    rotatedLine: (written: Written[], expiry: Expiry | undefined) =>
      `Rotated ${written.map(describeWrite).join(', ')}; the new access token expires at ${expiry?.expiresAt.toISOString() ?? 'an unknown time'}.`,
    table: ['Secret', 'What', 'Result'],
    couldNot: (what: string, error: unknown) => `Could not ${what}: ${errorText(error)}`
  },

  alert: {
    title: (target: string, kind: string) => `OAuth token rotation needs a person: ${target} (${kind})`,
    writerTokenKind: 'the writer token expires',
    body: (lead: string, message: string, runUrl: string | undefined) =>
      `**${lead}**\n\n${fence(message)}${runUrl ? `\n\nThe run: ${runUrl}` : ''}\n\nThis issue closes itself on the next successful rotation.`,
    failedLead:
      'The rotation of the OAuth secrets failed, and the next run will fail the same way until a person acts.',
    writerTokenLead: 'The writer token expires within days; rotation stops when it does.',
    unknownLead:
      'A grant got no readable answer. It may clear by itself (the run after the hold presents the token once ' +
      'more, and closes this issue when it rotates); if the server had rotated it, a person must sign in again.',
    closing: (runUrl: string | undefined) =>
      `Rotated again${runUrl ? ` (${runUrl})` : ''}: the secrets are current. Closing.`,
    done: (what: string) => `Alert issue: ${what}.`,
    /** What became of the issue, for `done`. */
    applied: {
      nothing: 'nothing to do',
      noneOpen: 'no open alert',
      closed: (issue: number) => `closed #${issue}`,
      updated: (issue: number) => `updated #${issue}`,
      opened: (issue: number) => `opened #${issue}`
    },
    disabled: (repository: string) =>
      `Issues are turned off on ${repository} (GitHub answered 410), so no alert issue can be opened. Turn them on ` +
      '(Settings → General → Features → Issues), as a fork needs, or set alert-issue: false.',
    failed: (repository: string, error: unknown) =>
      `Could not update the alert issue on ${repository} (${gitHubFailure(error)})` +
      permissionHint(error, 'issues: write', 'The next run that needs a person tries again.')
  },

  keepAlive: {
    unknownWorkflow:
      'Keep-alive: the workflow file is unknown here (no GITHUB_WORKFLOW_REF), so its schedule was not kept enabled.',
    enabled: (file: string, home: string) => `Keep-alive: enabled ${file} on ${home}.`,
    failed: (file: string, error: unknown) =>
      `Could not keep the schedule of ${file} alive (${gitHubFailure(error)})` +
      permissionHint(error, 'actions: write', 'The next run tries again.') +
      ' Without the keep-alive, GitHub disables the schedule after 60 days without activity in a public repository.'
  },

  check: {
    healthy: (expiry: Expiry) => say.report.healthy(expiry),
    tooShort: (expiry: Expiry, minimumMs: number) =>
      `The stored access token expires at ${expiry.expiresAt.toISOString()}, less than valid-for (${seconds(minimumMs)}) ` +
      'from now: rotation has stopped or is late. Look at the rotation workflow’s last runs.',
    rotationDue: (expiry: Expiry, minimumMs: number, marginMs: number, untilMs: number) =>
      `The stored access token expires at ${expiry.expiresAt.toISOString()}, but the next rotation revokes it ` +
      `(Hydra revokes the old access token on every exchange) once it has less than ${seconds(marginMs)} left ` +
      `(rotation-skip-if-valid-for), ${untilMs > 0 ? `in ${seconds(untilMs)}` : 'any moment now'}: less than ` +
      `valid-for (${seconds(minimumMs)}). Start the job after the next rotation.`,
    missing:
      'No stored expiry to check (expires-at is empty or not a time): the token has never been rotated here, or ' +
      'the wrong variable is passed (`expires-at: ${{ vars.WIZARD_EXPIRES_AT }}`, or _<ENVIRONMENT> in environment mode).',
    badDuration: 'must be a duration up to 30d, such as 10m or 1h'
  }
}

/** The one step a failure asks of a person, by kind. */
const NEXT_STEP: Record<ErrorKind, string> = {
  input: 'fix the input named below; nothing was spent.',
  preflight: 'fix the writer token as below; nothing was spent.',
  guard: 'clear the variable named below; nothing was spent.',
  transient: 'nothing; the next scheduled run retries with the stored token.',
  terminal: 'follow the steps below; every run fails the same way until then.',
  concurrent: 'find the other user of this token (below).',
  unknown: 'nothing at once: the token is held, then presented once more (below).',
  lost: 'store the recovered token, or sign in again (below).',
  store: 'run the workflow again to write fresh values (below); the chain is safe.',
  response:
    'check the token endpoint, and follow the message below: its new refresh token was stored, or, if none came, sign in again.',
  cancelled: 'nothing; nothing was spent, and the next run rotates.'
}

/** Each failed write and why, in one line. */
function failedWrites(failed: FailedWrite[]): string {
  return failed.map(({ write, error }) => `${describeWrite(write)} (${gitHubFailure(error)})`).join(', ')
}

function describeWrite(write: Pick<PlannedWrite, 'name' | 'what'>): string {
  return write.what === 'expiry variable' ? `the variable ${write.name}` : write.name
}

/** A message with commands: the prose, then the commands in a block a person can copy. */
export function fence(message: string): string {
  const [prose = '', ...commands] = message.split('\n')
  return commands.length ? `${prose}\n\n\`\`\`sh\n${commands.join('\n')}\n\`\`\`` : prose
}
