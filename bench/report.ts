import type { RunStats } from './measure.js'

/** Plain-text output of the benchmark: progress lines and the final table. */

export const say = (line = '') => { process.stdout.write(`${line}\n`) }

export const mean = (values: number[]) =>
  values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1)

export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US')
export const fmtMs = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`
export const fmtRatio = (n: number) => n.toFixed(2)

export function describeRun (label: string, side: string, round: string, stats: RunStats) {
  say(
    `  ${label.padEnd(16)} ${side.padEnd(5)} ${round.padEnd(8)} ` +
    `${fmtInt(stats.rps).padStart(8)} req/s  p50 ${fmtMs(stats.p50).padStart(9)}  ` +
    `p99 ${fmtMs(stats.p99).padStart(9)}  ${fmtInt(stats.bytesPerResponse).padStart(6)} B/resp  ` +
    `server ${stats.serverCpuPerRequest.toFixed(0).padStart(5)} µs/req  ` +
    `generator ${(stats.generatorCpu * 100).toFixed(0).padStart(3)} % of a core`
  )
}

export interface Row {
  scenario: string
  ours: RunStats[]
  bare: RunStats[]
  target: number
}

export function printTable (rows: Row[]) {
  const header = [
    'scenario', 'ours req/s', 'bare req/s', 'ratio', 'target', 'met', 'ours p99', 'bare p99',
    'ours µs/req', 'bare µs/req', 'CPU ratio'
  ]
  const lines = rows.map((row) => {
    const ours = mean(row.ours.map((s) => s.rps))
    const bare = mean(row.bare.map((s) => s.rps))
    const ratio = ours / bare
    const oursCpu = mean(row.ours.map((s) => s.serverCpuPerRequest))
    const bareCpu = mean(row.bare.map((s) => s.serverCpuPerRequest))
    return [
      row.scenario,
      fmtInt(ours),
      fmtInt(bare),
      fmtRatio(ratio),
      `>= ${row.target.toFixed(1)}`,
      ratio >= row.target ? 'yes' : 'NO',
      fmtMs(mean(row.ours.map((s) => s.p99))),
      fmtMs(mean(row.bare.map((s) => s.p99))),
      oursCpu.toFixed(0),
      bareCpu.toFixed(0),
      // bare/ours: like the throughput ratio, above 1 means ours is cheaper
      fmtRatio(bareCpu / oursCpu)
    ]
  })
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)))
  const pad = (cell: string, i: number) =>
    i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number)
  const render = (cells: string[]) => cells.map(pad).join('  ')
  say(render(header))
  say(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const line of lines) say(render(line))
}
