import { hash, verify } from '@node-rs/argon2'

// OWASP's first Argon2id profile: 19 MiB, 2 passes, 1 lane.
// algorithm 2 is Argon2id (the package's enum is const, not importable here).
const OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 }

export function hashPassword (password: string): Promise<string> {
  return hash(password, OPTIONS)
}

/** Compared against a real hash even for unknown emails, so timing tells nothing. */
const DUMMY = hash('not a password of anyone', OPTIONS)

export async function verifyPassword (passwordHash: string | undefined, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash ?? (await DUMMY), password)
  } catch {
    return false
  }
}
