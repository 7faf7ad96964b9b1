// `node scripts/recover.mjs SEALED | gh secret set WIZARD_REFRESH_TOKEN --repo OWNER/NAME`: opens the line a
// run printed after "Recovery:" (the new refresh token, sealed to recovery-public-key) with the private key
// `npm run recovery-key` made, and writes the token to stdout, without a newline, for `gh secret set` to
// read: it never appears on a command line or in the terminal.
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import sodium from 'libsodium-wrappers'

const sealed = process.argv[2]
if (!sealed) {
  console.error(
    'usage: node scripts/recover.mjs SEALED | gh secret set WIZARD_REFRESH_TOKEN --repo OWNER/NAME'
  )
  process.exit(2)
}
await sodium.ready
const file =
  process.env.RECOVERY_KEY_FILE || join(homedir(), '.config', 'refresh-oauth-secrets', 'recovery.key')
const privateKey = sodium.from_base64(readFileSync(file, 'utf8').trim(), sodium.base64_variants.ORIGINAL)
const publicKey = sodium.crypto_scalarmult_base(privateKey)
let opened
try {
  opened = sodium.crypto_box_seal_open(
    sodium.from_base64(sealed, sodium.base64_variants.ORIGINAL),
    publicKey,
    privateKey
  )
} catch {
  console.error(`This line does not open with the key in ${file}: it was sealed to another recovery key.`)
  process.exit(1)
}
if (process.stdout.isTTY) {
  console.error(
    'Refusing to print the token to a terminal: pipe it into `gh secret set NAME --repo OWNER/NAME`.'
  )
  process.exit(1)
}
process.stdout.write(sodium.to_string(opened))
