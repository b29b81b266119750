/**
 * Charge deposited by particles during an integration: ordinary cosmic rays (a pixel plus a little
 * diffusion into its 4 neighbours), NIR "snowballs" (a saturated core with a halo, the events
 * jump's expand_large_events is for) and MIRI "showers" (faint, extended, what find_showers is
 * for). Events are drawn per integration from the exposure seed, each in a given frame.
 */
import type { Rng } from './prng.js';

export interface ChargeEvent {
  kind: 'cosmic-ray' | 'snowball' | 'shower';
  /** Frame (0-based, within the integration) during which the charge arrives. */
  frame: number;
  x: number;
  y: number;
  /** Electrons in the central pixel (cosmic ray) or per pixel of the halo peak (snowball/shower). */
  charge: number;
  /** Core radius (snowball) or 1-sigma radius (shower), pixels. */
  radius?: number;
}

export interface EventOptions {
  /** Cosmic rays per pixel per second (JWST ~1.6e-5 for 18 um pixels), or a fixed number per integration. */
  cosmicRayRate?: number;
  cosmicRaysPerIntegration?: number;
  /** Expected snowballs / showers per integration (Poisson). */
  snowballs?: number;
  showers?: number;
}

/** A rectangle (0-based, simulated frame) that snowballs and showers must not touch. */
export interface AvoidRegion {
  x0: number;
  y0: number;
  nx: number;
  ny: number;
}

function touches(region: AvoidRegion | null | undefined, x: number, y: number, reach: number): boolean {
  if (!region) return false;
  return x + reach >= region.x0 && x - reach < region.x0 + region.nx && y + reach >= region.y0 && y - reach < region.y0 + region.ny;
}

/** Cosmic-ray energy spectrum, electrons: log-uniform 200-20000 (90%) and 20000-200000 (10%). */
function cosmicRayCharge(rng: Rng): number {
  return rng.uniform() < 0.9 ? 200 * Math.pow(100, rng.uniform()) : 20000 * Math.pow(10, rng.uniform());
}

/**
 * Events of one integration. `isSensitive(x, y)` excludes reference pixels; `frames` is the number
 * of frames in the integration; `duration` its length in seconds. Snowballs and showers keep out of
 * `avoid` (the scene's flat region, where the calibrated rate is compared with the injected one);
 * ordinary cosmic rays fall anywhere.
 */
export function drawEvents(
  rng: Rng,
  nx: number,
  ny: number,
  frames: number,
  duration: number,
  options: EventOptions,
  isSensitive: (x: number, y: number) => boolean,
  avoid?: AvoidRegion | null,
): ChargeEvent[] {
  const events: ChargeEvent[] = [];
  const randomPixel = (margin: number) => ({
    x: margin + rng.int(Math.max(1, nx - 2 * margin)),
    y: margin + rng.int(Math.max(1, ny - 2 * margin)),
  });
  const nCosmic = options.cosmicRaysPerIntegration ?? rng.poisson((options.cosmicRayRate ?? 0) * nx * ny * duration);
  for (let k = 0; k < nCosmic; k++) {
    const { x, y } = randomPixel(0);
    const frame = rng.int(frames);
    const charge = cosmicRayCharge(rng);
    if (isSensitive(x, y)) events.push({ kind: 'cosmic-ray', frame, x, y, charge });
  }
  const placeAway = (margin: number, reach: number) => {
    let at = randomPixel(margin);
    for (let attempt = 0; attempt < 50 && touches(avoid, at.x, at.y, reach); attempt++) at = randomPixel(margin);
    return at;
  };
  const nSnow = options.snowballs ? rng.poisson(options.snowballs) : 0;
  for (let k = 0; k < nSnow; k++) {
    const radius = 1.5 + 2 * rng.uniform();
    const { x, y } = placeAway(Math.ceil(3 * radius) + 4, Math.ceil(2.5 * radius));
    // never in the first frame, so the jump is visible as a step
    events.push({ kind: 'snowball', frame: 1 + rng.int(Math.max(1, frames - 1)), x, y, charge: 6000, radius });
  }
  const nShower = options.showers ? rng.poisson(options.showers) : 0;
  for (let k = 0; k < nShower; k++) {
    const radius = 8 + 12 * rng.uniform();
    const { x, y } = placeAway(0, Math.ceil(2.5 * radius));
    events.push({ kind: 'shower', frame: 1 + rng.int(Math.max(1, frames - 1)), x, y, charge: 150, radius });
  }
  events.sort((a, b) => a.frame - b.frame);
  return events;
}

/**
 * Adds an event's electrons to the collected-charge image `q` (nx x ny). `wellElectrons(i)` is the
 * full well of pixel i in electrons (snowball cores are filled to twice that, i.e. saturated).
 */
export function depositEvent(
  q: Float64Array,
  nx: number,
  ny: number,
  event: ChargeEvent,
  wellElectrons: (i: number) => number,
  isSensitive: (x: number, y: number) => boolean,
): void {
  const add = (x: number, y: number, electrons: number) => {
    if (x < 0 || y < 0 || x >= nx || y >= ny || !isSensitive(x, y)) return;
    q[y * nx + x] += electrons;
  };
  switch (event.kind) {
    case 'cosmic-ray': {
      add(event.x, event.y, event.charge);
      const spill = 0.03 * event.charge;
      add(event.x - 1, event.y, spill);
      add(event.x + 1, event.y, spill);
      add(event.x, event.y - 1, spill);
      add(event.x, event.y + 1, spill);
      return;
    }
    case 'snowball': {
      const rc = event.radius!;
      const reach = Math.ceil(2.5 * rc);
      for (let dy = -reach; dy <= reach; dy++) {
        for (let dx = -reach; dx <= reach; dx++) {
          const r = Math.sqrt(dx * dx + dy * dy);
          const x = event.x + dx;
          const y = event.y + dy;
          if (x < 0 || y < 0 || x >= nx || y >= ny) continue;
          if (r <= rc) add(x, y, 2 * wellElectrons(y * nx + x));
          else if (r <= 2.5 * rc) add(x, y, event.charge * Math.exp(-(r - rc) / (0.7 * rc)));
        }
      }
      return;
    }
    case 'shower': {
      const s = event.radius!;
      const reach = Math.ceil(2.5 * s);
      for (let dy = -reach; dy <= reach; dy++) {
        for (let dx = -reach; dx <= reach; dx++) {
          add(event.x + dx, event.y + dy, event.charge * Math.exp(-(dx * dx + dy * dy) / (2 * s * s)));
        }
      }
      return;
    }
  }
}
