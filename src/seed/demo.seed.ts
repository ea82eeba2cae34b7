import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { AppDeps } from '../deps.js'
import type { Tenant } from '../lib/records/tenant.js'
import { createResource, updateResource } from '../lib/resource/resource.service.js'
import type { AnyResourceDefinition } from '../lib/resource/resource.js'
import { accountResource } from '../modules/accounts/accounts.resource.js'
import { createWorkspaceWithAdmin } from '../modules/auth/auth.service.js'
import { campaignResource } from '../modules/campaigns/campaigns.resource.js'
import { caseResource } from '../modules/cases/cases.resource.js'
import { contactResource } from '../modules/contacts/contacts.resource.js'
import { leadResource } from '../modules/leads/leads.resource.js'
import { opportunityResource } from '../modules/opportunities/opportunities.resource.js'
import { productResource } from '../modules/products/products.resource.js'
import { findUserByEmail } from '../modules/users/users.queries.js'
import { DEMO_DATA } from './demo.data.js'

export const DEMO_EMAIL = 'admin@demo.example.com'

interface Credentials { email: string, password: string }

/**
 * On the first start, a demo workspace with an admin and a small, realistic
 * cycle: accounts and their contacts, a campaign with the leads it brought,
 * products, a pipeline of opportunities and support cases. The admin's
 * password is made once and kept in the data folder; every start prints how
 * to sign in. Records are written through the same services as the API.
 */
export async function seedDemo (deps: AppDeps, address: string): Promise<void> {
  const file = join(deps.config.DATA_DIR, 'demo-credentials.json')
  let credentials = await readCredentials(file)
  const existing = await findUserByEmail(deps.database.db, DEMO_EMAIL)
  if (existing === undefined) {
    credentials = { email: DEMO_EMAIL, password: randomBytes(12).toString('base64url') }
    await mkdir(deps.config.DATA_DIR, { recursive: true })
    await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 })
    const { user, workspace } = await createWorkspaceWithAdmin(deps.database.db, {
      workspaceName: 'Demo Company',
      name: 'Demo Admin',
      email: credentials.email,
      password: credentials.password,
      currency: 'USD',
      timezone: 'America/New_York'
    })
    const tenant: Tenant = { workspaceId: workspace.id, userId: user.id, role: 'admin', principal: `user:${user.id}` }
    await seedRecords(deps, tenant)
    deps.logger.info({ workspaceId: workspace.id }, 'demo workspace created')
  }
  printSignIn(address, credentials)
}

async function readCredentials (file: string): Promise<Credentials | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Credentials
  } catch {
    return undefined
  }
}

async function seedRecords (deps: AppDeps, tenant: Tenant) {
  const db = deps.database.db
  const make = async (def: AnyResourceDefinition, body: Record<string, unknown>) =>
    (await createResource(db, def, tenant, body)).id as string
  const ids: Record<string, string> = {}

  for (const [key, body] of Object.entries(DEMO_DATA.accounts)) ids[key] = await make(accountResource, body)
  for (const [key, { account, ...body }] of Object.entries(DEMO_DATA.contacts)) {
    ids[key] = await make(contactResource, { ...body, accountId: ids[account] })
  }
  for (const [key, body] of Object.entries(DEMO_DATA.campaigns)) ids[key] = await make(campaignResource, body)
  for (const { campaign, ...body } of DEMO_DATA.leads) {
    await make(leadResource, { ...body, campaignId: campaign === undefined ? undefined : ids[campaign] })
  }
  for (const [key, body] of Object.entries(DEMO_DATA.products)) ids[key] = await make(productResource, body)
  for (const { account, contact, campaign, ...body } of DEMO_DATA.opportunities) {
    await make(opportunityResource, {
      ...body,
      accountId: ids[account],
      contactId: contact === undefined ? undefined : ids[contact],
      campaignId: campaign === undefined ? undefined : ids[campaign]
    })
  }
  // A case opens in an open status; a resolved one is resolved after it opens.
  for (const { account, contact, product, status, resolution, ...body } of DEMO_DATA.cases) {
    const id = await make(caseResource, {
      ...body,
      accountId: ids[account],
      contactId: ids[contact],
      productId: product === undefined ? undefined : ids[product]
    })
    if (status !== undefined) {
      await updateResource(db, caseResource, tenant, id, { status, resolution }, undefined)
    }
  }
}

function printSignIn (address: string, credentials: Credentials | undefined) {
  const lines = [
    '',
    `CRM API listening on ${address}`,
    `  API reference (Swagger UI): ${address}/docs`,
    `  OpenAPI document:           ${address}/openapi.json`
  ]
  if (credentials !== undefined) {
    lines.push(
      '  Demo workspace sign-in:',
      `    curl -s ${address}/v1/auth/token -H 'content-type: application/json' \\`,
      `      -d '{"email":"${credentials.email}","password":"${credentials.password}"}'`,
      '  then send the accessToken as "Authorization: Bearer <token>" (in /docs: Authorize).'
    )
  }
  process.stdout.write(`${lines.join('\n')}\n\n`)
}
