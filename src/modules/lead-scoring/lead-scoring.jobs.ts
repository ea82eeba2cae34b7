import type { JobDefinition } from '../../jobs/registry.js'

// TODO(#4): the jobs of this module.
export const leadScoringJobs: readonly JobDefinition[] = []
