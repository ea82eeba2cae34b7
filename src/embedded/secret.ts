import { randomBytes } from 'node:crypto'
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * Returns the secret kept in `<dataDir>/<name>`, creating it (48 random bytes,
 * base64url, mode 0600) on first use.
 */
export async function loadOrCreateSecret (dataDir: string, name: string): Promise<string> {
  const file = join(dataDir, name)
  const existing = await readSecret(file)
  if (existing !== undefined) return existing

  await mkdir(dataDir, { recursive: true })
  const secret = randomBytes(48).toString('base64url')
  // Written to a temporary name and linked into place so that a reader never
  // sees a half-written file and two concurrent first starts agree on one value.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  await writeFile(tmp, secret, { mode: 0o600, flag: 'wx' })
  try {
    await link(tmp, file)
  } catch (err) {
    if (!isCode(err, 'EEXIST')) throw err
  } finally {
    await unlink(tmp).catch(() => undefined)
  }
  const stored = await readSecret(file)
  if (stored === undefined) throw new Error(`secret file ${file} is empty`)
  return stored
}

async function readSecret (file: string): Promise<string | undefined> {
  try {
    // Trimmed because people edit these files by hand and editors add a newline.
    const value = (await readFile(file, 'utf8')).trim()
    if (value === '') throw new Error(`secret file ${file} is empty; delete it to regenerate`)
    return value
  } catch (err) {
    if (isCode(err, 'ENOENT')) return undefined
    throw err
  }
}

function isCode (err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code
}
