/** The pipeline every new workspace starts with (DOMAIN.md). */
export const DEFAULT_STAGES = [
  { key: 'prospecting', label: 'Prospecting', position: 1, probability: 10, isClosed: false, isWon: false },
  { key: 'qualification', label: 'Qualification', position: 2, probability: 20, isClosed: false, isWon: false },
  { key: 'proposal', label: 'Proposal', position: 3, probability: 50, isClosed: false, isWon: false },
  { key: 'negotiation', label: 'Negotiation', position: 4, probability: 80, isClosed: false, isWon: false },
  { key: 'closed_won', label: 'Closed won', position: 5, probability: 100, isClosed: true, isWon: true },
  { key: 'closed_lost', label: 'Closed lost', position: 6, probability: 0, isClosed: true, isWon: false }
] as const
