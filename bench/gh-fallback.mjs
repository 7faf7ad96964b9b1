/**
 * Stands in for `gh secret set NAME --repo HOST/OWNER/REPO --body VALUE` where the real `gh` is not
 * installed, so `npm run bench` still measures a seed path: like gh against GitHub Enterprise Server, it
 * reads the repository's public key and PUTs the sealed value, both under https://HOST/api/v3, with the
 * token from GH_ENTERPRISE_TOKEN. One process per secret, as with gh. The benchmark says which it measured.
 * TLS trust comes from NODE_EXTRA_CA_CERTS.
 */
import sodium from 'libsodium-wrappers'

const [verb, sub, name, ...rest] = process.argv.slice(2)
const option = (flag) => {
  const at = rest.indexOf(flag)
  return at >= 0 ? rest[at + 1] : undefined
}
const repo = option('--repo')
const body = option('--body')
const parts = repo?.split('/') ?? []
if (verb !== 'secret' || sub !== 'set' || !name || parts.length !== 3 || body === undefined) {
  console.error('usage: gh-fallback.mjs secret set NAME --repo HOST/OWNER/REPO --body VALUE')
  process.exit(2)
}
const [host, owner, name_] = parts
const base = `https://${host}/api/v3/repos/${owner}/${name_}/actions/secrets`
const headers = {
  authorization: `token ${process.env.GH_ENTERPRISE_TOKEN ?? ''}`,
  accept: 'application/vnd.github+json'
}

const keyResponse = await fetch(`${base}/public-key`, { headers })
if (!keyResponse.ok) {
  console.error(`failed to fetch public key: HTTP ${keyResponse.status}`)
  process.exit(1)
}
const key = await keyResponse.json()
await sodium.ready
const sealed = sodium.crypto_box_seal(
  sodium.from_string(body),
  sodium.from_base64(key.key, sodium.base64_variants.ORIGINAL)
)
const put = await fetch(`${base}/${encodeURIComponent(name)}`, {
  method: 'PUT',
  headers: { ...headers, 'content-type': 'application/json' },
  body: JSON.stringify({
    encrypted_value: sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL),
    key_id: key.key_id
  })
})
if (!put.ok) {
  console.error(`failed to set secret ${name}: HTTP ${put.status}`)
  process.exit(1)
}
