/** Plain-text summaries of a Detector1 run for the terminal: step table, references, products. */
import type { Detector1FileResult } from '../pipeline/node.js';

/** One row per step reached: status and time (steps skipped by parameter show no time). */
export function stepTable(result: Pick<Detector1FileResult, 'statuses' | 'timings'>): string[] {
  const timings = new Map(result.timings);
  const lines = ['  step                  status       time'];
  for (const [alias, status] of result.statuses) {
    const ms = timings.get(alias);
    lines.push(`  ${alias.padEnd(21)} ${status.padEnd(9)} ${ms === undefined ? '' : `${ms.toFixed(1).padStart(8)} ms`}`);
  }
  for (const [name, ms] of result.timings) {
    if (!result.statuses.some(([alias]) => alias === name)) lines.push(`  ${name.padEnd(21)} ${''.padEnd(9)} ${ms.toFixed(1).padStart(8)} ms`);
  }
  return lines;
}

export function referenceLines(result: Pick<Detector1FileResult, 'referencePaths'>): string[] {
  return result.referencePaths.map(([type, path]) => `  ${type.padEnd(12)} ${path ?? 'N/A'}`);
}
