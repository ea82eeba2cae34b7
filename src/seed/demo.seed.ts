import type { AppDeps } from '../deps.js'

// TODO(#2): replaced by the real demo seed before this issue closes.
export async function seedDemo (_deps: AppDeps, _address: string) {}
