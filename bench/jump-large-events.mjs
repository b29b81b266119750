#!/usr/bin/env node
/**
 * Snowball and shower passes of the jump step, ours against stcal 1.20, side by side (not a test).
 *
 *   make build
 *   node bench/jump-large-events.mjs            # --no-tso: without the MIRI TSO shape (minutes, ~6 GB for stcal)
 *
 * Scenes: a NIRCam full frame (1 x 10 x 2048 x 2048) whose GROUPDQ holds 300 snowballs (JUMP
 * discs around saturating cores) and scattered CR pairs; a MIRI full frame (1 x 20 x 1024 x
 * 1032) of noisy ramps with three faint (about 2 sigma) showers, and the same at the MIRI TSO
 * shape (50 x 45 x 512 x 512, showers in every integration; about 3 GB in each process). Ours:
 * the wasm kernels in this thread. stcal: `flag_large_events` and `find_faint_extended` on the
 * same arrays (.venv, if present), with the settings jwst's JumpStep passes. Wall seconds; the machine may be loaded (see `uptime`).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { loadKernels } = await import(join(root, 'dist/kernels/load-node.js'));
const { flagShowers, flagSnowballs } = await import(join(root, 'dist/kernels/jump-large-events.js'));
await loadKernels();

let seed = 2026;
const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;

function snowballScene([nints, ngroups, rows, cols]) {
  const plane = rows * cols;
  const groupdq = new Uint8Array(nints * ngroups * plane);
  for (let k = 0; k < 300; k++) {
    const g = 1 + Math.floor(rnd() * (ngroups - 1));
    const [r0, c0, radius] = [rnd() * rows, rnd() * cols, 4 + 12 * rnd()];
    for (let r = Math.max(0, Math.floor(r0 - radius)); r < Math.min(rows, r0 + radius); r++) {
      for (let c = Math.max(0, Math.floor(c0 - radius)); c < Math.min(cols, c0 + radius); c++) {
        const d2 = (r - r0) ** 2 + (c - c0) ** 2;
        if (d2 > radius * radius) continue;
        if (d2 <= (radius / 2.5) ** 2) for (let gg = g; gg < ngroups; gg++) groupdq[gg * plane + r * cols + c] = 2;
        else groupdq[g * plane + r * cols + c] = 4;
      }
    }
  }
  for (let k = 0; k < 20000; k++) {
    const i = Math.floor(rnd() * (groupdq.length - 1));
    if (groupdq[i] === 0) groupdq[i] = groupdq[i + 1] = 4;
  }
  return { groupdq };
}

function showerScene([nints, ngroups, rows, cols]) {
  const plane = rows * cols;
  const data = new Float32Array(nints * ngroups * plane);
  // The shower centres of the 1024-row scene, scaled to smaller frames.
  const scale = Math.min(1, rows / 1024);
  for (let int = 0; int < nints; int++) {
    const cube = data.subarray(int * ngroups * plane, (int + 1) * ngroups * plane);
    for (let g = 0; g < ngroups; g++) for (let p = 0; p < plane; p++) cube[g * plane + p] = 10 * g + 6 * (rnd() - 0.5);
    for (const [g, r0, c0] of [[5, 300 * scale, 300 * scale], [9, 700 * scale, 500 * scale], [14, 200 * scale, 800 * scale]]) {
      for (let gg = g; gg < ngroups; gg++) {
        for (let r = r0 - 30; r <= r0 + 30; r++) for (let c = c0 - 30; c <= c0 + 30; c++) if ((r - r0) ** 2 + (c - c0) ** 2 <= 900) cube[gg * plane + r * cols + c] += 12;
      }
    }
  }
  return { data, groupdq: new Uint8Array(data.length), pixeldq: new Uint32Array(plane), gain: new Float32Array(plane).fill(4), readnoise: new Float32Array(plane).fill(6) };
}

/** Writes `bytes` in pieces: one write call takes at most 2 GiB. */
function writeBytes(path, bytes) {
  const fd = openSync(path, 'w');
  try {
    for (let at = 0; at < bytes.length; at += 1 << 30) writeSync(fd, bytes, at, Math.min(1 << 30, bytes.length - at));
  } finally {
    closeSync(fd);
  }
}

const stcalScript = `
import sys, time, json, numpy as np
from stcal.jump.jump import flag_large_events, find_faint_extended
from stcal.jump.jump_class import JumpData
from stdatamodels.jwst.datamodels import dqflags
d, kind = sys.argv[1], sys.argv[2]
shape = tuple(json.loads(sys.argv[3]))
jd = JumpData(dqflags=dqflags.pixel)
jd.nframes = 1
gdq = np.fromfile(d + '/groupdq.bin', np.uint8).reshape(shape)
if kind == 'snowballs':
    jd.set_snowball_info(True, 5.0, 1.0, 2.0, True, 2.5, 4, 25)
    jd.max_extended_width = 400
    jd.persist_grps_flagged = int(4000 // 10.737)
    t = time.time(); _, n = flag_large_events(gdq, 4, 2, jd)
else:
    plane = shape[2] * shape[3]
    data = np.fromfile(d + '/data.bin', np.float32).reshape(shape) * np.float32(4)
    pdq = np.zeros(shape[2:], np.uint32)
    rn = np.full(shape[2:], np.float32(6) * np.float32(4))
    jd.set_shower_info(True, 1.2, 90, 1, 2.6, 1.1, 10, 400)
    jd.grps_masked_after_shower = int(15 // 2.775)
    jd.max_shower_amplitude = 6 * 2.775
    t = time.time(); _, n = find_faint_extended(data, gdq, pdq, rn, jd)
print(json.dumps({"seconds": time.time() - t, "events": int(n)}))
`;

function stcal(kind, shape, arrays) {
  const python = join(root, '.venv/bin/python');
  if (!existsSync(python)) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'jump-bench-'));
  try {
    writeBytes(join(dir, 'groupdq.bin'), arrays.groupdq);
    if (arrays.data) writeBytes(join(dir, 'data.bin'), new Uint8Array(arrays.data.buffer));
    const run = spawnSync(python, ['-c', stcalScript, dir, kind, JSON.stringify(shape)], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(run.stderr);
    return JSON.parse(run.stdout.trim().split('\n').pop());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const snowballParams = { minSatArea: 1, minJumpArea: 5, expandFactor: 2, satRequiredSnowball: true, minSatRadiusExtend: 2.5, satExpand: 4, edgeSize: 25, maxExtendedWidth: 400, persistGroups: 372 };
const showerParams = {
  extendSnrThreshold: 1.2,
  extendMinArea: 90,
  extendInnerRadius: 1,
  ringWidth: 2.6,
  extendEllipseExpandRatio: 1.1,
  maxExtendedWidth: 400,
  groupsMaskedAfter: 5,
  maxShowerAmplitude: 6 * 2.775,
  nframes: 1,
  minimumSigclipGroups: 100,
};
const tile = ([nints, ngroups, rows, cols]) => ({ nints, ngroups, rows, cols });

// Warm-up on small scenes: compiles and tiers up the kernels (V8 runs a wasm function's first
// calls unoptimised, and one long call never switches), as bench/jump.mjs does.
{
  const shape = [1, 10, 512, 512];
  const scene = snowballScene(shape);
  flagSnowballs({ groupdq: scene.groupdq, coresBefore: new Uint8Array(0), coresAfter: new Uint8Array(shape[2] * shape[3]) }, tile(shape), snowballParams);
  flagShowers(showerScene([1, 20, 256, 256]), tile([1, 20, 256, 256]), showerParams);
  seed = 2026;
}

/**
 * Our wall seconds, first and second call on fresh copies of the flags: the first call grows
 * wasm memory to the exposure's size (as the earlier steps of a pipeline already have).
 */
function ours(run, groupdq) {
  const seconds = [];
  let events;
  for (let k = 0; k < 2; k++) {
    const flags = groupdq.slice();
    const t = performance.now();
    events = run(flags);
    seconds.push((performance.now() - t) / 1000);
  }
  return { ours_first_s: seconds[0], ours_s: seconds[1], ours_events: events };
}

const rows = [];
{
  const shape = [1, 10, 2048, 2048];
  const scene = snowballScene(shape);
  const theirs = stcal('snowballs', shape, scene);
  const run = (groupdq) => flagSnowballs({ groupdq, coresBefore: new Uint8Array(0), coresAfter: new Uint8Array(shape[2] * shape[3]) }, tile(shape), snowballParams);
  rows.push({ pass: 'snowballs', shape: shape.join('x'), ...ours(run, scene.groupdq), stcal_s: theirs?.seconds, stcal_events: theirs?.events });
}
// MIRI full frame, then the MIRI TSO shape (50 integrations of 45 groups of 512 x 512).
const showerShapes = process.argv.includes('--no-tso') ? [[1, 20, 1024, 1032]] : [[1, 20, 1024, 1032], [50, 45, 512, 512]];
for (const shape of showerShapes) {
  const scene = showerScene(shape);
  const theirs = stcal('showers', shape, scene);
  const run = (groupdq) => flagShowers({ ...scene, groupdq }, tile(shape), showerParams);
  rows.push({ pass: 'showers', shape: shape.join('x'), ...ours(run, scene.groupdq), stcal_s: theirs?.seconds, stcal_events: theirs?.events });
}
for (const row of rows) {
  row.ratio = row.stcal_s === undefined ? undefined : row.stcal_s / row.ours_s;
  row.ratio_first = row.stcal_s === undefined ? undefined : row.stcal_s / row.ours_first_s;
}
console.table(rows);
console.log(JSON.stringify(rows));
