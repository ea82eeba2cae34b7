import { randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { Config } from '../../config.js'
import { ByteMeter } from '../../lib/streams/byte-meter.js'
import { ImportFileTooLargeError } from './imports.errors.js'

/**
 * Where import files wait for the worker: `${DATA_DIR}/imports-files/`, a
 * folder the API and every worker of the deployment share.
 */
export function importFilesDir (config: Config): string {
  return join(config.DATA_DIR, 'imports-files')
}

export interface StoredImportFile {
  filePath: string
  fileSize: number
  /** sha256 of the bytes, hex. */
  checksum: string
}

/**
 * Streams `source` to a new file under the import folder while computing
 * its size and sha256; the file is never held in memory. Past
 * IMPORT_MAX_BYTES (or `maxBytes`) it throws ImportFileTooLargeError (413)
 * and nothing is kept; on any failure the partial file is removed.
 */
export async function storeImportFile (
  config: Config,
  source: NodeJS.ReadableStream,
  options: { maxBytes?: number } = {}
): Promise<StoredImportFile> {
  const dir = importFilesDir(config)
  await mkdir(dir, { recursive: true })
  const filePath = join(dir, `${randomUUID()}.upload`)
  const maxBytes = options.maxBytes ?? config.IMPORT_MAX_BYTES
  const tooLarge = () => new ImportFileTooLargeError(`the file is larger than ${maxBytes} bytes`)
  const measure = new ByteMeter(maxBytes, tooLarge)
  try {
    await pipeline(source, measure, createWriteStream(filePath, { flags: 'wx' }))
  } catch (err) {
    await rm(filePath, { force: true })
    throw err
  }
  return { filePath, fileSize: measure.size, checksum: measure.checksum() }
}

/**
 * Removes an import file once its import is over, but only one that
 * storeImportFile wrote: a file a schedule names in the import folder
 * belongs to whoever put it there.
 */
export async function removeImportFile (config: Config, filePath: string): Promise<void> {
  const inside = relative(resolve(importFilesDir(config)), resolve(filePath))
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return
  await rm(filePath, { force: true })
}
