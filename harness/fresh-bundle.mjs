// Jest's globalSetup: builds a bundle of the current src/ for the bundle suite, so `npm test` can never pass
// on a dist/ older than src/ (CI separately checks that the committed dist/ is the same bundle). It carries a
// source map, so the bundle's own coverage (NODE_V8_COVERAGE, one file per run) maps back to src/ and is
// merged with the in-process figure by scripts/coverage.mjs. The build is skipped when src/, the lock file
// and the bundler's settings are unchanged since the last one.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, '.cache', 'bundle')
export const BUNDLE_COVERAGE_DIR = join(root, '.cache', 'bundle-coverage')

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort()
}

export default function freshBundle() {
  const hash = createHash('sha256')
  for (const file of [...sourceFiles(join(root, 'src')), join(root, 'package-lock.json'), join(root, 'package.json')]) {
    hash.update(file).update(readFileSync(file))
  }
  const stamp = hash.digest('hex')
  const stampFile = join(out, '.source-hash')
  if (!existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp) {
    const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js')
    execFileSync(process.execPath, [ncc, 'build', 'src/index.ts', '-o', out, '--source-map', '--target', 'es2022', '--quiet'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit']
    })
    writeFileSync(stampFile, stamp)
  }
  rmSync(BUNDLE_COVERAGE_DIR, { recursive: true, force: true })
  mkdirSync(BUNDLE_COVERAGE_DIR, { recursive: true })
  process.env.ACTION_ENTRY = join(out, 'index.js')
  process.env.BUNDLE_COVERAGE_DIR = BUNDLE_COVERAGE_DIR
}
