import type { AppDeps } from '../../deps.js'

/**
 * Asks for the given leads to be scored soon. Deduplicated per lead: a burst
 * of edits or engagement events scores each lead once.
 */
// TODO(#4): placeholder contract; the lead-scoring module implements it.
export async function requestLeadScoring (
  _deps: AppDeps,
  _workspaceId: string,
  _leadIds: readonly string[]
): Promise<void> {}

/** Asks for every lead of the workspace to be rescored (after a rules change or an import of leads). */
// TODO(#4): placeholder contract; the lead-scoring module implements it.
export async function requestWorkspaceRescore (_deps: AppDeps, _workspaceId: string): Promise<void> {}
