import { Type, type Static } from 'typebox'

const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' })

/**
 * The payload of `import-schedule.run`. The scheduler's jobs carry the
 * workspace and the schedule; a run a user asked for also names the user,
 * who becomes the imports' creator.
 */
export const RunPayloadSchema = Type.Object(
  {
    workspaceId: Uuid,
    scheduleId: Uuid,
    requestedBy: Type.Optional(Type.Union([Uuid, Type.Null()]))
  },
  { additionalProperties: false }
)
export type RunPayload = Static<typeof RunPayloadSchema>
