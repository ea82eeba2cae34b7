/**
 * Why a download failed. `isPermanent` says whether trying again later can
 * help: a refused address, a 404 or a file over the limit will not change;
 * a timeout, a reset connection or a 503 may.
 */
export type DownloadFailure =
  | 'invalid_url'
  | 'address_refused'
  | 'dns'
  | 'status'
  | 'too_large'
  | 'redirects'
  | 'timeout'
  | 'network'
  | 'aborted'

export class DownloadError extends Error {
  constructor (
    message: string,
    readonly reason: DownloadFailure,
    readonly isPermanent: boolean,
    options?: { cause?: unknown }
  ) {
    super(message, options)
    this.name = 'DownloadError'
  }
}
