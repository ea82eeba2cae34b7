import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from '@hey-api/openapi-ts'

/*
 * Generates the typed fetch SDK in sdk/src from the committed spec
 * (`npm run sdk`). CI regenerates it and fails on any diff, so the output
 * must depend on the spec alone: no timestamps, a pinned Biome formatting it.
 */

const root = (path: string) => fileURLToPath(new URL(path, import.meta.url))

// biome.json leaves sdk/ out and keeps its formatter off, so the generated
// files get a config of their own, in the project style. It lives under
// node_modules (ignored by git), not in sdk/, so `clean` never deletes it.
const biomeDir = root('./node_modules/.cache/crm-sdk-biome/')
mkdirSync(biomeDir, { recursive: true })
writeFileSync(`${biomeDir}biome.json`, `${JSON.stringify({
  formatter: { indentStyle: 'space', indentWidth: 2, lineWidth: 80 },
  javascript: {
    formatter: {
      quoteStyle: 'single',
      semicolons: 'asNeeded',
      trailingCommas: 'none'
    }
  },
  linter: { enabled: false },
  assist: { enabled: false }
}, null, 2)}\n`)

export default defineConfig({
  // The leading ./ matters: a bare `openapi/openapi.json` is two path
  // segments, which hey-api reads as a registry shorthand (org/project).
  input: './openapi/openapi.json',
  output: {
    path: './sdk/src',
    clean: true,
    // Set outright: hey-api would otherwise guess them from whichever
    // tsconfig it finds first, starting from its own install folder.
    tsConfigPath: root('./sdk/tsconfig.json'),
    module: { extension: '.js' },
    postProcess: [{
      name: 'Biome (format)',
      command: 'biome',
      args: ['format', '--write', `--config-path=${biomeDir}`, '{{path}}']
    }]
  },
  // Fail (exit 1) on a duplicate operationId instead of quietly emitting
  // getContact2; the names of the generated functions are the contract.
  parser: { validate_EXPERIMENTAL: true },
  logs: { file: false },
  plugins: [
    '@hey-api/typescript',
    // One standalone function per operationId: createContact, listContacts…
    { name: '@hey-api/sdk', operations: { strategy: 'flat' } },
    // bundle copies the fetch client into sdk/src/client, so the SDK has no
    // runtime dependency; includeInEntry re-exports `client` from the index.
    { name: '@hey-api/client-fetch', bundle: true, includeInEntry: true }
  ]
})
