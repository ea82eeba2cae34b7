/**
 * Thrown by a processor that stopped because the worker is closing; the
 * job is put back and runs again later without spending an attempt. Kept
 * apart from the registry, which imports every module's jobs, so that a
 * module can throw it without importing the registry.
 */
export class ShutdownError extends Error {
  constructor () {
    super('the worker is shutting down')
  }
}
