import type { Config } from './config.js'
import { say } from './messages.js'
import type { Sealer } from './store/seal.js'

/**
 * When the new refresh token may never be stored (its write failed for good, or the run is about to be
 * killed) and the owner gave a recovery key: the token sealed to that key, printed as one line. Only the
 * holder of the private half can open it (`scripts/recover.mjs`); the line says how to store it.
 */
export async function sealForRecovery(
  deps: { sealer: Sealer },
  config: Config,
  refreshToken: string,
  emit: (line: string) => void
): Promise<void> {
  if (!config.recoveryPublicKey) return
  const sealed = await deps.sealer.seal(refreshToken, config.recoveryPublicKey)
  emit(say.recovery.line(sealed, config))
}
