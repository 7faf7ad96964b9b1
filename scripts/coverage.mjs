// The coverage of src/, in-process and through the bundle together. Jest's figure (coverage/
// coverage-final.json, Istanbul's instrumentation) and the V8 coverage the bundle's runs wrote (NODE_V8_COVERAGE, mapped back to src/
// through the bundle's source map) describe the same sources through different compiled code, so they are
// merged by what they share: a line counts when either run covered it, a branch arm (by its position in the
// source) when either took it. Prints the figures and fails under the gates: lines 95 %, branches 90 %.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import libCoverage from 'istanbul-lib-coverage'
import v8toIstanbul from 'v8-to-istanbul'

const GATES = { lines: 95, branches: 90 }
const root = resolve(fileURLToPath(new URL('..', import.meta.url)))
const src = join(root, 'src')
const raw = join(root, '.cache', 'bundle-coverage')
const inProcess = join(root, 'coverage', 'coverage-final.json')

/**
 * file → { lines: Map<line, covered>, arms: Map<position, covered> }. The in-process figure comes first and
 * sets what there is to cover; the bundle's adds what it covered of the same lines and arms (arms by their
 * position in the source), and whole files only it runs (the entry point). Arms the bundle's different
 * compiled code makes of the same source are not counted twice.
 */
const files = new Map()
function absorb(fileCoverage, { extendsOnly }) {
  const path = fileCoverage.path
  if (!path.startsWith(src)) return
  const known = files.has(path)
  const entry = files.get(path) ?? { lines: new Map(), arms: new Map() }
  files.set(path, entry)
  const limit = extendsOnly && known
  for (const [line, hits] of Object.entries(fileCoverage.getLineCoverage())) {
    if (limit && !entry.lines.has(line)) continue
    entry.lines.set(line, (entry.lines.get(line) ?? false) || hits > 0)
  }
  const { branchMap, b } = fileCoverage.data
  for (const [id, branch] of Object.entries(branchMap)) {
    branch.locations.forEach((location, arm) => {
      const key = `${location.start.line}:${location.start.column}-${location.end.line}:${location.end.column}`
      if (limit && !entry.arms.has(key)) return
      entry.arms.set(key, (entry.arms.get(key) ?? false) || (b[id]?.[arm] ?? 0) > 0)
    })
  }
}

if (existsSync(inProcess)) {
  const map = libCoverage.createCoverageMap(JSON.parse(readFileSync(inProcess, 'utf8')))
  for (const path of map.files()) {
    const file = map.fileCoverageFor(path)
    // A file the in-process suites never loaded (the entry point) is the bundle's to describe.
    if (Object.values(file.getLineCoverage()).some((hits) => hits > 0)) absorb(file, { extendsOnly: false })
  }
}

let bundleRuns = 0
// The bundle the suite ran: dist/ when it was fresh, else .cache/bundle (harness/fresh-bundle.mjs); each run's
// coverage names the script it ran by its URL.
for (const bundle of ['dist', join('.cache', 'bundle')].flatMap((dir) => [
  join(root, dir, 'index.js'),
  join(root, dir, 'check', 'index.js')
])) {
  if (!existsSync(raw) || !existsSync(`${bundle}.map`)) continue
  const sourceMap = JSON.parse(readFileSync(`${bundle}.map`, 'utf8'))
  // The bundler names sources relative to its output (`.././src/x.ts`): name them by the project's path.
  sourceMap.sources = sourceMap.sources.map((source) => {
    const at = source.indexOf('/src/')
    return at >= 0 && !source.includes('node_modules') ? join(root, source.slice(at + 1)) : source
  })
  const source = readFileSync(bundle, 'utf8')
  const url = `file://${bundle}`
  for (const file of readdirSync(raw).filter((name) => name.endsWith('.json'))) {
    const { result } = JSON.parse(readFileSync(join(raw, file), 'utf8'))
    for (const script of result.filter((entry) => entry.url === url)) {
      bundleRuns++
      const converter = v8toIstanbul(bundle, 0, { source, sourceMap: { sourcemap: sourceMap } })
      await converter.load()
      converter.applyCoverage(script.functions)
      const map = libCoverage.createCoverageMap(converter.toIstanbul())
      for (const path of map.files()) absorb(map.fileCoverageFor(path), { extendsOnly: true })
    }
  }
}

const total = { lines: [0, 0], branches: [0, 0] }
const rows = []
for (const [path, { lines, arms }] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
  const covered = (values) => [...values.values()].filter(Boolean).length
  const row = {
    file: relative(root, path),
    lines: [covered(lines), lines.size],
    branches: [covered(arms), arms.size]
  }
  rows.push(row)
  for (const metric of ['lines', 'branches']) {
    total[metric][0] += row[metric][0]
    total[metric][1] += row[metric][1]
  }
}
const pct = ([hit, all]) => (all === 0 ? 100 : Math.floor((hit / all) * 10000) / 100)
if (process.argv.includes('--files'))
  for (const row of rows)
    console.log(
      `${row.file.padEnd(32)} lines ${String(pct(row.lines)).padStart(6)} %  branches ${String(pct(row.branches)).padStart(6)} %`
    )
// --uncovered: each line and branch arm neither run reached, by file (where to add a test).
if (process.argv.includes('--uncovered'))
  for (const [path, { lines, arms }] of files) {
    const missed = [
      ...[...lines].filter(([, hit]) => !hit).map(([line]) => `line ${line}`),
      ...[...arms].filter(([, hit]) => !hit).map(([at]) => `arm ${at}`)
    ]
    if (missed.length) console.log(`${relative(root, path)}: ${missed.join(', ')}`)
  }
console.log(
  `coverage of src/, in-process and through the bundle (${bundleRuns} bundle runs): lines ${pct(total.lines)} % ` +
    `(${total.lines[0]}/${total.lines[1]}), branches ${pct(total.branches)} % (${total.branches[0]}/${total.branches[1]})`
)
const failed = Object.entries(GATES).filter(([metric, gate]) => pct(total[metric]) < gate)
for (const [metric, gate] of failed)
  console.error(`coverage: ${metric} ${pct(total[metric])} % is under the gate of ${gate} %`)
process.exit(failed.length ? 1 : 0)
