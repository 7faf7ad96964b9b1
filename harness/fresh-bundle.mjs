// Jest's globalSetup: builds a bundle of the current src/ for the bundle suite, so `npm test` can never pass
// on a dist/ older than src/ (CI separately checks that the committed dist/ is the same bundle). It carries a
// source map, so the bundle's own coverage (NODE_V8_COVERAGE, one file per run) maps back to src/ and is
// merged with the in-process figure by scripts/coverage.mjs. The build is skipped when src/, the lock file
// and the bundler's settings are unchanged since the last one.
import { spawn } from 'node:child_process'
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

export default async function freshBundle() {
  const hash = createHash('sha256')
  for (const file of [
    ...sourceFiles(join(root, 'src')),
    join(root, 'package-lock.json'),
    join(root, 'package.json')
  ]) {
    hash.update(file).update(readFileSync(file))
  }
  const stamp = hash.digest('hex')
  const stampFile = join(out, '.source-hash')
  if (!existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp) {
    const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js')
    // Both at once: on two cores the bundler's time halves.
    const builds = [
      ['src/index.ts', out],
      ['src/check/index.ts', join(out, 'check')]
    ].map(
      ([entry, dir]) =>
        new Promise((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [ncc, 'build', entry, '-o', dir, '--source-map', '--target', 'es2022', '--quiet'],
            {
              cwd: root,
              stdio: ['ignore', 'ignore', 'inherit']
            }
          )
          child.on('error', reject)
          child.on('close', (code) =>
            code === 0 ? resolve() : reject(new Error(`ncc build ${entry} failed (${code})`))
          )
        })
    )
    await Promise.all(builds)
    writeFileSync(stampFile, stamp)
  }
  rmSync(BUNDLE_COVERAGE_DIR, { recursive: true, force: true })
  mkdirSync(BUNDLE_COVERAGE_DIR, { recursive: true })
  process.env.ACTION_ENTRY = join(out, 'index.js')
  process.env.CHECK_ENTRY = join(out, 'check', 'index.js')
  process.env.BUNDLE_COVERAGE_DIR = BUNDLE_COVERAGE_DIR
}
