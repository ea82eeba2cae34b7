import { createHash } from 'node:crypto'
import { Transform, type TransformCallback } from 'node:stream'

/**
 * Passes bytes through while counting and hashing them (sha256), and fails
 * the stream with `tooLarge()` once more than `maxBytes` went by: a file is
 * stored, copied or downloaded without ever being held in memory.
 */
export class ByteMeter extends Transform {
  private readonly hash = createHash('sha256')
  size = 0

  constructor (private readonly maxBytes: number, private readonly tooLarge: () => Error) {
    super()
  }

  override _transform (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.size += chunk.length
    if (this.size > this.maxBytes) {
      callback(this.tooLarge())
      return
    }
    this.hash.update(chunk)
    callback(null, chunk)
  }

  /** The sha256 of every byte that passed, hex; call once the stream has ended. */
  checksum (): string {
    return this.hash.digest('hex')
  }
}
