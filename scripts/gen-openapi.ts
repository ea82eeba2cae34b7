import { mkdir, writeFile } from 'node:fs/promises'
import { openapiDocument } from './openapi-document.js'

// `npm run openapi`: writes the contract that a test holds the code to.
await mkdir('openapi', { recursive: true })
await writeFile('openapi/openapi.json', await openapiDocument())
