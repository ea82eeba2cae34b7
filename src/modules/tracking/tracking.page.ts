/**
 * The pages an unsubscribe link leads to: static, with nothing of the
 * person on them (whoever holds the link sees them) and not even the token,
 * and headers that keep them out of frames, caches and referrers.
 */
const page = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222;line-height:1.5}</style>
</head>
<body>
${body}
</body>
</html>
`

/**
 * What the link in a message opens: a question and a button, and no write,
 * because mail scanners and link previews follow every link of a message.
 * The form has no action, so it posts back to the very address the page was
 * opened at (whatever path prefix PUBLIC_URL or a proxy adds), and the page
 * never has to write the token. The hidden field is the RFC 8058 one-click
 * body, so the button's post is the one-click request the route already checks.
 */
export const UNSUBSCRIBE_CONFIRM_PAGE = page('Unsubscribe', `<h1>Unsubscribe?</h1>
<p>Press the button to stop receiving marketing email from us at this address.</p>
<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>`)

/** What the unsubscribe answers, to the page's button and to one-click clients alike. */
export const UNSUBSCRIBED_PAGE = page('Unsubscribed', `<h1>You are unsubscribed</h1>
<p>You will not receive marketing email from us at this address any more.</p>`)

/**
 * form-action is named because it does not fall back to default-src: the
 * button may post to this origin and nowhere else.
 */
export const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy':
    'default-src \'none\'; style-src \'unsafe-inline\'; form-action \'self\'; frame-ancestors \'none\'',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff'
}
