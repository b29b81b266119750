#!/usr/bin/env node
/**
 * jump benchmark, ours against stcal, side by side on the same bytes (not a test).
 *
 *   make build            # dist/ (workers run compiled JS)
 *   node bench/jump.mjs [--shape NINTSxNGROUPSxROWSxCOLS] [--repeat N] [--showers]
 *   node bench/jump.mjs --shape 50x45x512x512 --showers   # the MIRI TSO shape (minutes; ~12 GB for stcal)
 *   node bench/jump.mjs ... --no-stcal --modes inthread,pool2   # ours only (compare the printed hashes)
 *   node bench/jump.mjs ... --no-stcal --sigclip-groups 10   # ours with minimum_sigclip_groups 10 (sigma-clipped noise)
 *   node bench/jump.mjs --snowballs   # expand_large_events on, on a ramp with 300 snowballs added
 *
 * A synthetic NIRCam-like ramp (default 1x10x2048x2048: rates 0-300 DN/s, Poisson and read
 * noise, cosmic rays of 20-2000 DN in ~1% of the pixels, a few saturated groups) is written once
 * to target/bench-jump/. Each configuration then runs in its own child process, so peak RSS is
 * per configuration: stcal's `detect_jumps_data` with jwst's defaults (bench/jump.py, single
 * process), and our `jumpStep` in this thread and with 1 and 2 Node workers; `--showers` turns
 * `find_showers` on in both (the MIRI shower search after the two-point pass). Reported: wall and
 * CPU seconds (CPU adds up all threads), peak RSS, the ratios, and whether every GROUPDQ/PIXELDQ
 * byte equals stcal's. `--snowballs` adds 300 snowballs (saturated cores from some group on, a
 * ring of +300 DN jumps around them) to the ramp (its own files) and turns `expand_large_events`
 * on in both. The machine may be shared: compare ratios within one run, note `uptime`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { peakRssMB } from './peak-rss.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const outDir = join(root, 'target/bench-jump');
const tgroup = 10.737;
const [gainValue, readnoiseValue] = [2, 10];
const SATURATED = 2;

/** mulberry32 uniforms in [0, 1) and standard normals by Box-Muller: fast and seeded. */
function generator(seed) {
  let t = seed >>> 0;
  const unit = () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), t | 1);
    r ^= r + Math.imul(r ^ (r >>> 7), r | 61);
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(Math.max(unit(), 1e-12))) * Math.cos(2 * Math.PI * unit());
  return { unit, normal };
}

/** The ramp in DN and its GROUPDQ; cosmic rays and saturation are what jump must deal with. */
function synthetic([nints, ngroups, rows, cols], snowballs = 0) {
  const npix = rows * cols;
  const data = new Float32Array(nints * ngroups * npix);
  const groupdq = new Uint8Array(data.length);
  const { unit, normal } = generator(20251121);
  const level = new Float64Array(npix);
  const rate = Float64Array.from({ length: npix }, () => 300 * unit());
  // Snowballs: from group `bumpGroup[p]` on, a saturated core or a ring of jumps around it.
  const bump = new Float64Array(npix);
  const bumpGroup = new Int32Array(npix).fill(-1);
  for (let k = 0; k < snowballs; k++) {
    const [r0, c0] = [30 + Math.floor(unit() * (rows - 60)), 30 + Math.floor(unit() * (cols - 60))];
    const core = 2 + 3 * unit();
    const group = 1 + Math.floor(unit() * (ngroups - 2));
    for (let r = Math.floor(r0 - 2.5 * core); r <= r0 + 2.5 * core; r++) {
      for (let c = Math.floor(c0 - 2.5 * core); c <= c0 + 2.5 * core; c++) {
        const d = Math.hypot(r - r0, c - c0);
        if (d > 2.5 * core) continue;
        bump[r * cols + c] = d <= core ? 70000 : 300;
        bumpGroup[r * cols + c] = group;
      }
    }
  }
  for (let i = 0; i < nints; i++) {
    level.fill(100);
    for (let g = 0; g < ngroups; g++) {
      const plane = (i * ngroups + g) * npix;
      for (let p = 0; p < npix; p++) {
        if (g > 0) {
          const electrons = rate[p] * tgroup * gainValue;
          level[p] += (electrons + Math.sqrt(electrons) * normal()) / gainValue;
          if (unit() < 0.01 / ngroups) level[p] += 20 + 1980 * unit() ** 2;
          if (g === bumpGroup[p]) level[p] += bump[p];
        }
        data[plane + p] = level[p] + (readnoiseValue / Math.SQRT2) * normal();
        if (data[plane + p] > 60000) groupdq[plane + p] = SATURATED;
      }
    }
  }
  return { data, groupdq };
}

/** Whole files in pieces: one read or write call takes at most 2 GiB (a MIRI TSO ramp is more). */
function writeBytes(path, bytes) {
  const fd = openSync(path, 'w');
  try {
    for (let at = 0; at < bytes.length; at += 1 << 30) writeSync(fd, bytes, at, Math.min(1 << 30, bytes.length - at));
  } finally {
    closeSync(fd);
  }
}

function readBytes(path) {
  const fd = openSync(path, 'r');
  try {
    const bytes = new Uint8Array(fstatSync(fd).size);
    for (let at = 0; at < bytes.length; ) at += readSync(fd, bytes, at, Math.min(1 << 30, bytes.length - at), at);
    return bytes;
  } finally {
    closeSync(fd);
  }
}

function files(shapeText, snowballs = false) {
  const stem = join(outDir, snowballs ? `${shapeText}-snowballs` : shapeText);
  return { data: `${stem}.data.f32`, groupdq: `${stem}.groupdq.u8` };
}

/** Child: one configuration of ours, one JSON line; GROUPDQ and PIXELDQ written for comparison. */
async function child(mode, shapeText, repeat, showers, sigclipGroups, snowballs) {
  const dims = shapeText.split('x').map(Number);
  const [nints, ngroups, rows, cols] = dims;
  const api = await import(join(root, 'dist/index.js'));
  const { loadKernels } = await import(join(root, 'dist/kernels/load-node.js'));
  await loadKernels();
  const input = files(shapeText, snowballs);
  // On shared memory, as the pipeline's FITS reader leaves a ramp: workers then read it in place.
  const data = sharedCopyOf(new Float32Array(readBytes(input.data).buffer));
  const groupdq = sharedCopyOf(readBytes(input.groupdq));

  const reference = (value, size) => {
    const header = new api.Header().set('SUBSTRT1', 1).set('SUBSTRT2', 1).set('SUBSIZE1', cols).set('SUBSIZE2', rows);
    const chunks = api.encodeFits([
      { kind: 'image', header },
      { kind: 'image', header: new api.Header().set('EXTNAME', 'SCI'), data: new Float32Array(size * size).fill(value), shape: [size, size] },
    ]);
    const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    chunks.reduce((offset, c) => (bytes.set(c, offset), offset + c.length), 0);
    return api.FitsFile.open(api.bytesSource(bytes, 'reference.fits'));
  };
  const model = (r, c, source = data, dq = groupdq) => {
    const meta = api.emptyMeta();
    Object.assign(meta.instrument, { name: 'NIRCAM' });
    Object.assign(meta.subarray, { xstart: 1, ystart: 1, xsize: c, ysize: r });
    Object.assign(meta.exposure, { nframes: 1, groupTime: tgroup });
    return api.createRampModel({ meta, shape: [nints, ngroups, r, c], data: source, pixeldq: sharedCopyOf(new Uint32Array(r * c)), groupdq: sharedCopyOf(dq) });
  };
  let pool;
  if (mode.startsWith('pool')) {
    const { createNodePool } = await import(join(root, 'dist/pool/node.js'));
    pool = await createNodePool({ size: Number(mode.slice(4)) });
  }
  // Warm-up on a small ramp: compiles and tiers up the kernel (and starts the workers).
  const small = synthetic([nints, ngroups, 32, 32]);
  const smallRefs = { gain: await reference(gainValue, 32), readnoise: await reference(readnoiseValue, 32) };
  const options = { findShowers: showers, expandLargeEvents: snowballs, ...(sigclipGroups ? { minimumSigclipGroups: sigclipGroups } : {}) };
  await api.jumpStep(model(32, 32, small.data, small.groupdq), smallRefs, { pool }, options);

  const references = { gain: await reference(gainValue, rows), readnoise: await reference(readnoiseValue, rows) };
  let best;
  let result;
  for (let r = 0; r < repeat; r++) {
    const ramp = model(rows, cols);
    const t = performance.now();
    const c = process.cpuUsage();
    await api.jumpStep(ramp, references, { pool }, options);
    const u = process.cpuUsage(c);
    const timing = { seconds: (performance.now() - t) / 1000, cpu_seconds: (u.user + u.system) / 1e6 };
    if (!best || timing.seconds < best.seconds) best = timing;
    result = ramp;
  }
  await pool?.destroy();
  writeBytes(join(outDir, `ours-${mode}.groupdq.u8`), result.groupdq);
  writeBytes(join(outDir, `ours-${mode}.pixeldq.u32`), new Uint8Array(result.pixeldq.buffer));
  // Worker threads' CPU is in process.cpuUsage() too.
  console.log(
    JSON.stringify({
      impl: 'ours',
      mode,
      seconds: round(best.seconds),
      cpu_seconds: round(best.cpu_seconds),
      peak_rss_mb: Math.round(peakRssMB()),
    }),
  );
}

function sharedCopyOf(array) {
  const copy = new array.constructor(new SharedArrayBuffer(array.byteLength));
  copy.set(array);
  return copy;
}

const round = (x) => Math.round(x * 1000) / 1000;
const hash = (path) => createHash('sha256').update(readBytes(path)).digest('hex').slice(0, 16);

function parent() {
  const repeat = Number(option('--repeat', '1')) || 1;
  const shapeText = option('--shape', '1x10x2048x2048');
  const showers = args.includes('--showers');
  const snowballs = args.includes('--snowballs');
  const sigclipGroups = option('--sigclip-groups', '');
  if (sigclipGroups && !args.includes('--no-stcal')) throw new Error('--sigclip-groups is for ours only: add --no-stcal');
  const dims = shapeText.split('x').map(Number);
  if (!existsSync(join(root, 'dist/steps/jump.js'))) throw new Error('build first: make build');
  mkdirSync(outDir, { recursive: true });
  const input = files(shapeText, snowballs);
  if (!existsSync(input.data) || !existsSync(input.groupdq)) {
    const { data, groupdq } = synthetic(dims, snowballs ? 300 : 0);
    writeBytes(input.data, new Uint8Array(data.buffer));
    writeBytes(input.groupdq, groupdq);
  }
  const python = join(root, '.venv/bin/python');
  const lineOf = (out) => JSON.parse(out.trim().split('\n').filter((l) => l.startsWith('{')).pop());
  const rows = [];
  const load = () => loadavg().map((x) => Math.round(x * 100) / 100);
  const loadBefore = load();
  if (args.includes('--no-stcal')) {
    console.error('(--no-stcal: stcal column skipped)');
  } else if (existsSync(python)) {
    const r = spawnSync(python, [join(root, 'bench/jump.py'), ...dims.map(String), '--dir', outDir, '--repeat', String(repeat), ...(showers ? ['--showers'] : []), ...(snowballs ? ['--snowballs'] : [])], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    if (r.status !== 0) throw new Error(`stcal run failed: ${r.stderr.slice(-2000)}`);
    rows.push(lineOf(r.stdout));
  } else {
    console.error('(no .venv: stcal column skipped; `make test` or the Makefile venv target creates it)');
  }
  for (const mode of option('--modes', 'inthread,pool1,pool2').split(',')) {
    const out = execFileSync(process.execPath, ['--max-old-space-size=16384', fileURLToPath(import.meta.url), '--child', mode, shapeText, String(repeat), String(showers), sigclipGroups, String(snowballs)], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    rows.push(lineOf(out));
  }
  const stcal = rows.find((r) => r.impl === 'stcal');
  for (const r of rows) {
    const name = r.impl === 'stcal' ? 'stcal' : `ours-${r.mode}`;
    r.groupdq_sha256 = hash(join(outDir, `${name}.groupdq.u8`));
    r.pixeldq_sha256 = hash(join(outDir, `${name}.pixeldq.u32`));
    if (stcal) r.equals_stcal = r.groupdq_sha256 === stcal.groupdq_sha256 && r.pixeldq_sha256 === stcal.pixeldq_sha256;
  }
  const by = Object.fromEntries(rows.filter((r) => r.impl === 'ours').map((r) => [r.mode, r]));
  const ratio = (a, b) => Math.round((a / b) * 10) / 10;
  const summary = {
    benchmark: 'jump',
    node: process.version,
    shape: dims,
    find_showers: showers,
    expand_large_events: snowballs,
    ...(sigclipGroups ? { minimum_sigclip_groups: Number(sigclipGroups) } : {}),
    load_average_before: loadBefore,
    load_average_after: load(),
    rows,
    speedup_vs_stcal_wall: stcal && by.inthread && ratio(stcal.seconds, by.inthread.seconds),
    speedup_vs_stcal_cpu: stcal && by.inthread && ratio(stcal.cpu_seconds, by.inthread.cpu_seconds),
    speedup_vs_stcal_1_worker_wall: stcal && by.pool1 && ratio(stcal.seconds, by.pool1.seconds),
    speedup_vs_stcal_2_workers_wall: stcal && by.pool2 && ratio(stcal.seconds, by.pool2.seconds),
  };
  console.log(`\njump ${shapeText} (nints x ngroups x rows x cols)${showers ? ', find_showers' : ''}${snowballs ? ', expand_large_events (300 snowballs)' : ''}, load average ${loadBefore.join(' ')} -> ${summary.load_average_after.join(' ')}`);
  console.log('  impl   mode      wall s   cpu s   peak RSS MB  GROUPDQ/PIXELDQ == stcal');
  for (const r of rows) {
    console.log(
      `  ${r.impl.padEnd(6)} ${(r.mode ?? 'single').padEnd(9)} ${String(r.seconds).padStart(7)} ${String(r.cpu_seconds).padStart(7)} ${String(r.peak_rss_mb).padStart(11)}  ${r.equals_stcal ?? '-'}`,
    );
  }
  if (stcal) {
    const ratios = [
      by.inthread && `in-thread ${summary.speedup_vs_stcal_wall}x wall (${summary.speedup_vs_stcal_cpu}x CPU)`,
      by.pool1 && `1 worker ${summary.speedup_vs_stcal_1_worker_wall}x`,
      by.pool2 && `2 workers ${summary.speedup_vs_stcal_2_workers_wall}x wall`,
    ];
    console.log(`  stcal / ours: ${ratios.filter(Boolean).join(', ')}`);
  }
  console.log(JSON.stringify(summary, null, 1));
  if (stcal && rows.some((r) => r.equals_stcal === false)) process.exitCode = 1;
}

if (args[0] === '--child') await child(args[1], args[2], Number(args[3] ?? 1), args[4] === 'true', Number(args[5]) || undefined, args[6] === 'true');
else parent();
