import sodium from 'libsodium-wrappers'
import { createSodiumSealer } from '../../src/rotation/sealed-box.js'

beforeAll(async () => {
  await sodium.ready
})

describe('createSodiumSealer', () => {
  it("seals so that libsodium's own crypto_box_seal_open opens it, as GitHub does", async () => {
    const keys = sodium.crypto_box_keypair()
    const publicKey = sodium.to_base64(keys.publicKey, sodium.base64_variants.ORIGINAL)
    const plaintext = 'ory_rt_Zm9vYmFy.ünïcødé+/='

    const sealed = await createSodiumSealer().seal(plaintext, publicKey)

    const opened = sodium.crypto_box_seal_open(
      sodium.from_base64(sealed, sodium.base64_variants.ORIGINAL),
      keys.publicKey,
      keys.privateKey
    )
    expect(sodium.to_string(opened)).toBe(plaintext)
  })

  it('uses a fresh ephemeral key for every seal, so equal values never look equal', async () => {
    const keys = sodium.crypto_box_keypair()
    const publicKey = sodium.to_base64(keys.publicKey, sodium.base64_variants.ORIGINAL)
    const sealer = createSodiumSealer()
    expect(await sealer.seal('same', publicKey)).not.toBe(await sealer.seal('same', publicKey))
  })

  it('cannot be opened with another key pair', async () => {
    const keys = sodium.crypto_box_keypair()
    const other = sodium.crypto_box_keypair()
    const sealed = await createSodiumSealer().seal(
      'x',
      sodium.to_base64(keys.publicKey, sodium.base64_variants.ORIGINAL)
    )
    expect(() =>
      sodium.crypto_box_seal_open(
        sodium.from_base64(sealed, sodium.base64_variants.ORIGINAL),
        other.publicKey,
        other.privateKey
      )
    ).toThrow()
  })
})
