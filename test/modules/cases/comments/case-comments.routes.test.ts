import { eq } from 'drizzle-orm'
import t from 'tap'
import { cases } from '../../../../src/modules/cases/cases.table.js'
import { caseComments } from '../../../../src/modules/cases/comments/case-comments.table.js'
import { type CaseJson, createCase, createCaseComment } from '../../../fixtures/cases.js'
import { listIds, walkList } from '../../../fixtures/lists.js'
import { assertProblem } from '../../../fixtures/problems.js'
import { createUser, createWorkspace, type TestWorkspace } from '../../../fixtures/workspaces.js'
import { buildTestApp } from '../../../helper.js'

// Comments on cases through the real app and database: the nested routes,
// who may change a comment, and the case's firstResponseAt.

const app = await buildTestApp(t)

type Caller = Pick<TestWorkspace, 'request'>
type Body = Record<string, unknown>
type Headers = Record<string, string>

const url = (caseId: string, commentId?: string) =>
  `/v1/cases/${caseId}/comments${commentId === undefined ? '' : `/${commentId}`}`
const post = (ws: Caller, caseId: string, payload: Body, headers: Headers = {}) =>
  ws.request({ method: 'POST', url: url(caseId), payload, headers })
const get = (ws: Caller, caseId: string, commentId: string) =>
  ws.request({ method: 'GET', url: url(caseId, commentId) })
const patch = (ws: Caller, caseId: string, commentId: string, payload: Body, headers: Headers = {}) =>
  ws.request({ method: 'PATCH', url: url(caseId, commentId), payload, headers })
const remove = (ws: Caller, caseId: string, commentId: string, headers: Headers = {}) =>
  ws.request({ method: 'DELETE', url: url(caseId, commentId), headers })
const readCase = async (ws: Caller, id: string): Promise<CaseJson> =>
  (await ws.request({ method: 'GET', url: `/v1/cases/${id}` })).json()

t.test('comments on a case, internal by default, and reads the comment back', async (t) => {
  const ws = await createWorkspace(app)
  const kase = await createCase(ws)

  const res = await post(ws, kase.id, { body: 'Checked the logs: the job hits the 30 s limit.' })
  t.equal(res.statusCode, 201, res.body)
  t.match(res.headers['content-type'], /^application\/json/)
  const comment = res.json()
  t.equal(res.headers.location, `/v1/cases/${kase.id}/comments/${comment.id}`)
  t.equal(res.headers.etag, '"1"')
  t.same(Object.keys(comment).sort(), [
    'authorId', 'body', 'caseId', 'createdAt', 'id', 'isPublic', 'updatedAt', 'version'
  ])
  t.match(comment, {
    caseId: kase.id,
    body: 'Checked the logs: the job hits the 30 s limit.',
    isPublic: false,
    authorId: ws.userId,
    version: 1
  })
  t.equal(comment.updatedAt, comment.createdAt)

  const read = await get(ws, kase.id, comment.id)
  t.equal(read.statusCode, 200)
  t.equal(read.headers.etag, '"1"')
  t.same(read.json(), comment)

  const closed = await createCase(ws)
  await ws.request({ method: 'PATCH', url: `/v1/cases/${closed.id}`, payload: { status: 'closed' } })
  t.equal((await post(ws, closed.id, { body: 'Customer wrote back' })).statusCode, 201,
    'a closed case takes comments too')
})

t.test('refuses invalid bodies and read-only fields', async (t) => {
  const ws = await createWorkspace(app)
  const kase = await createCase(ws)
  const comment = await createCaseComment(ws, kase.id)

  const bad: [Body, string][] = [
    [{}, '/body'],
    [{ body: '' }, '/body'],
    [{ body: 'x'.repeat(32001) }, '/body'],
    [{ body: 'x', isPublic: 'yes' }, '/isPublic'],
    [{ body: 'x', authorId: ws.userId }, '/authorId'],
    [{ body: 'x', caseId: kase.id }, '/caseId'],
    [{ body: 'x', createdAt: comment.createdAt }, '/createdAt']
  ]
  for (const [payload, pointer] of bad) {
    const created = await post(ws, kase.id, payload)
    assertProblem(t, created, 400, 'CRM_VALIDATION_ERROR')
    t.equal(created.json().errors[0].pointer, pointer, JSON.stringify(payload).slice(0, 60))
    if (pointer === '/body' && !('body' in payload)) continue
    const patched = await patch(ws, kase.id, comment.id, payload)
    assertProblem(t, patched, 400, 'CRM_VALIDATION_ERROR')
  }
  t.equal((await post(ws, kase.id, { body: 'x'.repeat(32000) })).statusCode, 201, 'the longest body')

  const badIds = [
    await ws.request({ method: 'GET', url: '/v1/cases/not-a-uuid/comments' }),
    await ws.request({ method: 'GET', url: `/v1/cases/${kase.id}/comments/not-a-uuid` })
  ]
  for (const res of badIds) assertProblem(t, res, 400, 'CRM_VALIDATION_ERROR')
  t.same((await get(ws, kase.id, comment.id)).json(), comment, 'unchanged')
})

t.test('lists a case\'s comments oldest first, paged, sorted and filtered', async (t) => {
  const ws = await createWorkspace(app)
  const agent = await createUser(app, ws, 'support')
  const kase = await createCase(ws)
  const elsewhere = await createCase(ws)
  await createCaseComment(ws, elsewhere.id, { body: 'On another case' })

  const made: { id: string, createdAt: string }[] = []
  for (let i = 0; i < 7; i++) {
    const author = i % 2 === 0 ? ws : agent
    made.push(await createCaseComment(author, kase.id, { body: `Comment ${i}`, isPublic: i % 3 === 0 }))
  }
  const ids = made.map((c) => c.id)

  const walked = await walkList(ws, url(kase.id), 3, { t, each: ['status', 'size'] })
  t.equal(walked.pages, 3)
  t.same(walked.ids, ids, 'oldest first, each once, only this case\'s')
  t.same(await listIds(ws, `${url(kase.id)}?sort=-createdAt`), [...ids].reverse())
  t.same((await walkList(ws, `${url(kase.id)}?sort=-createdAt`, 2)).ids, [...ids].reverse())

  const publicIds = ids.filter((_, i) => i % 3 === 0)
  t.same(await listIds(ws, `${url(kase.id)}?isPublic=true`), publicIds)
  t.same(await listIds(ws, `${url(kase.id)}?isPublic=false`), ids.filter((_, i) => i % 3 !== 0))
  t.same(await listIds(ws, `${url(kase.id)}?authorId=${agent.id}`), ids.filter((_, i) => i % 2 === 1))
  const from = made[4]?.createdAt as string
  t.same(await listIds(ws, `${url(kase.id)}?createdAtFrom=${from}`), ids.slice(4))

  const patched = await patch(ws, kase.id, ids[2] as string, { body: 'Edited' })
  t.equal(patched.statusCode, 200, patched.body)
  t.same((await listIds(ws, `${url(kase.id)}?sort=-updatedAt`))[0], ids[2])

  for (const query of ['q=comment', 'sort=body', 'limit=201', 'status=new', 'cursor=bogus']) {
    const res = await ws.request({ method: 'GET', url: `${url(kase.id)}?${query}` })
    assertProblem(t, res, 400, query === 'cursor=bogus' ? 'CRM_BAD_REQUEST' : 'CRM_VALIDATION_ERROR')
  }
  const first = await ws.request({ method: 'GET', url: `${url(kase.id)}?limit=2` })
  const cursor = first.json().nextCursor
  const otherSort = await ws.request({
    method: 'GET', url: `${url(kase.id)}?limit=2&sort=-createdAt&cursor=${cursor}`
  })
  assertProblem(t, otherSort, 400, 'CRM_BAD_REQUEST')

  t.same(await listIds(ws, url((await createCase(ws)).id)), [], 'a case without comments')
})

t.test('records the first public comment as the case\'s first response, once', async (t) => {
  const ws = await createWorkspace(app)
  const kase = await createCase(ws)

  await createCaseComment(ws, kase.id, { body: 'Internal: asked the team', isPublic: false })
  let current = await readCase(ws, kase.id)
  t.equal(current.firstResponseAt, null, 'an internal comment is no response')
  t.equal(current.version, 1, 'and leaves the case alone')

  const answer = await createCaseComment(ws, kase.id, { body: 'We are on it.', isPublic: true })
  current = await readCase(ws, kase.id)
  t.equal(current.firstResponseAt, answer.createdAt, 'the first public comment is the response')
  t.equal(current.version, 2)

  await createCaseComment(ws, kase.id, { body: 'Fixed now.', isPublic: true })
  const later = await readCase(ws, kase.id)
  t.equal(later.firstResponseAt, answer.createdAt, 'a second public comment does not move it')
  t.equal(later.version, 2)

  t.equal((await patch(ws, kase.id, answer.id, { isPublic: false })).statusCode, 200)
  t.equal((await remove(ws, kase.id, answer.id)).statusCode, 204)
  t.equal((await readCase(ws, kase.id)).firstResponseAt, answer.createdAt,
    'hiding or deleting the comment keeps the recorded response')

  const answered = await createCase(ws)
  const recorded = new Date(Date.now() - 60_000)
  await app.deps.db.update(cases).set({ firstResponseAt: recorded }).where(eq(cases.id, answered.id))
  await createCaseComment(ws, answered.id, { isPublic: true })
  t.equal((await readCase(ws, answered.id)).firstResponseAt, recorded.toISOString(),
    'a case that has a first response keeps it')
})

t.test('records the time an internal comment first becomes public', async (t) => {
  const ws = await createWorkspace(app)
  const kase = await createCase(ws)
  const note = await createCaseComment(ws, kase.id, { isPublic: false })

  const edited = await patch(ws, kase.id, note.id, { body: 'Still internal' })
  t.equal((await readCase(ws, kase.id)).firstResponseAt, null, 'an edit that keeps it internal')
  t.equal(edited.json().version, 2)

  const shown = await patch(ws, kase.id, note.id, { isPublic: true }, { 'if-match': '"2"' })
  t.equal(shown.statusCode, 200, shown.body)
  t.equal(shown.headers.etag, '"3"')
  const made = shown.json()
  t.equal(made.isPublic, true)
  const current = await readCase(ws, kase.id)
  t.equal(current.firstResponseAt, made.updatedAt, 'the moment it became visible')
  t.ok(Date.parse(made.updatedAt) > Date.parse(note.createdAt))

  await patch(ws, kase.id, note.id, { isPublic: false })
  await patch(ws, kase.id, note.id, { isPublic: true })
  t.equal((await readCase(ws, kase.id)).firstResponseAt, made.updatedAt, 'only the first time counts')
})

t.test('takes the earliest of concurrent public comments as the first response', async (t) => {
  const ws = await createWorkspace(app)
  const kase = await createCase(ws)
  const made = await Promise.all(Array.from({ length: 6 }, (_, i) =>
    createCaseComment(ws, kase.id, { body: `Reply ${i}`, isPublic: true })))

  const earliest = made.map((c) => c.createdAt).sort()[0]
  const current = await readCase(ws, kase.id)
  t.equal(current.firstResponseAt, earliest)
  t.equal(current.version, 2, 'written once')
})

t.test('lets only the author, an admin or a manager change or delete a comment', async (t) => {
  const ws = await createWorkspace(app)
  const author = await createUser(app, ws, 'support')
  const colleague = await createUser(app, ws, 'support')
  const manager = await createUser(app, ws, 'manager')
  const kase = await createCase(ws)

  const comment = await createCaseComment(author, kase.id, { body: 'Mine' })
  t.equal(comment.authorId, author.id)

  const edit = await patch(colleague, kase.id, comment.id, { body: 'Not yours' })
  const problem = assertProblem(t, edit, 403, 'CRM_CASE_COMMENT_NOT_AUTHOR')
  t.match(problem.detail, comment.id)
  assertProblem(t, await remove(colleague, kase.id, comment.id), 403, 'CRM_CASE_COMMENT_NOT_AUTHOR')
  t.same((await get(ws, kase.id, comment.id)).json(), comment, 'unchanged')

  const own = await patch(author, kase.id, comment.id, { body: 'Mine, edited' })
  t.equal(own.statusCode, 200, own.body)
  t.equal(own.json().authorId, author.id, 'an edit keeps the author')
  const byManager = await patch(manager, kase.id, comment.id, { body: 'Edited by a manager' })
  t.equal(byManager.statusCode, 200, byManager.body)
  const byAdmin = await patch(ws, kase.id, comment.id, { isPublic: true })
  t.equal(byAdmin.statusCode, 200, byAdmin.body)
  t.equal(byAdmin.json().authorId, author.id)

  const second = await createCaseComment(author, kase.id)
  t.equal((await remove(manager, kase.id, second.id)).statusCode, 204, 'a manager deletes')
  t.equal((await remove(ws, kase.id, comment.id)).statusCode, 204, 'an admin deletes')
  const third = await createCaseComment(author, kase.id)
  t.equal((await remove(author, kase.id, third.id)).statusCode, 204, 'the author deletes')
  t.same(await listIds(ws, url(kase.id)), [])
})

t.test('lets support write comments and other roles only read them', async (t) => {
  const ws = await createWorkspace(app)
  const kase = await createCase(ws)
  const comment = await createCaseComment(ws, kase.id)

  for (const role of ['sales', 'marketing', 'readonly']) {
    const user = await createUser(app, ws, role)
    t.equal((await get(user, kase.id, comment.id)).statusCode, 200, `${role} reads`)
    t.same(await listIds(user, url(kase.id)), [comment.id])
    assertProblem(t, await post(user, kase.id, { body: 'x' }), 403, 'CRM_FORBIDDEN')
    assertProblem(t, await patch(user, kase.id, comment.id, { body: 'x' }), 403, 'CRM_FORBIDDEN')
    assertProblem(t, await remove(user, kase.id, comment.id), 403, 'CRM_FORBIDDEN')
  }
  t.same((await get(ws, kase.id, comment.id)).json(), comment)
  t.same(await listIds(ws, url(kase.id)), [comment.id], 'no refused write landed')

  const noToken = await app.inject({ method: 'GET', url: url(kase.id) })
  assertProblem(t, noToken, 401, 'CRM_UNAUTHORIZED')
})

t.test('replays a comment posted twice with the same Idempotency-Key', async (t) => {
  const ws = await createWorkspace(app)
  const kase = await createCase(ws)
  const headers = { 'idempotency-key': 'comment-1' }
  const body = { body: 'We are on it.', isPublic: true }

  const first = await post(ws, kase.id, body, headers)
  t.equal(first.statusCode, 201, first.body)
  const again = await post(ws, kase.id, body, headers)
  t.equal(again.statusCode, 201)
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.same(again.json(), first.json())
  t.equal(again.headers.location, first.headers.location)

  const other = await post(ws, kase.id, { body: 'Something else' }, headers)
  assertProblem(t, other, 422, 'CRM_IDEMPOTENCY_KEY_REUSED')
  t.same(await listIds(ws, url(kase.id)), [first.json().id], 'one comment')
  t.equal((await readCase(ws, kase.id)).version, 2, 'one first response')
})

t.test('refuses a stale If-Match and changes nothing', async (t) => {
  const ws = await createWorkspace(app)
  const kase = await createCase(ws)
  const comment = await createCaseComment(ws, kase.id)

  const stale = { 'if-match': '"9"' }
  const stalePatch = await patch(ws, kase.id, comment.id, { isPublic: true }, stale)
  assertProblem(t, stalePatch, 412, 'CRM_PRECONDITION_FAILED')
  const staleDelete = await remove(ws, kase.id, comment.id, stale)
  assertProblem(t, staleDelete, 412, 'CRM_PRECONDITION_FAILED')
  t.same((await get(ws, kase.id, comment.id)).json(), comment)
  t.equal((await readCase(ws, kase.id)).firstResponseAt, null)

  const removed = await remove(ws, kase.id, comment.id, { 'if-match': '"1"' })
  t.equal(removed.statusCode, 204)
  t.equal(removed.body, '')
  assertProblem(t, await get(ws, kase.id, comment.id), 404, 'CRM_CASE_COMMENT_NOT_FOUND')
  assertProblem(t, await remove(ws, kase.id, comment.id), 404, 'CRM_CASE_COMMENT_NOT_FOUND')
  const gone = await patch(ws, kase.id, comment.id, { body: 'x' })
  assertProblem(t, gone, 404, 'CRM_CASE_COMMENT_NOT_FOUND')
})

t.test('answers 404 for a comment under another case, or an unknown one', async (t) => {
  const ws = await createWorkspace(app)
  const kase = await createCase(ws)
  const sibling = await createCase(ws)
  const comment = await createCaseComment(ws, kase.id)
  const never = '00000000-0000-4000-8000-000000000000'

  for (const [caseId, commentId, code] of [
    [sibling.id, comment.id, 'CRM_CASE_COMMENT_NOT_FOUND'],
    [kase.id, never, 'CRM_CASE_COMMENT_NOT_FOUND'],
    [never, comment.id, 'CRM_CASE_NOT_FOUND']
  ] as const) {
    assertProblem(t, await get(ws, caseId, commentId), 404, code)
    assertProblem(t, await patch(ws, caseId, commentId, { isPublic: true }), 404, code)
    assertProblem(t, await remove(ws, caseId, commentId), 404, code)
  }
  assertProblem(t, await post(ws, never, { body: 'x' }), 404, 'CRM_CASE_NOT_FOUND')
  assertProblem(t, await ws.request({ method: 'GET', url: url(never) }), 404, 'CRM_CASE_NOT_FOUND')
  t.same((await get(ws, kase.id, comment.id)).json(), comment, 'unchanged')
  t.equal((await readCase(ws, kase.id)).firstResponseAt, null)
})

t.test('hides a case\'s comments from every other workspace', async (t) => {
  const ws = await createWorkspace(app)
  const other = await createWorkspace(app)
  const kase = await createCase(ws)
  const comment = await createCaseComment(ws, kase.id)
  const theirs = await createCase(other)
  const theirComment = await createCaseComment(other, theirs.id)

  const ourCase = [
    await other.request({ method: 'GET', url: url(kase.id) }),
    await post(other, kase.id, { body: 'x', isPublic: true }),
    await get(other, kase.id, comment.id),
    await patch(other, kase.id, comment.id, { isPublic: true }),
    await remove(other, kase.id, comment.id)
  ]
  for (const res of ourCase) assertProblem(t, res, 404, 'CRM_CASE_NOT_FOUND')
  // Their own case in the path, our comment id: still not found.
  const ourComment = [
    await get(other, theirs.id, comment.id),
    await patch(other, theirs.id, comment.id, { body: 'x' }),
    await remove(other, theirs.id, comment.id)
  ]
  for (const res of ourComment) assertProblem(t, res, 404, 'CRM_CASE_COMMENT_NOT_FOUND')
  t.same(await listIds(other, `${url(theirs.id)}?limit=200`), [theirComment.id])

  t.same((await get(ws, kase.id, comment.id)).json(), comment, 'untouched')
  t.same(await listIds(ws, url(kase.id)), [comment.id])
  const current = await readCase(ws, kase.id)
  t.equal(current.firstResponseAt, null)
  t.equal(current.version, 1)
})

t.test('deletes the comments with their case', async (t) => {
  const ws = await createWorkspace(app)
  const kase = await createCase(ws)
  const kept = await createCase(ws)
  const comments = [await createCaseComment(ws, kase.id), await createCaseComment(ws, kase.id)]
  const other = await createCaseComment(ws, kept.id)

  const removed = await ws.request({ method: 'DELETE', url: `/v1/cases/${kase.id}` })
  t.equal(removed.statusCode, 204, removed.body)

  const rows = await app.deps.db.select().from(caseComments).where(eq(caseComments.caseId, kase.id))
  t.same(rows.map((r) => r.id).sort(), comments.map((c) => c.id).sort())
  t.ok(rows.every((r) => r.deletedAt !== null && r.version === 2), 'soft-deleted through the writer')
  assertProblem(t, await ws.request({ method: 'GET', url: url(kase.id) }), 404, 'CRM_CASE_NOT_FOUND')
  assertProblem(t, await get(ws, kase.id, comments[0]?.id as string), 404, 'CRM_CASE_NOT_FOUND')
  t.same(await listIds(ws, url(kept.id)), [other.id], 'other cases keep theirs')
})
