import { Writable } from 'node:stream'
import pino from 'pino'
import t from 'tap'
import { REDACT_PATHS } from '../src/logger.js'

/** Credentials and personal data never reach the logs, at any depth we log. */
t.test('secrets and personal fields are redacted', async (t) => {
  const lines: string[] = []
  const sink = new Writable({ write (chunk, _encoding, done) { lines.push(String(chunk)); done() } })
  const logger = pino({ redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink)
  logger.info({
    req: { headers: { authorization: 'Bearer eyJ.secret.token', cookie: 'sid=1', 'idempotency-key': 'k1' } },
    password: 'hunter2-hunter2',
    user: { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', passwordHash: '$argon2id$...' },
    body: { contact: { phone: '+49 30 1', mobilePhone: '+49 171 1' } },
    apiKey: { secret: 'crm_abc' },
    accessToken: 'eyJ.also.secret',
    workspaceId: 'kept'
  }, 'something happened')
  const out = lines.join('')
  const secrets = [
    'eyJ.secret.token', 'sid=1', 'hunter2', 'ada@example.com', 'Ada', 'Lovelace', '$argon2id',
    '+49 30 1', '+49 171 1', 'crm_abc', 'eyJ.also.secret'
  ]
  for (const secret of secrets) {
    t.notOk(out.includes(secret), `${secret} is not logged`)
  }
  t.match(out, /"workspaceId":"kept"/, 'ids stay')
})
