import type { GitHubApi, Patience, PublicKey } from '../github/api.js'
import { GitHubError } from '../github/errors.js'
import type { PlannedWrite } from './plan.js'
import type { Sealer } from './seal.js'

export interface Written {
  name: string
  what: PlannedWrite['what']
  result: 'created' | 'updated'
}

export interface FailedWrite {
  write: PlannedWrite
  error: unknown
}

/** A key that changes more often than this within one run is not a key rotation. */
const MAX_REKEYS = 3

/**
 * Seals and writes planned values with the target's public key, and keeps the list of what landed (in plan
 * order, whatever answered first, so outputs and messages read the same every run). A 422 on a sealed write
 * means the key changed since it was read: the key is read again and the value sealed again.
 */
export class SecretWriter {
  readonly written: Written[] = []

  constructor(
    private readonly api: Pick<GitHubApi, 'putSecret' | 'publicKey' | 'writeVariable'>,
    private key: PublicKey,
    private readonly sealer: Sealer,
    /** Whether the expiry variable existed when it was read: it picks update or create first. */
    private readonly variableExists: boolean,
    private readonly warn: (name: string, error: unknown) => void
  ) {}

  async write(write: PlannedWrite, patience: Patience): Promise<void> {
    this.written.push(await this.perform(write, patience))
  }

  private async perform(write: PlannedWrite, patience: Patience): Promise<Written> {
    const result =
      write.kind === 'variable'
        ? await this.api.writeVariable(write.name, write.value, this.variableExists, patience)
        : await this.sealedWrite(write, patience)
    return { name: write.name, what: write.what, result }
  }

  private async sealedWrite(write: PlannedWrite, patience: Patience): Promise<'created' | 'updated'> {
    for (let rekeys = 0; ; rekeys++) {
      const key = this.key
      try {
        return await this.api.putSecret(
          write.name,
          await this.sealer.seal(write.value, key.key),
          key.key_id,
          patience
        )
      } catch (error) {
        if (!(error instanceof GitHubError) || error.status !== 422 || rekeys >= MAX_REKEYS) throw error
        this.warn(write.name, error)
        // Another write may have read the new key meanwhile; only one read is needed.
        if (this.key === key) this.key = await this.api.publicKey()
      }
    }
  }

  /**
   * The writes at once; what failed, in plan order. Never rejects. What landed is kept as written, unless
   * `quietly`: an expiry pointed back, or put back, is no rotated value.
   */
  async writeAll(
    writes: PlannedWrite[],
    patience: Patience,
    options: { quietly?: boolean } = {}
  ): Promise<FailedWrite[]> {
    const results = await Promise.allSettled(writes.map((write) => this.perform(write, patience)))
    // Listed in plan order, whatever answered first, so outputs and messages read the same every run.
    const failed: FailedWrite[] = []
    writes.forEach((write, i) => {
      const result = results[i]
      if (result?.status === 'rejected') failed.push({ write, error: result.reason })
      else if (result && !options.quietly) this.written.push(result.value)
    })
    return failed
  }

  /** A write known to have landed though its own answer never said so. */
  landed(write: PlannedWrite, result: Written['result'] = 'updated'): void {
    this.written.push({ name: write.name, what: write.what, result })
  }
}
