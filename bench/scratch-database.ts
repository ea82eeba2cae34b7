import pg from 'pg'

/**
 * The benchmark's own database, next to the maintenance database named by
 * BENCH_DATABASE_URL. It is dropped before use (a previous run may have
 * died) and after; WITH (FORCE) ends the connections of servers that did
 * not close in time.
 */

function withDatabase (url: string, database: string) {
  const next = new URL(url)
  next.pathname = `/${database}`
  return next.toString()
}

async function admin<T> (adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Creates the scratch database afresh and returns its URL. */
export async function createScratchDatabase (adminUrl: string, database: string): Promise<string> {
  await admin(adminUrl, async (client) => {
    await client.query(`drop database if exists "${database}" with (force)`)
    await client.query(`create database "${database}"`)
  })
  return withDatabase(adminUrl, database)
}

export async function dropScratchDatabase (adminUrl: string, database: string) {
  await admin(adminUrl, (client) =>
    client.query(`drop database if exists "${database}" with (force)`))
}
