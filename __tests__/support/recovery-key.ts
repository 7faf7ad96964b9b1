import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import sodium from 'libsodium-wrappers'

/**
 * A recovery key pair as `npm run recovery-key` makes one (the private half in a file of its own), and the
 * documented command that opens a recovery line with it: `node scripts/recover.mjs SEALED`.
 */
export async function withRecoveryKey<T>(
  body: (key: { publicKey: string; open: (sealed: string) => Promise<string> }) => Promise<T>
): Promise<T> {
  await sodium.ready
  const pair = sodium.crypto_box_keypair()
  const dir = await mkdtemp(join(tmpdir(), 'recovery-'))
  const keyFile = join(dir, 'recovery.key')
  await writeFile(keyFile, sodium.to_base64(pair.privateKey, sodium.base64_variants.ORIGINAL))
  const open = async (sealed: string) =>
    (
      await promisify(execFile)(process.execPath, ['scripts/recover.mjs', sealed], {
        env: { ...process.env, RECOVERY_KEY_FILE: keyFile }
      })
    ).stdout
  try {
    return await body({ publicKey: sodium.to_base64(pair.publicKey, sodium.base64_variants.ORIGINAL), open })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
