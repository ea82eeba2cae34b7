import type { FastifyInstance } from 'fastify'
import { ForbiddenError, UnauthorizedError } from '../../lib/errors.js'
import { jsonResponse, problemResponses } from '../../lib/http/responses.js'
import { recordToDto } from '../../lib/resource/resource.schemas.js'
import { signAccessToken } from '../../plugins/auth.plugin.js'
import { verifyPassword } from '../users/users.passwords.js'
import { findUserByEmail, recordSignIn, type UserRow } from '../users/users.queries.js'
import { UserSchema } from '../users/users.schemas.js'
import { getRecord } from '../../lib/resource/resource.queries.js'
import { userResource } from '../users/users.resource.js'
import { getWorkspace, type WorkspaceRow } from '../workspaces/workspaces.queries.js'
import { createWorkspaceWithAdmin, type NewWorkspace } from './auth.service.js'
import {
  MeResponseSchema, SignupBodySchema, TokenBodySchema, TokenResponseSchema, WorkspaceSchema
} from './auth.schemas.js'
import { NotFoundAfterAuthError } from './auth.errors.js'

export async function authRoutes (app: FastifyInstance) {
  app.addSchema(WorkspaceSchema)

  const tokenAnswer = (user: UserRow, workspace: WorkspaceRow) => ({
    accessToken: signAccessToken(app, {
      sub: user.id, wid: workspace.id, role: user.role as never
    }),
    tokenType: 'Bearer' as const,
    expiresIn: app.deps.config.ACCESS_TOKEN_TTL,
    user: recordToDto(UserSchema, user),
    workspace: recordToDto(WorkspaceSchema, workspace)
  })

  app.post('/v1/signup', {
    config: { public: true },
    schema: {
      tags: ['Auth'],
      operationId: 'signup',
      summary: 'Create a workspace and its first admin',
      description: 'Creates a workspace with the default pipeline and its first admin user, ' +
        'and signs that user in. Answers 403 when the server has sign-up turned off, ' +
        '409 when the email is taken. Idempotency-Key is not honoured here: keys belong ' +
        'to a caller, and sign-up has none yet (a retry after success answers 409 for the ' +
        'taken email).',
      security: [],
      body: SignupBodySchema,
      response: {
        201: jsonResponse('The new workspace, its admin and an access token', TokenResponseSchema),
        ...problemResponses(400, 403, 409, 413, 415)
      }
    }
  }, async (request, reply) => {
    if (!app.deps.config.SIGNUP_ENABLED) {
      throw new ForbiddenError('sign-up is closed on this server')
    }
    const { user, workspace } = await createWorkspaceWithAdmin(
      app.deps.db, request.body as NewWorkspace
    )
    request.log.info({ workspaceId: workspace.id, userId: user.id }, 'workspace created')
    return reply.code(201).send(tokenAnswer(user, workspace))
  })

  app.post('/v1/auth/token', {
    config: { public: true },
    schema: {
      tags: ['Auth'],
      operationId: 'createAccessToken',
      summary: 'Sign in: exchange email and password for an access token',
      description: 'Every call issues a fresh token; ' +
        'Idempotency-Key is not needed here and is ignored.',
      security: [],
      body: TokenBodySchema,
      response: {
        200: jsonResponse('An access token', TokenResponseSchema),
        ...problemResponses(400, 401, 413, 415)
      }
    }
  }, async (request) => {
    const { email, password } = request.body as { email: string, password: string }
    const user = await findUserByEmail(app.deps.db, email)
    const ok = await verifyPassword(user?.passwordHash, password)
    if (user === undefined || !ok || !user.isActive) {
      throw new UnauthorizedError('the email or the password is wrong')
    }
    const workspace = await getWorkspace(app.deps.db, user.workspaceId)
    if (workspace === undefined) throw new UnauthorizedError('the email or the password is wrong')
    return tokenAnswer(await recordSignIn(app.deps.db, user.id), workspace)
  })

  app.get('/v1/me', {
    schema: {
      tags: ['Auth'],
      operationId: 'getMe',
      summary: 'The caller: user, workspace and role',
      security: [{ bearerAuth: [] }],
      response: {
        200: jsonResponse('The caller', MeResponseSchema),
        ...problemResponses(401)
      }
    }
  }, async (request) => {
    const { tenant } = request
    const [user, workspace] = await Promise.all([
      getRecord(app.deps.db, userResource, tenant.workspaceId, tenant.userId),
      getWorkspace(app.deps.db, tenant.workspaceId)
    ])
    if (user === undefined || workspace === undefined) throw new NotFoundAfterAuthError()
    return {
      user: recordToDto(UserSchema, user),
      workspace: recordToDto(WorkspaceSchema, workspace),
      role: tenant.role,
      credential: tenant.principal.startsWith('key:') ? 'api_key' : 'access_token'
    }
  })
}
