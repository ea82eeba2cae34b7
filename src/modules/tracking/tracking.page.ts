/**
 * The page an unsubscribe link opens: static, with nothing of the person
 * on it (whoever holds the link sees it), and headers that keep it out of
 * frames, caches and referrers.
 */
export const UNSUBSCRIBED_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Unsubscribed</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222;line-height:1.5}</style>
</head>
<body>
<h1>You are unsubscribed</h1>
<p>You will not receive marketing email from us at this address any more.</p>
</body>
</html>
`

export const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy': 'default-src \'none\'; style-src \'unsafe-inline\'; frame-ancestors \'none\'',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff'
}
