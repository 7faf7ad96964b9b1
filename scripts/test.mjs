// `npm test`: the whole suite (unit, in-process scenarios on the virtual clock, the bundle under node24), then
// the coverage of src/ from both, held to its gates. Arguments go to Jest (`npm test -- -t rotation`).
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const run = (args) => spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' }).status ?? 1
const started = performance.now()
const jest = run([
  '--experimental-vm-modules',
  '--no-warnings',
  'node_modules/jest/bin/jest.js',
  ...process.argv.slice(2)
])
const focused = process.argv
  .slice(2)
  .some((arg) => !arg.startsWith('--json') && !arg.startsWith('--outputFile'))
// A run of part of the suite cannot meet the whole suite's coverage gates.
const coverage = jest === 0 && !focused ? run(['scripts/coverage.mjs']) : 0
console.log(`npm test: ${((performance.now() - started) / 1000).toFixed(1)} s`)
process.exit(jest || coverage)
