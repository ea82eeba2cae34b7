import { integer, pgTable, text, unique } from 'drizzle-orm/pg-core'
import { recordColumns } from '../../../db/columns.js'

/**
 * A workspace's service level for one case priority, in minutes after the
 * case is opened. A priority without a row uses the defaults of case-sla.defaults.ts.
 */
export const caseSlaPolicies = pgTable(
  'case_sla_policies',
  {
    ...recordColumns(),
    priority: text().notNull(),
    firstResponseMinutes: integer().notNull(),
    resolutionMinutes: integer().notNull()
  },
  (t) => [unique('case_sla_policies_workspace_id_priority_key').on(t.workspaceId, t.priority)]
)
