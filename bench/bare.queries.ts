/**
 * The baseline's SQL: the columns Drizzle's select() lists for contacts and
 * the conditions our generic reads add (workspace, live rows).
 */

const COLUMNS = [
  'id', 'workspace_id', 'created_at', 'updated_at', 'version', 'deleted_at', 'first_name',
  'last_name', 'email', 'phone', 'mobile_phone', 'title', 'department', 'account_id',
  'mailing_address', 'do_not_call', 'email_opt_out', 'lead_source', 'owner_id', 'description'
].join(', ')

export const BY_ID = `select ${COLUMNS} from contacts
  where workspace_id = $1 and id = $2 and deleted_at is null limit 1`

// One row more than the page, as ours fetches to know whether a next page
// exists. NULLS LAST as ours writes it: both columns are not null, so the
// rows are the same, but the list index is (created_at DESC NULLS LAST, id
// DESC NULLS LAST) and a plain DESC (nulls first) cannot use it; the
// baseline would then sort the whole workspace and say nothing about us.
export const PAGE = `select ${COLUMNS} from contacts
  where workspace_id = $1 and deleted_at is null
  order by created_at desc nulls last, id desc nulls last limit 51`
