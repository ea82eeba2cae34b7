import { randomUUID } from 'node:crypto'
import { type BigIntStats, constants, createWriteStream, type Dirent } from 'node:fs'
import { type FileHandle, lstat, mkdir, open, readdir, realpath, rm } from 'node:fs/promises'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { Config } from '../../config.js'
import { ByteMeter } from '../../lib/streams/byte-meter.js'
import { matchesPattern } from './import-schedules.pattern.js'

/**
 * The import folder. Layout: `<IMPORT_DIR>/<workspaceId>/<file>`, one
 * folder per workspace (the workspace's id, as the API shows it), files
 * directly inside it; subfolders are not searched. Whoever delivers files
 * (an SFTP drop, a sync job) writes each under a hidden name (a leading
 * dot) and renames it when complete: hidden files are never read, so a
 * half-written file is never imported. Files are left in place; a run
 * copies each matching file into the server's own file store
 * (`<DATA_DIR>/imports-files/`) while hashing it, and the import reads the
 * copy, unless the schedule's memo says the file is unchanged since a run
 * read it (its FileIdentity: see import-schedules.memo.ts). A symbolic
 * link is followed only to a file inside the same folder.
 */

/** At most this many matching files are read per run, oldest first; the rest wait for a later run. */
export const MAX_FILES_PER_RUN = 1000

/** What tells one version of a file from another without reading it. */
export interface FileIdentity {
  size: number
  /** Decimal strings, exact: nanoseconds since the epoch, and the (unsigned 64-bit) inode number. */
  mtimeNs: string
  inode: string
}

export interface StoredFile {
  fileName: string
  /** The copy in the file store, absolute. */
  filePath: string
  size: number
  /** sha256 of the bytes, hex. */
  checksum: string
  /** The file as it was opened, before its bytes were read (absent for a download). */
  identity?: FileIdentity
}

/** A file of the folder that is not imported, and why (shown in the run's result). */
export class FolderFileError extends Error {}

export const importFolderOf = (config: Config, workspaceId: string) => path.resolve(config.IMPORT_DIR, workspaceId)

export const importFileStoreOf = (config: Config) => path.resolve(config.DATA_DIR, 'imports-files')

/**
 * The names of the folder's non-hidden files and symbolic links matching
 * the pattern, oldest first (by modification time, then name), so an
 * upsert applies deliveries in the order they came; undefined when the
 * folder does not exist.
 */
export async function listMatchingFiles (folder: string, pattern: string): Promise<string[] | undefined> {
  let entries: Dirent[]
  try {
    entries = await readdir(folder, { withFileTypes: true })
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw err
  }
  const names = entries
    .filter((e) => !e.name.startsWith('.') && (e.isFile() || e.isSymbolicLink()))
    .map((e) => e.name)
    .filter((name) => matchesPattern(pattern, name))
  const dated = await Promise.all(names.map(async (name) => {
    const stat = await lstat(path.join(folder, name)).catch(() => undefined)
    return { name, mtime: stat?.mtimeMs ?? 0 }
  }))
  return dated
    .sort((a, b) => a.mtime - b.mtime || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((d) => d.name)
}

/**
 * Copies one file of the folder into the file store, with its size and
 * sha256 taken from the bytes copied. Refusals (a link leaving the folder,
 * not a regular file, over the size limit) throw FolderFileError.
 */
export async function copyToStore (
  folder: string,
  name: string,
  store: string,
  maxBytes: number
): Promise<StoredFile> {
  const source = await insideFolder(folder, name)
  let handle: FileHandle
  try {
    // O_NOFOLLOW: a link swapped in after the check is not followed;
    // O_NONBLOCK: a FIFO swapped in does not hang the worker.
    handle = await open(source.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch (err) {
    throw new FolderFileError(`could not be opened (${(err as { code?: string }).code ?? 'error'})`)
  }
  try {
    const stat = await handle.stat({ bigint: true })
    // What was opened is what was checked: a folder on the way swapped for a
    // link after the check would give another file.
    if (stat.dev !== source.dev || stat.ino !== source.ino) throw new FolderFileError('changed while it was read')
    if (!stat.isFile()) throw new FolderFileError('is not a regular file')
    if (stat.size > BigInt(maxBytes)) throw new FolderFileError(`is larger than the limit of ${maxBytes} bytes`)
    await mkdir(store, { recursive: true })
    const filePath = path.join(store, `${randomUUID()}.upload`)
    try {
      const { size, checksum } = await hashedCopy(handle, filePath, maxBytes)
      // Taken before the read: a file that changes while it is read shows a
      // newer mtime next time, so it is read again rather than trusted.
      return { fileName: name, filePath, size, checksum, identity: identityOf(stat) }
    } catch (err) {
      await rm(filePath, { force: true })
      throw err
    }
  } finally {
    await handle.close()
  }
}

/**
 * The size, modification time and inode of what copyToStore would read for
 * `name` (the file, or the target of a link inside the folder), without
 * opening it; undefined when copyToStore would refuse it or it is gone.
 */
export async function fileIdentity (folder: string, name: string): Promise<FileIdentity | undefined> {
  const source = await insideFolder(folder, name).catch((err) => {
    if (err instanceof FolderFileError) return undefined
    throw err
  })
  if (source === undefined || !source.stat.isFile()) return undefined
  return identityOf(source.stat)
}

const identityOf = (stat: BigIntStats): FileIdentity =>
  ({ size: Number(stat.size), mtimeNs: stat.mtimeNs.toString(), inode: stat.ino.toString() })

/**
 * The path to read for `name`, with what lstat finds there: the entry
 * itself, or the target of a link that stays inside the folder.
 */
async function insideFolder (
  folder: string,
  name: string
): Promise<{ path: string, dev: bigint, ino: bigint, stat: BigIntStats }> {
  const base = await realpath(folder)
  const entry = path.join(base, name)
  const stat = await lstat(entry, { bigint: true }).catch(() => undefined)
  if (stat === undefined) throw new FolderFileError('disappeared before it was read')
  if (!stat.isSymbolicLink()) return { path: entry, dev: stat.dev, ino: stat.ino, stat }
  const target = await realpath(entry).catch(() => undefined)
  if (target === undefined) throw new FolderFileError('is a broken symbolic link')
  if (!target.startsWith(`${base}${path.sep}`)) {
    throw new FolderFileError('is a symbolic link to something outside the import folder; it is not read')
  }
  const targetStat = await lstat(target, { bigint: true }).catch(() => undefined)
  if (targetStat === undefined) throw new FolderFileError('disappeared before it was read')
  return { path: target, dev: targetStat.dev, ino: targetStat.ino, stat: targetStat }
}

async function hashedCopy (
  handle: FileHandle,
  destination: string,
  maxBytes: number
): Promise<{ size: number, checksum: string }> {
  // The file may grow while it is read: the limit holds for what is read.
  const meter = new ByteMeter(maxBytes, () => new FolderFileError(`is larger than the limit of ${maxBytes} bytes`))
  const source = handle.createReadStream({ autoClose: false, start: 0 })
  await pipeline(source, meter, createWriteStream(destination, { flags: 'wx' }))
  return { size: meter.size, checksum: meter.checksum() }
}
