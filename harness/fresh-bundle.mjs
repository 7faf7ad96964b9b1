// Jest's globalSetup: builds a bundle of the current src/ for the end-to-end suites, so `npm test` can never
// pass on a dist/ older than src/ (CI separately checks that the committed dist/ is that same bundle).
// The build is skipped when src/, the lock file and the bundler's settings are unchanged since the last one.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, '.cache', 'bundle')

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort()
}

export default function freshBundle() {
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
    execFileSync(
      process.execPath,
      [ncc, 'build', 'src/index.ts', '-o', out, '--target', 'es2022', '--quiet'],
      {
        cwd: root,
        stdio: ['ignore', 'ignore', 'inherit']
      }
    )
    writeFileSync(stampFile, stamp)
  }
  process.env.ACTION_ENTRY = join(out, 'index.js')
}
