import { eq } from 'drizzle-orm'
import { searchDocument } from '../../db/full-text.js'
import { registerUniqueConstraint } from '../../lib/constraints.js'
import { withFieldErrors } from '../../lib/errors.js'
import { updateRecordsWhere } from '../../lib/records/record-writer.js'
import type { WriteContext } from '../../lib/records/tenant.js'
import { pickFields } from '../../lib/resource/resource.fields.js'
import { recordToDto } from '../../lib/resource/resource.schemas.js'
import type { ResourceDefinition, Row } from '../../lib/resource/resource.js'
import { opportunities } from '../opportunities/opportunities.table.js'
import {
  LastOpenStageError,
  StageInUseError,
  StageLimitError,
  StageWonNotClosedError
} from './opportunity-stages.errors.js'
import {
  countOtherOpenStages,
  countStageOpportunities,
  lockPipeline,
  pipelineSize
} from './opportunity-stages.queries.js'
import {
  MAX_STAGES,
  type OpportunityStage,
  opportunityStageSchemas
} from './opportunity-stages.schemas.js'
import { opportunityStages } from './opportunity-stages.table.js'

type StageRow = typeof opportunityStages.$inferSelect & Row
interface Flags { isClosed: boolean, isWon: boolean }

const WRITABLE = ['label', 'position', 'probability', 'isClosed', 'isWon'] as const

// The create route checks the key first; this explains the race it lost.
registerUniqueConstraint('opportunity_stages_workspace_id_key_key', {
  pointer: '/key',
  message: 'another stage of this workspace already has this key',
  code: 'CRM_OPPORTUNITY_STAGE_KEY_TAKEN'
})

/** A won stage is a closed one; checked on the stage as it will be. */
function assertWonIsClosed (flags: Flags, body: Record<string, unknown>) {
  if (!flags.isWon || flags.isClosed) return
  const error = new StageWonNotClosedError()
  const pointer = body.isWon === undefined ? '/isClosed' : '/isWon'
  throw withFieldErrors(error, [{ pointer, message: 'isWon may be true only when isClosed is true' }])
}

/** Opportunities start in an open stage, so the last one cannot close or go. */
async function assertAnotherOpenStage (ctx: WriteContext, stage: StageRow, pointer?: string) {
  if (await countOtherOpenStages(ctx.tx, ctx.tenant.workspaceId, stage.id) > 0) return
  const error = new LastOpenStageError(stage.key)
  throw pointer === undefined ? error : withFieldErrors(error, [{ pointer, message: error.message }])
}

/**
 * Opportunities copy their stage's flags (lists filter on them without a
 * join), so a change of the flags is written to every live opportunity in
 * the stage, in the same transaction. Their probability, close date and
 * loss reason are theirs and stay: none of the four history fields changes,
 * which is why the set-based write without listeners fits.
 */
async function copyFlagsToOpportunities (ctx: WriteContext, key: string, flags: Flags) {
  await updateRecordsWhere(ctx, opportunities, eq(opportunities.stage, key), {
    isClosed: flags.isClosed,
    isWon: flags.isWon
  })
}

export const opportunityStageResource: ResourceDefinition<StageRow, OpportunityStage> = {
  name: 'stage',
  plural: 'opportunity-stages',
  code: 'OPPORTUNITY_STAGE',
  noun: 'OpportunityStage',
  nounPlural: 'OpportunityStages',
  tag: 'Opportunity stages',
  table: opportunityStages,
  schemas: opportunityStageSchemas,
  descriptions: {
    create: 'Adds a stage to the pipeline (admins only). `key` is lower snake_case and unique in the ' +
      'workspace (409 CRM_OPPORTUNITY_STAGE_KEY_TAKEN); it is what opportunities hold in `stage` and never ' +
      'changes. `position` defaults to after the last stage; `isClosed` and `isWon` default to false, and ' +
      '`isWon` needs `isClosed` (422). A key that belonged to a deleted stage brings that stage back, with ' +
      'its id and the values of this request, and its version continues from the deleted one: deleted ' +
      `opportunities still name the key. A workspace holds at most ${MAX_STAGES} stages (409).`,
    update: 'Merges the body into the stage (RFC 7396; admins only). `key` cannot be changed (400). `isWon` ' +
      'needs `isClosed` on the stage as it will be (422). Closing the last open stage answers 409 ' +
      'CRM_OPPORTUNITY_STAGE_LAST_OPEN. A change of `isClosed` or `isWon` is copied, in the same ' +
      'transaction, to every live opportunity in the stage (their version grows; their close date, loss ' +
      'reason and probability stay). A change of `probability` only applies to opportunities that enter ' +
      'the stage later; those already in it keep theirs. With If-Match, a stale ETag answers 412.',
    delete: 'Deletes the stage (admins only). A stage that live opportunities are in answers 409 ' +
      'CRM_OPPORTUNITY_STAGE_IN_USE with their number: move them first. The last open stage cannot be ' +
      'deleted (409 CRM_OPPORTUNITY_STAGE_LAST_OPEN). Creating a stage with the same key later brings ' +
      'this one back.'
  },
  sortable: {
    position: { column: opportunityStages.position, kind: 'number', nullable: false },
    key: { column: opportunityStages.key, kind: 'text', nullable: false }
  },
  filters: [],
  // Unused: the stage list takes no `q`. The field is required of every resource.
  search: searchDocument([opportunityStages.label]),
  searchDescription: 'words to find in label',
  references: [],
  // Opportunities refer to a stage by key, not id: prepareDelete counts them.
  referencedBy: [],
  toDto: (row) => recordToDto<OpportunityStage>(opportunityStageSchemas.record, row),
  async prepareCreate (ctx, body) {
    const input = body as Record<string, unknown>
    await lockPipeline(ctx.tx, ctx.tenant.workspaceId)
    const values = pickFields(input, ['key', ...WRITABLE])
    values.isClosed ??= false
    values.isWon ??= false
    assertWonIsClosed(values as unknown as Flags, input)
    const size = await pipelineSize(ctx.tx, ctx.tenant.workspaceId)
    if (size.stages >= MAX_STAGES) throw new StageLimitError(MAX_STAGES)
    values.position ??= (size.lastPosition ?? 0) + 1
    return values
  },
  async prepareUpdate (ctx, current, patch) {
    const input = patch as Record<string, unknown>
    await lockPipeline(ctx.tx, ctx.tenant.workspaceId)
    const values = pickFields(input, WRITABLE)
    const flags: Flags = {
      isClosed: (values.isClosed ?? current.isClosed) as boolean,
      isWon: (values.isWon ?? current.isWon) as boolean
    }
    assertWonIsClosed(flags, input)
    if (!current.isClosed && flags.isClosed) await assertAnotherOpenStage(ctx, current, '/isClosed')
    if (flags.isClosed !== current.isClosed || flags.isWon !== current.isWon) {
      await copyFlagsToOpportunities(ctx, current.key, flags)
    }
    return values
  },
  async prepareDelete (ctx, current) {
    const workspaceId = ctx.tenant.workspaceId
    await lockPipeline(ctx.tx, workspaceId)
    const inUse = await countStageOpportunities(ctx.tx, workspaceId, current.key)
    if (inUse > 0) throw new StageInUseError(current.key, inUse)
    if (!current.isClosed) await assertAnotherOpenStage(ctx, current)
  }
}
