// `npm test`: the whole suite in one Jest run (the in-process suites with coverage, the bundle under node24,
// the thirty-day soaks uninstrumented: jest.config.js), then the coverage of src/ held to its gates.
// Arguments go to Jest: `npm test -- -t rotation` runs the tests that match, without the coverage gates.
import { spawn } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
const focused = args.filter((arg) => arg !== '--json' && !arg.startsWith('--outputFile=')).length > 0
const started = performance.now()

function run(argv) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, { cwd: root, stdio: 'inherit' })
    child.on('close', (code) => resolve(code ?? 1))
  })
}

// This run's bundle coverage only (harness/fresh-bundle.mjs sends the bundle's runs here).
const coverageDir = join(root, '.cache', 'bundle-coverage')
rmSync(coverageDir, { recursive: true, force: true })
mkdirSync(coverageDir, { recursive: true })

const jest = await run([
  '--experimental-vm-modules',
  '--no-warnings',
  'node_modules/jest/bin/jest.js',
  ...(focused ? ['--coverage=false'] : []),
  ...args
])
const coverage = jest === 0 && !focused ? await run(['scripts/coverage.mjs']) : 0
console.log(`npm test: ${((performance.now() - started) / 1000).toFixed(1)} s`)
process.exit(jest || coverage)
