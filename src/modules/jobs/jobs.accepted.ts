import type { FastifyReply } from 'fastify'
import { jsonResponse } from '../../lib/http/responses.js'
import type { JobRow } from './jobs.outbox.js'
import { JobRefSchema, toJobDto } from './jobs.schemas.js'

/** The documented 202 of a route that starts a job. */
export const acceptedJobResponse = (description: string) => jsonResponse(description, JobRefSchema, {
  Location: { type: 'string', description: 'the job: GET it for status, progress and result' }
})

/** Answers 202 with the job and its Location. */
export function replyAccepted (reply: FastifyReply, job: JobRow) {
  reply.code(202).header('location', `/v1/jobs/${job.id}`)
  return toJobDto(job)
}
