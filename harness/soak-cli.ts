/**
 * `npm run soak -- --days 365 --seed 7 [--cadence hourly|recommended|both] [--writer pat|app] [--json FILE]`:
 * plays the shipped schedule for that long, in-process on the virtual clock, and prints one table per cadence
 * (with `--json`, also writes the reports, every death and event in full, to FILE).
 * Exits 1 when an invariant broke or a chain died of something a client can survive.
 */
import { writeFileSync } from 'node:fs'
import { CADENCES, formatReport, soak, type CadenceName } from './soak.js'

const args = process.argv.slice(2)
const value = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 ? (args[at + 1] ?? fallback) : fallback
}
const days = Number(value('days', '365'))
const seed = Number(value('seed', '1'))
const cadence = value('cadence', 'both')
const writer = value('writer', 'pat') === 'app' ? 'app' : 'pat'
const cadences = (cadence === 'both' ? Object.keys(CADENCES) : [cadence]) as CadenceName[]
let failed = false
const reports = []
for (const name of cadences) {
  const report = await soak({
    days,
    seed,
    cadence: name,
    writer,
    trace: args.includes('--trace') ? console.log : undefined
  })
  console.log(`${formatReport(report)}\n`)
  reports.push(report)
  if (report.violations.length || report.chainDeaths.some((death) => death.survivable)) failed = true
}
const json = value('json', '')
if (json) writeFileSync(json, JSON.stringify(reports, null, 2))
process.exit(failed ? 1 : 0)
