import { readFileSync } from 'node:fs';

/**
 * This process's peak resident set (MB). Linux's `ru_maxrss` survives exec: a child spawned by a
 * large parent (e.g. one that has just simulated the case) reports at least the parent's resident
 * size at the fork. VmHWM belongs to the process image alone; getrusage is the fallback elsewhere.
 */
export function peakRssMB() {
  try {
    const kB = /^VmHWM:\s*(\d+)\s*kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (kB) return Number(kB[1]) / 1024;
  } catch {
    // Not Linux.
  }
  return process.resourceUsage().maxRSS / 1024;
}
