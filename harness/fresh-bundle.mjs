// A bundle of the current src/ for the bundle suite, so `npm test` can never pass on a bundle older than
// src/: dist/ itself when its source-hash is the current one (as on a clean clone, where CI has just proved
// dist/ a fresh bundle), else a build into .cache/bundle (mid-edit), rebuilt only when src/ changes again.
// Both carry source maps, so the bundle's own coverage (NODE_V8_COVERAGE, one file per run) maps back to
// src/ and is merged with the in-process figure by scripts/coverage.mjs. As Jest's globalSetup, this file
// only says where the bundle's coverage goes.
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundle, entryPoints, sourceHash } from '../scripts/bundle.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const BUNDLE_COVERAGE_DIR = join(root, '.cache', 'bundle-coverage')

/** Jest's globalSetup: where this run's bundle coverage goes (scripts/test.mjs clears it first). */
export default function prepare() {
  mkdirSync(BUNDLE_COVERAGE_DIR, { recursive: true })
  process.env.BUNDLE_COVERAGE_DIR = BUNDLE_COVERAGE_DIR
}

const builtFrom = (dir) => {
  const file = join(dir, 'source-hash')
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined
}

/** The entry points of a bundle of the current src/: dist/ when fresh, else .cache/bundle (built if stale). */
export async function freshBundle() {
  const current = sourceHash()
  for (const dir of [join(root, 'dist'), join(root, '.cache', 'bundle')])
    if (builtFrom(dir) === current) return entryPoints(dir)
  return bundle(join(root, '.cache', 'bundle'))
}
