import { Type, type Static } from 'typebox'

const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' })

export const RUN_TRIGGERS = ['schedule', 'request'] as const
export type RunTrigger = (typeof RUN_TRIGGERS)[number]

/**
 * The payload of `import-schedule.run`. The scheduler's jobs carry the
 * workspace and the schedule; the recorded run they start (see
 * import-schedules.enqueue.ts) adds `trigger: schedule`. A run a user
 * asked for names the user, who becomes the imports' creator; a recorded
 * run without a trigger is one of those.
 */
export const RunPayloadSchema = Type.Object(
  {
    workspaceId: Uuid,
    scheduleId: Uuid,
    requestedBy: Type.Optional(Type.Union([Uuid, Type.Null()])),
    trigger: Type.Optional(Type.Union([Type.Literal('schedule'), Type.Literal('request')]))
  },
  { additionalProperties: false }
)
export type RunPayload = Static<typeof RunPayloadSchema>
