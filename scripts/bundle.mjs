// `npm run bundle`: both actions bundled with ncc into dist/ (the rotation action, and the check action in
// dist/check/), with source maps (as actions/typescript-action ships them: a stack trace from a runner
// points at src/) and dist/source-hash, the hash of what the bundle was built from. The test harness builds
// with the same function, and runs dist/ itself only when that hash is the current one (harness/fresh-bundle.mjs).
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const ENTRIES = [
  ['src/index.ts', ''],
  ['src/check/index.ts', 'check']
]

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort()
}

/** What a bundle is built from: src/, the lock file and the manifest (the bundler's version and settings). */
export function sourceHash() {
  const hash = createHash('sha256')
  for (const file of [
    ...sourceFiles(join(root, 'src')),
    join(root, 'package-lock.json'),
    join(root, 'package.json')
  ])
    hash.update(file.slice(root.length)).update(readFileSync(file))
  return hash.digest('hex')
}

/** Both bundles into `out`, at once (on two cores the bundler's time halves); their entry points. */
export async function bundle(out) {
  const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js')
  const hash = sourceHash()
  await Promise.all(
    ENTRIES.map(
      ([entry, dir]) =>
        new Promise((resolve, reject) => {
          const args = [
            ncc,
            'build',
            entry,
            '-o',
            join(out, dir),
            '--source-map',
            '--license',
            'licenses.txt'
          ]
          const child = spawn(process.execPath, [...args, '--target', 'es2022', '--quiet'], {
            cwd: root,
            stdio: ['ignore', 'ignore', 'inherit']
          })
          child.on('error', reject)
          child.on('close', (code) =>
            code === 0 ? resolve() : reject(new Error(`ncc build ${entry} failed (${code})`))
          )
        })
    )
  )
  writeFileSync(join(out, 'source-hash'), `${hash}\n`)
  return entryPoints(out)
}

export function entryPoints(out) {
  return { action: join(out, 'index.js'), check: join(out, 'check', 'index.js') }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle(join(root, 'dist'))
