// `npm run recovery-key`: makes the key pair for the action's recovery-public-key input. The private half
// stays on this machine (RECOVERY_KEY_FILE, or ~/.config/refresh-oauth-secrets/recovery.key, mode 600);
// the public half is printed, to be stored as a variable or passed to the action as recovery-public-key.
// An existing key is never overwritten: its public half is printed again.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import sodium from 'libsodium-wrappers'

await sodium.ready
const file =
  process.env.RECOVERY_KEY_FILE || join(homedir(), '.config', 'refresh-oauth-secrets', 'recovery.key')
let privateKey
if (existsSync(file)) {
  privateKey = sodium.from_base64(readFileSync(file, 'utf8').trim(), sodium.base64_variants.ORIGINAL)
  console.error(`Using the existing private key in ${file}.`)
} else {
  const pair = sodium.crypto_box_keypair()
  privateKey = pair.privateKey
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  writeFileSync(file, sodium.to_base64(privateKey, sodium.base64_variants.ORIGINAL) + '\n', { mode: 0o600 })
  console.error(
    `Wrote the private key to ${file}: keep it, and keep it here; it is the only way to open a recovery line.`
  )
}
const publicKey = sodium.crypto_scalarmult_base(privateKey)
console.log(sodium.to_base64(publicKey, sodium.base64_variants.ORIGINAL))
