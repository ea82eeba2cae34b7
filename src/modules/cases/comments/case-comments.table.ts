import { boolean, index, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core'
import { isLive, recordColumns, sameWorkspace } from '../../../db/columns.js'
import { users } from '../../users/users.table.js'
import { cases } from '../cases.table.js'

/** A comment on a case: public (the customer sees it) or internal. */
export const caseComments = pgTable(
  'case_comments',
  {
    ...recordColumns(),
    caseId: uuid().notNull(),
    body: text().notNull(),
    isPublic: boolean().notNull().default(false),
    authorId: uuid()
  },
  (t) => [
    unique('case_comments_workspace_id_id_key').on(t.workspaceId, t.id),
    index('case_comments_workspace_id_case_id_idx')
      .on(t.workspaceId, t.caseId, t.createdAt, t.id)
      .where(isLive(t.deletedAt)),
    sameWorkspace('case_comments_case_id_fkey', [t.workspaceId, t.caseId], [cases.workspaceId, cases.id]),
    sameWorkspace('case_comments_author_id_fkey', [t.workspaceId, t.authorId], [users.workspaceId, users.id])
  ]
)
