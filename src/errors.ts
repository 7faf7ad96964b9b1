/**
 * How a run failed, as the `error-kind` output and the exit message report it:
 * - input: a bad input, caught before any network call;
 * - preflight: the PAT cannot write the target's secrets; nothing was touched, the refresh token is unspent;
 * - terminal: the OAuth server no longer accepts the refresh token or client; a person must re-bootstrap;
 * - transient: the server or network failed; the stored refresh token is untouched;
 * - concurrent: another run is spending the same refresh token right now and owns the rotation;
 * - store: the exchange succeeded but a secret could not be written (the message says what is at risk);
 * - response: the server answered the grant with something unusable after it may have rotated;
 * - unknown: the grant was sent and no answer came within the wait: whether the token was spent is unknown;
 * - cancelled: the runner cancelled the run before the grant was sent; nothing was spent;
 * - check: in check mode, the stored access token has less life left than asked for.
 */
export type ErrorKind =
  | 'input'
  | 'preflight'
  | 'terminal'
  | 'transient'
  | 'concurrent'
  | 'store'
  | 'response'
  | 'unknown'
  | 'cancelled'
  | 'check'

export class ActionError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string
  ) {
    super(message)
    this.name = 'ActionError'
  }
}
