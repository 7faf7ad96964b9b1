// Cuts the few operations the GitHub stand-in serves out of GitHub's OpenAPI description, as @octokit/openapi
// publishes it, into __tests__/fixtures/github-openapi.json: for each, the statuses GitHub documents and the
// JSON schema of each answer. The package is 385 MB unpacked, so it is not a dependency; to regenerate:
//
//   npm pack @octokit/openapi@23.0.2 && tar -xzf octokit-openapi-23.0.2.tgz
//   node scripts/cut-openapi.mjs package/generated/api.github.com.deref.json
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

const source = process.argv[2]
if (!source) {
  console.error('usage: node scripts/cut-openapi.mjs path/to/api.github.com.deref.json')
  process.exit(2)
}
const spec = JSON.parse(readFileSync(source, 'utf8'))

/** The operations the stand-in serves (harness/github-server.ts), by path template and method. */
const SERVED = {
  '/repos/{owner}/{repo}': ['get'],
  '/repos/{owner}/{repo}/actions/secrets': ['get'],
  '/repos/{owner}/{repo}/actions/secrets/public-key': ['get'],
  '/repos/{owner}/{repo}/actions/secrets/{secret_name}': ['get', 'put', 'delete'],
  '/repos/{owner}/{repo}/environments/{environment_name}/secrets': ['get'],
  '/repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key': ['get'],
  '/repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}': ['get', 'put', 'delete'],
  '/repos/{owner}/{repo}/actions/variables': ['get', 'post'],
  '/repos/{owner}/{repo}/actions/variables/{name}': ['get', 'patch', 'delete'],
  '/repos/{owner}/{repo}/issues': ['get', 'post'],
  '/repos/{owner}/{repo}/issues/{issue_number}': ['patch'],
  '/repos/{owner}/{repo}/issues/{issue_number}/comments': ['post'],
  '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/enable': ['put']
}

const operations = []
for (const [path, methods] of Object.entries(SERVED)) {
  for (const method of methods) {
    const operation = spec.paths[path]?.[method]
    if (!operation) throw new Error(`${method.toUpperCase()} ${path} is not in ${source}`)
    const responses = {}
    for (const [status, response] of Object.entries(operation.responses)) {
      responses[status] = response.content?.['application/json']?.schema ?? null
    }
    operations.push({ method: method.toUpperCase(), path, operationId: operation.operationId, responses })
  }
}
// The dereferenced description has no components left: GitHub's error shape comes from the plain one beside it.
const plain = JSON.parse(readFileSync(source.replace(/\.deref\.json$/, '.json'), 'utf8'))
const errorSchema = plain.components.schemas['basic-error']
if (!errorSchema) throw new Error('no basic-error schema')
const out = {
  source: `@octokit/openapi@${JSON.parse(readFileSync(join(dirname(resolve(source)), '..', 'package.json'), 'utf8')).version} generated/api.github.com.deref.json`,
  info: spec.info?.version,
  errorSchema,
  operations
}
writeFileSync('__tests__/fixtures/github-openapi.json', `${JSON.stringify(out, null, 1)}\n`)
console.log(`${operations.length} operations, ${Math.round(JSON.stringify(out).length / 1024)} KB`)
