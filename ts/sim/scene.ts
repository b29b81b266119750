/**
 * The sky: a photon-rate image (electrons/s per pixel before the detector's response map) made of
 * a uniform background, Gaussian-PSF stars, exponential-disk galaxies, an optional spectral trace,
 * and a flat region kept free of sources (where the pipeline's rate can be compared with the
 * injected background). Coordinates are 0-based in the simulated (subarray) frame.
 */
import type { Rng } from './prng.js';
import type { Region } from './detector.js';

export interface StarSource {
  kind: 'star';
  x: number;
  y: number;
  /** Total rate, e/s. */
  flux: number;
  /** Gaussian PSF sigma, pixels. */
  sigma: number;
}

export interface GalaxySource {
  kind: 'galaxy';
  x: number;
  y: number;
  flux: number;
  /** Exponential scale length (pixels), axis ratio and position angle (radians). */
  scale: number;
  axisRatio: number;
  angle: number;
}

export type Source = StarSource | GalaxySource;

export interface SceneOptions {
  /** Uniform background, e/s per pixel. */
  background?: number;
  /** Number of random stars and galaxies (defaults scale with the area). */
  stars?: number;
  galaxies?: number;
  /** Log-uniform range of star fluxes, e/s. */
  starFlux?: [number, number];
  galaxyFlux?: [number, number];
  psfSigma?: number;
  /** A source-free rectangle; 'auto' picks one (default), null for none. */
  flatRegion?: Region | 'auto' | null;
  /**
   * Bright stars whose peak pixel reaches full well during the given group (0 = saturated at the
   * first read, i.e. a fully saturated ramp). Fluxes are derived from the timing and the detector.
   */
  saturateAtGroups?: number[];
  /** NIRSpec-like spectral trace: a horizontal band of rows with this rate (e/s/pixel). */
  trace?: { y0: number; height: number; rate: number; x0?: number; x1?: number };
  /** Extra explicit sources. */
  sources?: Source[];
}

export interface Scene {
  /** e/s per pixel, [ny, nx]. */
  rate: Float64Array;
  sources: Source[];
  flatRegion: Region | null;
  background: number;
}

/** Rate (e/s) a star's peak pixel must have to reach full well at group `g`. */
export type PeakRateForGroup = (group: number, x: number, y: number) => number;

/** Adds a normalised stamp of `source` to `rate` (nx x ny). Returns the fraction in the peak pixel. */
export function addSource(rate: Float64Array, nx: number, ny: number, source: Source): number {
  const radius = source.kind === 'star' ? Math.ceil(5 * source.sigma) : Math.ceil(6 * source.scale);
  const xc = Math.round(source.x);
  const yc = Math.round(source.y);
  const x0 = xc - radius;
  const y0 = yc - radius;
  const size = 2 * radius + 1;
  const stamp = new Float64Array(size * size);
  let total = 0;
  const cosA = source.kind === 'galaxy' ? Math.cos(source.angle) : 1;
  const sinA = source.kind === 'galaxy' ? Math.sin(source.angle) : 0;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const dx = x0 + i - source.x;
      const dy = y0 + j - source.y;
      let v: number;
      if (source.kind === 'star') {
        v = Math.exp(-(dx * dx + dy * dy) / (2 * source.sigma * source.sigma));
      } else {
        const u = dx * cosA + dy * sinA;
        const w = (-dx * sinA + dy * cosA) / source.axisRatio;
        v = Math.exp(-Math.sqrt(u * u + w * w) / source.scale);
      }
      stamp[j * size + i] = v;
      total += v;
    }
  }
  let peak = 0;
  for (let j = 0; j < size; j++) {
    const y = y0 + j;
    if (y < 0 || y >= ny) continue;
    for (let i = 0; i < size; i++) {
      const x = x0 + i;
      if (x < 0 || x >= nx) continue;
      const value = (source.flux * stamp[j * size + i]) / total;
      rate[y * nx + x] += value;
      if (x === xc && y === yc) peak = stamp[j * size + i] / total;
    }
  }
  return peak;
}

/** Half-width (pixels) around a source inside which it adds more than ~1e-4 e/s. */
function sourceExtent(source: Source): number {
  return source.kind === 'star' ? Math.ceil(5 * source.sigma) + 1 : Math.ceil(6 * source.scale) + 1;
}

function overlaps(region: Region | null, x: number, y: number, margin: number): boolean {
  if (!region) return false;
  return x > region.x0 - margin && x < region.x0 + region.nx + margin && y > region.y0 - margin && y < region.y0 + region.ny + margin;
}

/** The default flat region: the central ~third of the frame (at least 8 x 8 when it fits). */
function autoFlatRegion(nx: number, ny: number): Region | null {
  const w = Math.max(Math.min(nx, 8), Math.floor(nx / 3));
  const h = Math.max(Math.min(ny, 8), Math.floor(ny / 3));
  if (w < 4 || h < 4) return null;
  return { x0: Math.floor((nx - w) / 2), y0: Math.floor((ny - h) / 2), nx: w, ny: h };
}

/**
 * Builds the scene for an nx x ny frame. Sources never touch the flat region or the 4-pixel frame
 * border (where full-frame reference pixels would be).
 */
export function buildScene(nx: number, ny: number, options: SceneOptions, rng: Rng, peakRate?: PeakRateForGroup): Scene {
  const area = nx * ny;
  const background = options.background ?? 1;
  const flatRegion = options.flatRegion === undefined || options.flatRegion === 'auto' ? autoFlatRegion(nx, ny) : options.flatRegion;
  const psfSigma = options.psfSigma ?? 1.0;
  const rate = new Float64Array(area).fill(background);
  const sources: Source[] = [];

  const place = (extent: number): { x: number; y: number } | undefined => {
    for (let attempt = 0; attempt < 50; attempt++) {
      const x = 4 + rng.uniform() * Math.max(1, nx - 8);
      const y = 4 + rng.uniform() * Math.max(1, ny - 8);
      if (!overlaps(flatRegion, x, y, extent)) return { x, y };
    }
    return undefined;
  };

  // Saturating stars first (centred on pixels so their peak fraction is exact).
  for (const group of options.saturateAtGroups ?? []) {
    const star: StarSource = { kind: 'star', x: 0, y: 0, flux: 0, sigma: psfSigma };
    const at = place(sourceExtent({ ...star, sigma: psfSigma * 3 }));
    if (!at || !peakRate) continue;
    star.x = Math.round(at.x);
    star.y = Math.round(at.y);
    const probe = new Float64Array(area);
    const peakFraction = addSource(probe, nx, ny, { ...star, flux: 1 });
    star.flux = peakRate(group, star.x, star.y) / peakFraction;
    addSource(rate, nx, ny, star);
    sources.push(star);
  }

  const nStars = options.stars ?? Math.round(area / 400);
  const [fMin, fMax] = options.starFlux ?? [20, 20000];
  for (let k = 0; k < nStars; k++) {
    const star: StarSource = { kind: 'star', x: 0, y: 0, flux: fMin * Math.pow(fMax / fMin, rng.uniform()), sigma: psfSigma };
    const at = place(sourceExtent(star));
    if (!at) continue;
    Object.assign(star, at);
    addSource(rate, nx, ny, star);
    sources.push(star);
  }

  const nGalaxies = options.galaxies ?? Math.round(area / 1500);
  const [gMin, gMax] = options.galaxyFlux ?? [50, 5000];
  for (let k = 0; k < nGalaxies; k++) {
    const galaxy: GalaxySource = {
      kind: 'galaxy',
      x: 0,
      y: 0,
      flux: gMin * Math.pow(gMax / gMin, rng.uniform()),
      scale: 1 + 3 * rng.uniform(),
      axisRatio: 0.3 + 0.7 * rng.uniform(),
      angle: Math.PI * rng.uniform(),
    };
    const at = place(sourceExtent(galaxy));
    if (!at) continue;
    Object.assign(galaxy, at);
    addSource(rate, nx, ny, galaxy);
    sources.push(galaxy);
  }

  for (const source of options.sources ?? []) {
    addSource(rate, nx, ny, source);
    sources.push(source);
  }

  if (options.trace) {
    const { y0, height, rate: traceRate } = options.trace;
    const x0 = options.trace.x0 ?? 0;
    const x1 = options.trace.x1 ?? nx;
    for (let y = Math.max(0, y0); y < Math.min(ny, y0 + height); y++) {
      for (let x = Math.max(0, x0); x < Math.min(nx, x1); x++) rate[y * nx + x] += traceRate;
    }
  }
  return { rate, sources, flatRegion, background };
}
