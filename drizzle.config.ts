import { defineConfig } from 'drizzle-kit'

// Only `npm run db:generate` reads this: it diffs the tables against the
// committed migrations and writes the next one. No database is needed.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './migrations',
  casing: 'snake_case',
  strict: true,
  verbose: true
})
