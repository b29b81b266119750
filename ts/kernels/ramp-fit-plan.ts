/**
 * The exposure-wide decisions stcal takes before fitting ramps (spec/steps/ramp_fitting.md §3
 * steps 3-4, 7-9), gathered integration by integration: group selection, suppress_one_group
 * forced off for one group, MIRI group trimming (leading groups, then the last one, that are
 * DO_NOT_USE in every pixel of every integration), and "no products" when every pixel's first
 * fitted group is saturated. Reads GROUPDQ only; the pipeline feeds it one integration at a time.
 */
import type { TileShape } from './arrays.js';

const DO_NOT_USE = 1;
const SATURATED = 2;
const PERSISTENCE = 32;

/** What the fitter is told (ts/kernels/ramp-fit.ts `RampFitTileParams` adds LIKELY's read pattern). */
export interface RampFitPlanParams {
  frameTime: number;
  groupTime: number;
  nframes: number;
  groupgap: number;
  dropFrames1: number;
  suppressOneGroup: boolean;
  saveOpt: boolean;
  /** Groups with index < firstGroup get DO_NOT_USE. */
  firstGroup: number;
  /** Groups with index > lastGroup get DO_NOT_USE (>= ngroups: none). */
  lastGroup: number;
  /** Fitting window after MIRI trimming. */
  groupStart: number;
  groupStop: number;
  clearFirstJump: boolean;
}

export type NoProductsReason = 'all-first-groups-saturated' | 'miri-all-groups-do-not-use' | 'miri-fewer-than-2-groups';

export type RampFitPlan = { params: RampFitPlanParams } | { noProducts: NoProductsReason };

export interface RampFitPlanInput {
  frameTime: number;
  groupTime: number;
  nframes: number;
  groupgap: number;
  dropFrames1?: number;
  suppressOneGroup?: boolean;
  firstgroup?: number | null;
  lastgroup?: number | null;
  saveOpt?: boolean;
  instrument?: string;
}

/**
 * jwst RampFitStep `set_groupdq`: None -> 0 / ngroups-1; a negative firstgroup becomes 0; if
 * firstgroup >= lastgroup both are ignored. (lastgroup >= ngroups then flags nothing.)
 */
export function resolveGroupRange(
  firstgroup: number | null | undefined,
  lastgroup: number | null | undefined,
  ngroups: number,
): { firstGroup: number; lastGroup: number } {
  if ((firstgroup ?? null) === null && (lastgroup ?? null) === null) return { firstGroup: 0, lastGroup: ngroups - 1 };
  let first = firstgroup ?? 0;
  let last = lastgroup ?? ngroups - 1;
  if (first < 0) first = 0;
  if (first >= last) [first, last] = [0, ngroups - 1];
  return { firstGroup: first, lastGroup: last };
}

export class RampFitPlanner {
  readonly #input: RampFitPlanInput;
  readonly #ngroups: number;
  readonly #cols: number;
  readonly #rows: number;
  readonly #miri: boolean;
  readonly #suppress: boolean;
  readonly #firstGroup: number;
  readonly #lastGroup: number;
  /** Per group: DO_NOT_USE (or suppressed) in every pixel of every integration seen so far. */
  readonly #allDoNotUse: boolean[];
  /** Per group: SATURATED in every pixel of every integration seen so far. */
  readonly #allSaturated: boolean[];

  constructor(input: RampFitPlanInput, shape: Pick<TileShape, 'ngroups' | 'rows' | 'cols'>) {
    this.#input = input;
    this.#ngroups = shape.ngroups;
    this.#rows = shape.rows;
    this.#cols = shape.cols;
    this.#miri = input.instrument?.trim().toUpperCase() === 'MIRI' && shape.ngroups > 1;
    this.#suppress = (input.suppressOneGroup ?? true) && shape.ngroups > 1;
    ({ firstGroup: this.#firstGroup, lastGroup: this.#lastGroup } = resolveGroupRange(input.firstgroup, input.lastgroup, shape.ngroups));
    this.#allDoNotUse = Array.from({ length: shape.ngroups }, () => true);
    this.#allSaturated = Array.from({ length: shape.ngroups }, () => true);
  }

  #selected(g: number): boolean {
    return g >= this.#firstGroup && g <= this.#lastGroup;
  }

  /**
   * GROUPDQ of `nints` integrations `(nints, ngroups, rows, cols)`: whole frames, or any rows of
   * them (each pixel once; the decisions hold for every pixel, in any order).
   */
  add(groupdq: Uint8Array, nints: number, rows = this.#rows): void {
    const ngroups = this.#ngroups;
    const plane = rows * this.#cols;
    if (groupdq.length !== nints * ngroups * plane) {
      throw new RangeError(`ramp fit plan: GROUPDQ has ${groupdq.length} values, (${nints}, ${ngroups}, ${rows}, ${this.#cols}) needs ${nints * ngroups * plane}`);
    }
    const dq = (i: number, g: number, p: number) => groupdq[(i * ngroups + g) * plane + p] | (this.#selected(g) ? 0 : DO_NOT_USE);
    // Only the groups a decision can reach are scanned: group 0 outside MIRI, all of them for MIRI.
    const groups = this.#miri ? ngroups : 1;
    for (let g = 0; g < groups; g++) {
      if (!this.#allSaturated[g]) continue;
      for (let i = 0; i < nints && this.#allSaturated[g]; i++) {
        const base = (i * ngroups + g) * plane;
        for (let p = 0; p < plane; p++) {
          if (!(groupdq[base + p] & SATURATED)) {
            this.#allSaturated[g] = false;
            break;
          }
        }
      }
    }
    if (!this.#miri) return;
    for (let i = 0; i < nints; i++) {
      // After suppress_one_group: ramps with exactly one good group count as DO_NOT_USE everywhere.
      const suppressed = new Uint8Array(plane);
      if (this.#suppress) {
        for (let p = 0; p < plane; p++) {
          let good = 0;
          for (let g = 0; g < ngroups && good < 2; g++) if ((dq(i, g, p) & ~PERSISTENCE & 0xff) === 0) good++;
          suppressed[p] = good === 1 ? 1 : 0;
        }
      }
      for (let g = 0; g < ngroups; g++) {
        if (!this.#allDoNotUse[g] || !this.#selected(g)) continue;
        for (let p = 0; p < plane; p++) {
          if (dq(i, g, p) & DO_NOT_USE || suppressed[p]) continue;
          this.#allDoNotUse[g] = false;
          break;
        }
      }
    }
  }

  /**
   * For near-IR exposures, what `add` takes from some pixels' GROUPDQ: per (integration, group)
   * of `nints` integrations, 1 when one of the pixels is not SATURATED there.
   */
  addUnsaturated(unsaturated: Uint8Array, nints: number): void {
    if (this.#miri) throw new RangeError('ramp fit plan: MIRI decisions need the flags themselves (add)');
    const ngroups = this.#ngroups;
    if (unsaturated.length !== nints * ngroups) throw new RangeError(`ramp fit plan: ${unsaturated.length} group summaries for ${nints} x ${ngroups} groups`);
    for (let i = 0; i < nints; i++) if (unsaturated[i * ngroups]) this.#allSaturated[0] = false;
  }

  /** No further pixel can change the decisions (which then need no more of GROUPDQ). */
  get decided(): boolean {
    const groups = this.#miri ? this.#ngroups : 1;
    return this.#allSaturated.slice(0, groups).every((all) => !all) && (!this.#miri || this.#allDoNotUse.every((all, g) => !all || !this.#selected(g)));
  }

  /**
   * The plan of an exposure with products and no group trimmed, what any near-IR exposure but
   * one whose every first group is saturated gets: for fitting before all of GROUPDQ is seen
   * (`plan()`, once it is, says whether that held).
   */
  untrimmedPlan(): { params: RampFitPlanParams } {
    return this.#planOf(0, this.#ngroups);
  }

  /** The decisions, once every integration has been added. */
  plan(): RampFitPlan {
    const ngroups = this.#ngroups;
    let groupStart = 0;
    let groupStop = ngroups;
    if (this.#miri) {
      // ols_fit.discard_miri_groups: drop leading groups that are DO_NOT_USE everywhere, then the
      // last group if it is; fewer than two groups left means no products.
      while (groupStart < ngroups && this.#allDoNotUse[groupStart]) groupStart++;
      if (groupStart === ngroups) return { noProducts: 'miri-all-groups-do-not-use' };
      if (groupStop - 1 > groupStart && this.#allDoNotUse[groupStop - 1]) groupStop--;
      if (groupStop - groupStart < 2) return { noProducts: 'miri-fewer-than-2-groups' };
    }
    if (this.#allSaturated[groupStart]) return { noProducts: 'all-first-groups-saturated' };
    return this.#planOf(groupStart, groupStop);
  }

  #planOf(groupStart: number, groupStop: number): { params: RampFitPlanParams } {
    const input = this.#input;
    return {
      params: {
        frameTime: input.frameTime,
        groupTime: input.groupTime,
        nframes: input.nframes,
        groupgap: input.groupgap,
        dropFrames1: input.dropFrames1 ?? 0,
        suppressOneGroup: this.#suppress,
        saveOpt: input.saveOpt ?? false,
        firstGroup: this.#firstGroup,
        lastGroup: this.#lastGroup,
        groupStart,
        groupStop,
        clearFirstJump: groupStart > 0,
      },
    };
  }
}
