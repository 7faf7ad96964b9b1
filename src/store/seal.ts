import type sodiumModule from 'libsodium-wrappers'

type Sodium = typeof sodiumModule

export interface Sealer {
  /** Seals `plaintext` for the holder of `publicKey` (base64), as GitHub's secrets API requires. */
  seal(plaintext: string, publicKey: string): Promise<string>
  /** Starts loading the library now, so that it is ready by the time the first value is sealed. */
  warmUp(): void
}

/**
 * A libsodium sealed box (crypto_box_seal: an ephemeral X25519 key pair, XSalsa20-Poly1305).
 * Loading libsodium's WebAssembly takes tens of milliseconds: `warmUp` starts it as the first request
 * goes out, so it runs while that round trip is under way; a run that stops at its inputs never loads it.
 */
export function createSodiumSealer(): Sealer {
  let ready: Promise<Sodium> | undefined
  const load = (): Promise<Sodium> => {
    ready ??= import('libsodium-wrappers').then(async (module) => {
      const sodium = (module.default ?? module) as Sodium
      await sodium.ready
      return sodium
    })
    return ready
  }
  return {
    warmUp() {
      void load().catch(() => undefined) // a real failure surfaces at the first seal
    },
    async seal(plaintext, publicKey) {
      const sodium = await load()
      const key = sodium.from_base64(publicKey, sodium.base64_variants.ORIGINAL)
      const sealed = sodium.crypto_box_seal(sodium.from_string(plaintext), key)
      return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL)
    }
  }
}
