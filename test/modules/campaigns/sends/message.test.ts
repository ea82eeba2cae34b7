import fc from 'fast-check'
import t from 'tap'
import { MERGE_FIELD_NAMES, type MergeValues } from '../../../../src/modules/campaigns/message/campaign-message.fields.js'
import { compileMessage, renderMessage } from '../../../../src/modules/campaigns/message/campaign-message.render.js'
import { unknownMergeFields } from '../../../../src/modules/campaigns/message/campaign-message.template.js'
import { assertKnownMergeFields } from '../../../../src/modules/campaigns/message/campaign-message.validation.js'

// The merge-field language on its own: parsing, save-time checks and
// rendering, with hostile values from fast-check. No database.

const message = (subject: string | null, htmlBody: string | null, textBody: string | null) =>
  compileMessage({ subject, htmlBody, textBody })

t.test('renders every merge field, spaces inside the braces allowed, missing values empty', async (t) => {
  const compiled = message(
    'Hi {{ firstName }} of {{account.name}}',
    '<p>{{fullName}} ({{title}}) at {{company}}: {{missing.nothing}} {{website}}</p>',
    '{{firstName}} {{lastName}} <{{email}}> {{phone}}|{{department}}|'
  )
  const out = renderMessage(compiled, {
    firstName: 'Ada', lastName: 'Lovelace', fullName: 'Ada Lovelace', email: 'ada@example.com',
    title: 'CTO', company: 'Engines', 'account.name': 'Engines', website: null
  })
  t.equal(out.subject, 'Hi Ada of Engines')
  t.equal(out.html, '<p>Ada Lovelace (CTO) at Engines: {{missing.nothing}} </p>',
    'an unknown field saved before the check stays literal; a null value renders empty')
  t.equal(out.text, 'Ada Lovelace <ada@example.com> ||', 'absent values render empty')
})

t.test('escapes values in the HTML body only, and keeps the subject on one line', async (t) => {
  const hostile = '<script>alert("x")</script> & \'quotes\''
  const out = renderMessage(message('{{firstName}}\r\nBcc: evil@example.com', '<b>{{firstName}}</b>', '{{firstName}}'),
    { firstName: hostile })
  t.equal(out.html, '<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;</b>')
  t.equal(out.text, hostile, 'the text body takes the value as it is')
  t.notMatch(out.subject, /[\r\n]/, 'no line break survives in the subject')
  t.equal(out.subject, `${hostile} Bcc: evil@example.com`)
  const injected = renderMessage(message('Hello {{firstName}}', null, 'x'), { firstName: 'Ada\r\nBcc: a@b.c' })
  t.equal(injected.subject, 'Hello Ada Bcc: a@b.c', 'a value cannot add a header')
  t.equal(injected.html, null, 'a null body stays null')
})

t.test('no value can break out of the HTML it is placed in', async (t) => {
  const field = fc.constantFrom(...MERGE_FIELD_NAMES.filter((f) => f !== 'unsubscribeUrl'))
  await fc.assert(fc.property(fc.dictionary(field, fc.string({ unit: 'binary' })), (values) => {
    const template = MERGE_FIELD_NAMES.map((f) => `<a title="{{${f}}}">{{${f}}}</a>`).join('')
    const html = renderMessage(message('s', template, null), values as MergeValues).html as string
    // Only the template's own markup: as many tags and quotes as it has.
    const skeleton = renderMessage(message('s', template, null), {}).html as string
    return html.split('<').length === skeleton.split('<').length &&
      html.split('"').length === skeleton.split('"').length &&
      html.split('>').length === skeleton.split('>').length
  }), { numRuns: 300 })
  t.pass('tags and attribute quotes are exactly the template\'s')
})

t.test('finds unknown merge fields as written, once each', async (t) => {
  t.same(unknownMergeFields('{{firstName}} {{ first_name }} {{}} {{a.b}} {{ first_name }} {{x'), [
    '{{ first_name }}', '{{}}', '{{a.b}}'
  ])
  t.same(unknownMergeFields('{firstName} {{{firstName}}} }}{{'), [], 'single braces and strays are text')
  t.same(unknownMergeFields('{{constructor}} {{__proto__}} {{toString}}'),
    ['{{constructor}}', '{{__proto__}}', '{{toString}}'], 'object members are not fields')
})

t.test('the save-time check names each message field that holds an unknown one', async (t) => {
  t.doesNotThrow(() => assertKnownMergeFields({ subject: '{{firstName}}', htmlBody: null, name: '{{nope}}' }))
  try {
    assertKnownMergeFields({ subject: 'ok', htmlBody: '<p>{{ lastname }}</p>', textBody: '{{foo}} {{bar}}' })
    t.fail('should throw')
  } catch (err) {
    const e = err as { code: string, statusCode: number, message: string, errors: unknown }
    t.equal(e.code, 'CRM_CAMPAIGN_MERGE_FIELD_UNKNOWN')
    t.equal(e.statusCode, 422)
    t.same(e.errors, [
      { pointer: '/htmlBody', message: 'unknown merge field {{ lastname }}' },
      { pointer: '/textBody', message: 'unknown merge field {{foo}}, {{bar}}' }
    ])
    t.match(e.message, /htmlBody holds an unknown merge field \{\{ lastname \}\}/)
    t.match(e.message, /the merge fields are firstName, lastName/)
  }
})

t.test('any text without unknown fields passes the check and renders without throwing', async (t) => {
  await fc.assert(fc.property(fc.string(), fc.string(), (a, b) => {
    const source = `${a}{{firstName}}${b}`
    const unknown = unknownMergeFields(source)
    if (unknown.length > 0) return unknown.every((u) => u.startsWith('{{') && u.endsWith('}}'))
    const out = renderMessage(message(source, source, source), { firstName: 'Z' })
    return typeof out.html === 'string' && !out.subject.includes('\n')
  }), { numRuns: 300 })
  t.pass()
})
