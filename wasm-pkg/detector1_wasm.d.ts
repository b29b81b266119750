/* tslint:disable */
/* eslint-disable */

/**
 * NIRSpec IRS2 reference correction of one group at a time (`detector1_kernels::irs2`):
 * holds the REFPIX coefficients and the FFT plan. Call `free()`.
 */
export class Irs2Corrector {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * One DMS group `(nx, ny)` and the integration's mean over groups -> `out` `(ny or nx, ny)`.
     */
    correctGroup(plane: Float32Array | number[], offset: Float64Array | number[], flip: boolean, preserve_refpix: boolean, out: Float32Array): void;
    /**
     * `alpha`, `beta`: the 4 ALPHA_k / BETA_k columns concatenated (interleaved re, im).
     */
    constructor(alpha: Float32Array | number[], beta: Float32Array | number[], scipix_n: number, refpix_r: number, pad: number, ny: number, nx: number);
}

/**
 * OLS_C tile inputs kept in wasm memory and filled by JS through views of that memory (the
 * `*Ptr` addresses), so a band of a larger exposure goes in with one copy and no intermediate
 * array. Reused from band to band. Call `free()` when done.
 */
export class RampFitInputs {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * `rampFitTile` on the filled buffers (same parameters).
     */
    fit(nints: number, ngroups: number, rows: number, cols: number, times: Float32Array | number[], ints: Uint32Array | number[], flags: number): RampFitTileOutput;
    constructor();
    /**
     * Sizes the buffers for a tile (`zeroframe`, `dark`: 0 = absent). Addresses change here;
     * contents are whatever was there until filled.
     */
    resize(cube: number, plane: number, zeroframe: number, dark: number): void;
    readonly darkPtr: number;
    readonly dataPtr: number;
    readonly gainPtr: number;
    readonly groupdqPtr: number;
    readonly pixeldqPtr: number;
    readonly readnoisePtr: number;
    readonly zeroframePtr: number;
}

/**
 * OLS_C one integration at a time (memory flat in NINTS): `addMedian(i, ...)` for every
 * integration, then `fitIntegration(i, ...)` for every integration (rateints planes of i),
 * then `finish()` (rate). Parameters as `rampFitTile`; `dark` may be empty. Call `free()`.
 */
export class RampFitStream {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Pass 1 for integration `integration`: data and groupdq `(ngroups, rows, cols)`, zeroframe `(rows, cols)` or empty.
     */
    addMedian(integration: number, data: Float32Array | number[], groupdq: Uint8Array | number[], zeroframe: Float32Array | number[]): void;
    /**
     * The rate product once every integration went through both passes (`rate.*` names).
     */
    finish(): RampFitTileOutput;
    /**
     * Pass 2 for integration `integration`; its rateints planes are taken from the result
     * (`rateints.*` names of `RampFitTileOutput`).
     */
    fitIntegration(integration: number, data: Float32Array | number[], groupdq: Uint8Array | number[], zeroframe: Float32Array | number[]): RampFitTileOutput;
    constructor(pixeldq: Uint32Array | number[], gain: Float32Array | number[], readnoise: Float32Array | number[], dark: Float32Array | number[], nints: number, ngroups: number, rows: number, cols: number, times: Float32Array | number[], ints: Uint32Array | number[], flags: number);
}

/**
 * Results of `rampFitTile`, owned by wasm memory until taken. Call `free()` when done.
 */
export class RampFitTileOutput {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Address in wasm memory of `rate.dq` or `rateints.dq` (see `f32Ptr`).
     */
    dqPtr(name: string): number;
    /**
     * Turns every rate and rateints array into the FITS file's big-endian words, in place
     * (DQ stored as int32 with BZERO 2^31), and returns their ones'-complement sums: rate's
     * `[slope, dq, var_poisson, var_rnoise, err]`, then the same of each integration of rateints.
     */
    encodeFits(): Uint32Array;
    /**
     * Address in wasm memory of a rate/rateints float32 array (`rate.slope`, `rateints.err`,
     * ...), to copy it out through a view without an intermediate array.
     */
    f32Ptr(name: string): number;
    /**
     * Moves a DQ array out: `rate.dq` or `rateints.dq`.
     */
    takeDq(name: string): Uint32Array;
    /**
     * Moves a float32 array out: `rate.slope|var_poisson|var_rnoise|err`,
     * `rateints.<same>`, `chisq` (LIKELY), or `fitopt.slope|sigslope|var_poisson|var_rnoise|yint|sigyint|weights|pedestal|crmag`.
     */
    takeF32(name: string): Float32Array;
    /**
     * Cosmic rays per integration in fitopt `crmag` of this tile (0 without save_opt).
     */
    readonly maxCr: number;
    /**
     * Segments per integration in the fitopt arrays of this tile (0 without save_opt).
     */
    readonly maxSeg: number;
}

/**
 * Buffers in wasm memory for one band of a tile kernel, by element type and slot: JS sizes them
 * (`slot`), fills them through views of wasm memory at the addresses returned, runs a `*Staged`
 * kernel on them and reads its outputs back the same way. A band of a larger array then goes
 * in and out with one copy each way, and no band-sized JS array. Reused from band to band.
 */
export class Stage {
    free(): void;
    [Symbol.dispose](): void;
    constructor();
    /**
     * Sizes slot `slot` of element type `kind` ("f32", "u8", "u16", "u32") to `len` elements and returns
     * its address. Contents are unspecified until filled. Other slots keep their addresses, but
     * views of wasm memory made before this call may be detached (the memory may grow).
     */
    slot(kind: string, slot: number, len: number): number;
    /**
     * The sum of u32 slot `slot`'s elements `from..to` (jump's cosmic rays of a band's own rows).
     */
    sum_u32(slot: number, from: number, to: number): number;
    /**
     * Exchanges slots `a` and `b` of element type `kind` (their buffers, not their contents):
     * a chain of kernels keeps a band's arrays in the slots where each kernel expects them.
     */
    swap_slots(kind: string, a: number, b: number): void;
    /**
     * Reverses the bytes of every element of slot `slot` ("f32" or "u32"), in place: a band
     * filled with a FITS file's big-endian words is put in host order by the thread that runs
     * the kernel, on data the fill has just brought into cache. Never grows the memory.
     */
    swap_words(kind: string, slot: number): void;
    /**
     * `dq::translate_in_place` on u32 slot `slot`: a band of a reference's DQ words filled as
     * the file stores them becomes standard flags in the thread that runs the kernel.
     */
    translate_dq(slot: number, swapped: boolean, flip: number, bit_flags: Uint32Array | number[]): void;
}

/**
 * `charge_migration` on one band (with `charge_migration::HALO_ROWS` rows of context).
 */
export function applyChargeMigration(data: Float32Array | number[], groupdq: Uint8Array, signal_threshold: number, nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * `layout` = [planes, dark_ints, virtual_planes, direct (0/1), nframes, groupgap]; `int_map`
 * has one dark integration per science integration, -1 for none.
 */
export function applyDarkCurrent(data: Float32Array, pixeldq: Uint32Array, frames: Float32Array | number[], dark_dq: Uint32Array | number[], layout: Uint32Array | number[], int_map: Int32Array | number[], nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * `applyDarkCurrent` on a staged band. Slots: f32 `[data, frames]`, u32 `[pixeldq, darkDq]`.
 */
export function applyDarkCurrentStaged(stage: Stage, layout: Uint32Array | number[], int_map: Int32Array | number[], nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * `dq_init` on one tile: mask into PIXELDQ, its DO_NOT_USE into every group.
 */
export function applyDqInit(pixeldq: Uint32Array, groupdq: Uint8Array, mask: Uint32Array | number[], nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * `applyDqInit` on a staged band. Slots: u8 `[groupdq]`, u32 `[pixeldq, mask]`.
 */
export function applyDqInitStaged(stage: Stage, nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * `emicorr` (joint) subtraction on one tile; `row` holds each pixel's detector row.
 */
export function applyEmicorr(data: Float32Array, row: Uint16Array | number[], wave: Float64Array | number[], nsamples: number, rowclocks: number, frameclocks: number, period: number, ny: number, offsets: Float64Array | number[], amplitudes: Float64Array | number[], nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * MIRI `firstframe` on one tile.
 */
export function applyFirstframe(groupdq: Uint8Array, pixeldq: Uint32Array, bright_use_group1: boolean, nints: number, ngroups: number, rows: number, cols: number): void;

export function applyGainScale(data: Float32Array, err: Float32Array, var_poisson: Float32Array, var_rnoise: Float32Array, factor: number, factor_sq: number, nints: number, rows: number, cols: number): void;

export function applyGroupScale(data: Float32Array, scale: number, nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * `ipc` on one band (with `ipc::halo_rows(ky)` rows of context). `science` is 1 on science
 * pixels, 0 on reference pixels; `per_pixel` = `weights` holds `(ky·kx, rows, cols)` planes.
 */
export function applyIpc(data: Float32Array, science: Uint8Array | number[], weights: Float32Array | number[], ky: number, kx: number, per_pixel: boolean, nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * `applyIpc` on a staged band, with `weights` as given (a 2-D kernel) when the f32 slot 1 (the
 * per-pixel kernel) is empty. Slots: f32 `[data, kernel]`, u8 `[science]`.
 */
export function applyIpcStaged(stage: Stage, weights: Float32Array | number[], ky: number, kx: number, nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * `jump` on one tile. `mode`: 0 skip (gain flags and clean-up only), 1 single pass,
 * 2 iterative, 3 after `applyJumpSigmaClip` (post-processing only). `thresholds` = [normal, three-group, four-group, min neighbour, max neighbour];
 * `after_jump` = [e1, n1, e2, n2]. `crs` receives the primary CR count per pixel.
 */
export function applyJump(data: Float32Array | number[], groupdq: Uint8Array, pixeldq: Uint32Array, gain: Float32Array | number[], readnoise: Float32Array | number[], crs: Uint32Array, nints: number, ngroups: number, rows: number, cols: number, mode: number, thresholds: Float64Array | number[], flag_4_neighbors: boolean, nframes: number, after_jump: Float64Array | number[]): void;

/**
 * `applyJump`, then the MIRI showers' noise model of the same pixels on the flags it leaves
 * (`jump::detect_and_shower_noise`) into `median` and `sigma` `(rows, cols)`.
 */
export function applyJumpShowerNoise(data: Float32Array | number[], groupdq: Uint8Array, pixeldq: Uint32Array, gain: Float32Array | number[], readnoise: Float32Array | number[], crs: Uint32Array, nints: number, ngroups: number, rows: number, cols: number, mode: number, thresholds: Float64Array | number[], flag_4_neighbors: boolean, nframes: number, after_jump: Float64Array | number[], median: Float32Array, sigma: Float32Array): void;

/**
 * `jump`'s sigma-clipping detector on one band of whole-exposure rows: JUMP in `groupdq`.
 */
export function applyJumpSigmaClip(data: Float32Array | number[], groupdq: Uint8Array, gain: Float32Array | number[], nints: number, ngroups: number, rows: number, cols: number, rejection_threshold: number, only_use_ints: boolean): void;

/**
 * `applyJump` (or `applyJumpShowerNoise` when the f32 slots 3 and 4 are not empty) on a staged
 * band whose own rows are `core_row0..core_row0 + core_rows` (the others are halo: the showers'
 * noise is made for the band's own rows only). Slots: f32 `[data, gain, readnoise,
 * showerMedian, showerSigma]`, u8 `[groupdq]`, u32 `[pixeldq, crs]`.
 */
export function applyJumpStaged(stage: Stage, core_row0: number, core_rows: number, nints: number, ngroups: number, rows: number, cols: number, mode: number, thresholds: Float64Array | number[], flag_4_neighbors: boolean, nframes: number, after_jump: Float64Array | number[]): void;

/**
 * MIRI `lastframe` on one tile: DO_NOT_USE into the last group.
 */
export function applyLastframe(groupdq: Uint8Array, nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * Names of the pixel DQ flags as the kernels know them, in bit order.
 */
export function applyLinearity(data: Float32Array, zeroframe: Float32Array, pixeldq: Uint32Array, groupdq: Uint8Array | number[], coeffs: Float32Array | number[], inv_coeffs: Float32Array | number[], lin_dq: Uint32Array | number[], ncoeffs: number, nframes: number, nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * `applyLinearity` on a staged band. Slots: f32 `[data, zeroframe, coeffs, invCoeffs]`, u8
 * `[groupdq]`, u32 `[pixeldq, linDq]`.
 */
export function applyLinearityStaged(stage: Stage, ncoeffs: number, nframes: number, nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * `persistence` flagging on one band; `window` (Unix seconds, 0 = none) is updated in place.
 * `dn_threshold` NaN means none (the kernel itself rejects NaN thresholds).
 */
export function applyPersistence(data: Float32Array | number[], groupdq: Uint8Array, window: Float64Array, times: Float64Array | number[], persistence_time: number, dn_threshold: number, do_not_use: boolean, nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * Per-pixel refpix correction of one band; see `refpix::Corrections`. `det_row` and `side`
 * are empty without a side correction.
 */
export function applyRefpix(data: Float32Array, _class: Uint8Array | number[], det_row: Uint16Array | number[], classes: number, wide: Uint8Array | number[], values: Float64Array | number[], kinds: Uint8Array | number[], side: Float64Array | number[], side_rows: number, side_gain: number, nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * MIRI full-frame `refpix` per-pixel part on one tile.
 */
export function applyRefpixMiri(data: Float32Array, _class: Uint8Array | number[], classes: number, values: Float64Array | number[], kinds: Uint8Array | number[], nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * `applyRefpix` on a staged band. Slots: f32 `[data]`, u8 `[cls]`, u16 `[detRow]`.
 */
export function applyRefpixStaged(stage: Stage, classes: number, wide: Uint8Array | number[], values: Float64Array | number[], kinds: Uint8Array | number[], side: Float64Array | number[], side_rows: number, side_gain: number, nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * MIRI `reset` on one tile: `reset` holds `planes` planes per reset integration passed,
 * `int_map` the reset integration of each science integration.
 */
export function applyReset(data: Float32Array, pixeldq: Uint32Array, reset: Float32Array | number[], reset_dq: Uint32Array | number[], planes: number, int_map: Uint32Array | number[], nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * MIRI `rscd` flagging on one tile. `ranges` = [skip, rounds] per range; `range_of` per
 * integration (255 = untouched).
 */
export function applyRscd(groupdq: Uint8Array, pixeldq: Uint32Array, summary: Uint8Array, ranges: Uint32Array | number[], range_of: Uint8Array | number[], nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * `saturation` on one band (with `saturation::halo_rows` rows of context). `zeroframe` and
 * `bias` may be empty (absent); `nframes` = 0 means no read pattern (`use_readpatt` off).
 */
export function applySaturation(data: Float32Array | number[], groupdq: Uint8Array, pixeldq: Uint32Array, zeroframe: Float32Array, thresh: Float32Array | number[], sat_dq: Uint32Array | number[], bias: Float32Array | number[], nints: number, ngroups: number, rows: number, cols: number, n_pix_grow_sat: number, nframes: number): void;

/**
 * `applySaturation` on a staged band. Slots: f32 `[data, zeroframe, thresh, bias]`, u8
 * `[groupdq]`, u32 `[pixeldq, satDq]`.
 */
export function applySaturationStaged(stage: Stage, nints: number, ngroups: number, rows: number, cols: number, n_pix_grow_sat: number, nframes: number): void;

/**
 * `superbias` on one tile. `zeroframe` may be empty (no ZEROFRAME in the exposure).
 */
export function applySuperbias(data: Float32Array, zeroframe: Float32Array, pixeldq: Uint32Array, bias: Float32Array | number[], bias_dq: Uint32Array | number[], nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * `applySuperbias` on a staged band. Slots: f32 `[data, zeroframe, bias]`, u32 `[pixeldq, biasDq]`.
 */
export function applySuperbiasStaged(stage: Stage, nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * `clean_flicker_noise` `autoparam` statistics of a (flat-fielded) draft rate image for
 * NRC_IMAGE (`niriss` false) or NIS_IMAGE: mask fraction, max channel offset, max slope,
 * slope ratio, channel sigma.
 */
export function cleanFlickerAutoStatistics(rate: Float32Array | number[], rows: number, cols: number, array_axis: number, niriss: boolean): Float64Array;

/**
 * `clean_flicker_noise` flat (rows x cols): zero and non-finite values replaced in place from
 * jwst's 'model' background of the others.
 */
export function cleanFlickerFillFlat(flat: Float32Array, rows: number, cols: number): void;

/**
 * `clean_flicker_noise` `median_image`: float64 scale factors from TSO aperture sums.
 */
export function cleanFlickerFluxNorms(fluxes: Float64Array | number[]): Float64Array;

/**
 * `clean_flicker_noise` of one integration, in place: the 'median' fit along `array_axis`, or
 * with `fft` NSClean (`nrs2`, `allslits` choose orientation and cut-offs). `background`: 0 none,
 * 1 'median', 2 'model' (photutils Background2D with boxes of `box_rows` x `box_cols`);
 * `flat` and `background_out` may be empty. Returns the 1-based
 * groups left as they were (no usable background pixel) and, negated, the group whose fit
 * failed (processing stops there).
 */
export function cleanFlickerIntegration(data: Float32Array, groupdq: Uint8Array | number[], scene_mask: Uint8Array | number[], flat: Float32Array | number[], background_out: Float32Array, background: number, box_rows: number, box_cols: number, n_sigma: number, array_axis: number, by_channel: boolean, fft: boolean, nrs2: boolean, allslits: boolean, ngroups: number, rows: number, cols: number): Int32Array;

/**
 * `clean_flicker_noise` of one integration with `median_image`, in place: each group less its
 * median image (`median_ramp` times `scale`, a float64 product when `wide`, else float32) is cleaned alone ('median' fit, or NSClean with `fft`). Returns the skipped groups
 * and, negated, the failed one, as `cleanFlickerIntegration`.
 */
export function cleanFlickerIntegrationMedianImage(data: Float32Array, median_ramp: Float32Array | number[], scale: number, wide: boolean, scene_mask: Uint8Array | number[], flat: Float32Array | number[], background_out: Float32Array, array_axis: number, by_channel: boolean, fft: boolean, nrs2: boolean, allslits: boolean, ngroups: number, rows: number, cols: number): Int32Array;

/**
 * `clean_flicker_noise` `median_image`: the median ramp `(ngroups, plane)` over integrations.
 */
export function cleanFlickerMedianRamp(data: Float32Array | number[], nints: number, ngroups: number, plane: number): Float32Array;

/**
 * `clean_flicker_noise` `median_image`: float32 scale factors from the draft `rateints` medians.
 */
export function cleanFlickerRateNorms(rateints: Float32Array | number[], nints: number, plane: number): Float32Array;

/**
 * `clean_flicker_noise` scene mask of a draft rate (`nplanes` planes), in place; with
 * `fit_histogram` the clip levels come from jwst's Gaussian fit to a histogram.
 */
export function cleanFlickerSceneMask(rate: Float32Array | number[], mask: Uint8Array, nplanes: number, rows: number, cols: number, n_sigma: number, fit_histogram: boolean): void;

/**
 * FITS 16-bit pixels into float32 values (BZERO 0, or 32768 when `unsigned`); `stored` holds
 * the file's big-endian words as a little-endian machine loads them when `swapped`.
 */
export function decodeInt16(stored: Uint16Array | number[], out: Float32Array, unsigned: boolean, swapped: boolean): void;

/**
 * `decodeInt16` on a staged band. Slots: u16 `[stored]`, f32 `[out]` (written whole).
 */
export function decodeInt16Staged(stage: Stage, unsigned: boolean, swapped: boolean): void;

/**
 * `emicorr` (joint): quiet pixels' ramps summed by phase bin, `y` `(nints, nbins, ngroups)`
 * followed by the counts `n` `(nints, nbins)`, in one array.
 */
export function emicorrBin(data: Float32Array | number[], pixeldq: Uint32Array | number[], nsamples: number, rowclocks: number, period: number, nbins: number, nints: number, ngroups: number, rows: number, cols: number): Float64Array;

/**
 * `emicorr` (joint) fit: per integration, [phase offset, amplitude].
 */
export function emicorrFit(y: Float64Array | number[], n: Float64Array | number[], wave: Float64Array | number[], nints: number, nbins: number, ngroups: number, nsamples: number, rowclocks: number, frameclocks: number, period: number, ny: number, separately: boolean): Float64Array;

/**
 * `emicorr` 'sequential' for one frequency on the whole exposure, in place. `params` =
 * [nsamples, rowclocks, frameclocks, reset_frame (0/1), period, xsize, xstart, nints_to_phase,
 * nbins, scale_reference (0/1)]; `reference` empty = use the data's own binned wave. Returns
 * the binned wave.
 */
export function emicorrSequential(data: Float32Array, params: Float64Array | number[], reference: Float32Array | number[], nints: number, ngroups: number, rows: number, cols: number): Float64Array;

/**
 * 32-bit FITS pixels into their big-endian bytes, returning the ones'-complement sum of those
 * words (`flip` 0x80000000 for unsigned words, else 0). Slots: u32 `[words]`, u8 `[bytes]`.
 */
export function encodeFitsWordsStaged(stage: Stage, flip: number): number;

/**
 * Shower search and flags of whole integrations given the exposure's noise model
 * (`jump_showers::flag_with_noise`). `values` = [extend_snr_threshold, min_area, inner_radius,
 * ring_width, expand_ratio, max_extended_width, max_shower_amplitude]. Returns the shower count.
 */
export function flagShowersWithNoise(data: Float32Array | number[], groupdq: Uint8Array, pixeldq: Uint32Array | number[], gain: Float32Array | number[], median: Float32Array | number[], sigma: Float32Array | number[], nints: number, ngroups: number, rows: number, cols: number, values: Float64Array | number[], groups_masked_after: number, nframes: number): number;

/**
 * Snowball flagging on a whole exposure's GROUPDQ (`jump_snowballs::flag`). `values` =
 * [min_sat_area, min_jump_area, expand_factor, min_sat_radius_extend, sat_expand, edge_size,
 * max_extended_width]; `persist_groups` 0 turns the next-integration cores off. `cores_before`
 * may be empty; `cores_after` receives the last integration's cores. Returns the snowball count.
 */
export function flagSnowballs(groupdq: Uint8Array, cores_before: Uint8Array | number[], cores_after: Uint8Array, nints: number, ngroups: number, rows: number, cols: number, values: Float64Array | number[], sat_required: boolean, persist_groups: number): number;

/**
 * Names of the flags that are valid in GROUPDQ.
 */
export function groupFlagNames(): string[];

/**
 * jwst `flag_bad_refpix` statistics for one integration `(ngroups, rows, cols)` (DMS, rows are
 * the 3200 axis): 1 for rows that are bad (`initial_bad` included).
 */
export function irs2FlagIntermittentPairs(cube: Float32Array | number[], ngroups: number, rows: number, cols: number, scipix_n: number, refpix_r: number, initial_bad: Uint8Array | number[], n_sigma: number): Uint8Array;

/**
 * jwst `irs2_flag_saturation` on one integration's normal pixels `(ngroups, rows, cols)`: the
 * GROUPDQ bits to OR into each group. `bias` may be empty; `nframes` 0 = no use_readpatt.
 */
export function irs2SaturationFlags(data: Float32Array | number[], ngroups: number, rows: number, cols: number, thresh: Float32Array | number[], bias: Float32Array | number[], n_pix_grow_sat: number, nframes: number): Uint8Array;

/**
 * jwst `irs2_mean_subtraction` on one DMS IRS2 group `plane` `(nx, ny)`, in place: the
 * top/bottom reference means of each of the 5 sectors (odd/even columns when asked) subtracted.
 */
export function irs2SubtractGroupMeans(plane: Float32Array, pixeldq: Uint32Array | number[], nx: number, ny: number, scipix_n: number, refpix_r: number, odd_even_columns: boolean, siglimit: number, fast_reversed: boolean, slow_reversed: boolean): void;

/**
 * Ramp fitting (LIKELY) of one tile. `zeroframe` and `dark` may be empty (absent).
 * `read_times` holds the frame times (s) of every group back to back, `reads_per_group` how
 * many belong to each group; `ints` = [nframes, first_group, last_group] (`last_group` >=
 * ngroups for "none"). The output has rate, rateints and `chisq`.
 */
export function likelyFitTile(data: Float32Array | number[], groupdq: Uint8Array | number[], pixeldq: Uint32Array | number[], gain: Float32Array | number[], readnoise: Float32Array | number[], zeroframe: Float32Array | number[], dark: Float32Array | number[], nints: number, ngroups: number, rows: number, cols: number, read_times: Float64Array | number[], reads_per_group: Uint32Array | number[], ints: Uint32Array | number[]): RampFitTileOutput;

/**
 * `picture_frame` correction of one integration `(ngroups, plane)`, in place.
 */
export function pictureFrameIntegration(data: Float32Array, ngroups: number, plane: number, reference: Float32Array | number[], centre: Uint8Array | number[], edge: Uint8Array | number[]): void;

export function pixelFlagNames(): string[];

/**
 * Values of the pixel DQ flags, parallel to `pixelFlagNames()`.
 */
export function pixelFlagValues(): Uint32Array;

/**
 * Block average by an integer factor: the `(ceil(rows / factor), ceil(cols / factor))` image.
 */
export function previewBlockAverage(values: Float32Array | number[], rows: number, cols: number, factor: number): Float32Array;

/**
 * Display limits `[vmin, vmax]` of the finite pixels. `interval` = "zscale" (with
 * `zscale` = [n_samples, contrast, max_reject, min_npixels, krej, max_iterations]),
 * "minmax", or "percentile" (keeping the central `percentile` %).
 */
export function previewLimits(values: Float32Array | number[], interval: string, zscale: Float64Array | number[], percentile: number): Float64Array;

export function previewNanCount(values: Float32Array | number[]): number;

/**
 * Top-down 8-bit scanlines (gray or RGB by `channels`). `stretch` = "linear" or "asinh" (with
 * softening `asinh_a`); `nan_color` = [r, g, b].
 */
export function previewRender(values: Float32Array | number[], rows: number, cols: number, vmin: number, vmax: number, stretch: string, asinh_a: number, nan_color: Uint8Array | number[], channels: number): Uint8Array;

/**
 * `rampFitTile` of rows `own_row0..own_row0 + own_rows` of a staged band of `rows` rows, read
 * where they lie (no copy). Slots: f32 `[data, gain, readnoise, averageDarkCurrent]` (the last
 * may be empty), u8 `[groupdq]`, u32 `[pixeldq]`, all of the band.
 */
export function rampFitStaged(stage: Stage, own_row0: number, own_rows: number, nints: number, ngroups: number, rows: number, cols: number, times: Float32Array | number[], ints: Uint32Array | number[], flags: number): RampFitTileOutput;

/**
 * Ramp fitting (OLS_C) of one tile. `zeroframe` and `dark` may be empty (absent).
 * `times` = [frame_time, group_time] (float32 seconds); `ints` = [nframes, groupgap,
 * drop_frames1, first_group, last_group, group_start, group_stop]; `flags` = bit 0
 * suppress_one_group, bit 1 save_opt, bit 2 clear_first_jump. `last_group` may be any
 * value >= ngroups for "none".
 */
export function rampFitTile(data: Float32Array | number[], groupdq: Uint8Array | number[], pixeldq: Uint32Array | number[], gain: Float32Array | number[], readnoise: Float32Array | number[], zeroframe: Float32Array | number[], dark: Float32Array | number[], nints: number, ngroups: number, rows: number, cols: number, times: Float32Array | number[], ints: Uint32Array | number[], flags: number): RampFitTileOutput;

/**
 * Sigma-clipped mean of good reference values in array order, in float32 or (`wide`) float64
 * arithmetic: `[]` for none, else `[value, 1 if float64]`.
 */
export function refpixClippedMean(values: Float32Array | number[], wide: boolean, siglimit: number): Float64Array;

/**
 * One group's full-frame statistics (`refpix::four_amp_group`) of an `n` x `n` detector:
 * `[value; 8]` and `[kind; 8]` by class (kind 0 none, 1 float32, 2 float64), then, with side
 * reference pixels, the `n` side values by detector row.
 */
export function refpixFourAmpGroup(plane: Float32Array | number[], at: Int32Array | number[], dq: Uint32Array | number[], n: number, odd_even_columns: boolean, use_side_ref_pixels: boolean, siglimit: number, side_smoothing_length: number, wide: boolean): Float64Array;

/**
 * Rounds of jwst's RSCD back-off loop over integrations `first_int..end_int` (whole range).
 */
export function rscdBackoffRounds(groupdq: Uint8Array | number[], first_int: number, end_int: number, skip: number, nints: number, ngroups: number, rows: number, cols: number): number;

/**
 * The sigma-clipped shower noise model of a band of rows (`jump_showers::clipped_noise`), for
 * `minimum_sigclip_groups` integrations or more, into `median` and `sigma` `(ngroups - 1, rows, cols)`.
 */
export function showerClippedNoise(data: Float32Array | number[], groupdq: Uint8Array | number[], gain: Float32Array | number[], nints: number, ngroups: number, rows: number, cols: number, median: Float32Array, sigma: Float32Array): void;

/**
 * The shower noise model of a band of rows (`jump_showers::noise`) into `median` and `sigma`.
 */
export function showerNoise(data: Float32Array | number[], groupdq: Uint8Array | number[], gain: Float32Array | number[], readnoise: Float32Array | number[], nints: number, ngroups: number, rows: number, cols: number, nframes: number, median: Float32Array, sigma: Float32Array): void;

/**
 * `dq::translate` on staged words. Slots: u32 `[stored, out]`.
 */
export function translateDqStaged(stage: Stage, swapped: boolean, flip: number, bit_flags: Uint32Array | number[]): void;

/**
 * jwst `tso_photometry`'s `aperture_sum` of each integration of a draft rateints `(nints,
 * rows, cols)` in DN/s. `gain` is the GAIN plane, or empty to leave the units alone; the
 * scalars are `TsoPhotometryParams`' fields.
 */
export function tsoApertureSums(data: Float32Array | number[], dq: Uint32Array | number[], gain: Float32Array | number[], nints: number, rows: number, cols: number, integration_time: number, xcenter: number, ycenter: number, radius: number, radius_inner: number, centroid_source: boolean, search_box_width: number, fit_box_width: number, moving_centroid: boolean, sum_all: boolean): Float64Array;

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly __wbg_irs2corrector_free: (a: number, b: number) => void;
    readonly __wbg_rampfitinputs_free: (a: number, b: number) => void;
    readonly __wbg_rampfitstream_free: (a: number, b: number) => void;
    readonly __wbg_rampfittileoutput_free: (a: number, b: number) => void;
    readonly __wbg_stage_free: (a: number, b: number) => void;
    readonly applyChargeMigration: (a: number, b: number, c: number, d: number, e: number, f: any, g: number, h: number, i: number, j: number, k: number) => void;
    readonly applyDarkCurrent: (a: number, b: number, c: number, d: any, e: number, f: number, g: any, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number, s: number) => void;
    readonly applyDarkCurrentStaged: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number) => void;
    readonly applyDqInit: (a: number, b: number, c: number, d: any, e: number, f: number, g: any, h: number, i: number, j: number, k: number, l: number, m: number) => void;
    readonly applyDqInitStaged: (a: number, b: number, c: number, d: number, e: number, f: number) => void;
    readonly applyEmicorr: (a: number, b: number, c: number, d: any, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number, s: number, t: number, u: number) => void;
    readonly applyFirstframe: (a: number, b: number, c: number, d: any, e: number, f: number, g: any, h: number, i: number, j: number, k: number, l: number) => void;
    readonly applyGainScale: (a: number, b: number, c: number, d: any, e: number, f: number, g: any, h: number, i: number, j: any, k: number, l: number, m: any, n: number, o: number, p: number, q: number, r: number) => void;
    readonly applyGroupScale: (a: number, b: number, c: number, d: any, e: number, f: number, g: number, h: number, i: number) => void;
    readonly applyIpc: (a: number, b: number, c: number, d: any, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number) => void;
    readonly applyIpcStaged: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number) => void;
    readonly applyJump: (a: number, b: number, c: number, d: number, e: number, f: any, g: number, h: number, i: any, j: number, k: number, l: number, m: number, n: number, o: number, p: any, q: number, r: number, s: number, t: number, u: number, v: number, w: number, x: number, y: number, z: number, a1: number) => void;
    readonly applyJumpShowerNoise: (a: number, b: number, c: number, d: number, e: number, f: any, g: number, h: number, i: any, j: number, k: number, l: number, m: number, n: number, o: number, p: any, q: number, r: number, s: number, t: number, u: number, v: number, w: number, x: number, y: number, z: number, a1: number, b1: number, c1: number, d1: any, e1: number, f1: number, g1: any) => void;
    readonly applyJumpSigmaClip: (a: number, b: number, c: number, d: number, e: number, f: any, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number) => void;
    readonly applyJumpStaged: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number) => void;
    readonly applyLastframe: (a: number, b: number, c: number, d: any, e: number, f: number, g: number, h: number) => void;
    readonly applyLinearity: (a: number, b: number, c: number, d: any, e: number, f: number, g: any, h: number, i: number, j: any, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number, s: number, t: number, u: number, v: number, w: number, x: number) => void;
    readonly applyLinearityStaged: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => void;
    readonly applyPersistence: (a: number, b: number, c: number, d: number, e: number, f: any, g: number, h: number, i: any, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number) => void;
    readonly applyRefpix: (a: number, b: number, c: number, d: any, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number, s: number, t: number, u: number, v: number, w: number) => void;
    readonly applyRefpixMiri: (a: number, b: number, c: number, d: any, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number) => void;
    readonly applyRefpixStaged: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number) => void;
    readonly applyReset: (a: number, b: number, c: number, d: any, e: number, f: number, g: any, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number) => void;
    readonly applyRscd: (a: number, b: number, c: number, d: any, e: number, f: number, g: any, h: number, i: number, j: any, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number) => void;
    readonly applySaturation: (a: number, b: number, c: number, d: number, e: number, f: any, g: number, h: number, i: any, j: number, k: number, l: any, m: number, n: number, o: number, p: number, q: number, r: number, s: number, t: number, u: number, v: number, w: number, x: number) => void;
    readonly applySaturationStaged: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => void;
    readonly applySuperbias: (a: number, b: number, c: number, d: any, e: number, f: number, g: any, h: number, i: number, j: any, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number) => void;
    readonly applySuperbiasStaged: (a: number, b: number, c: number, d: number, e: number, f: number) => void;
    readonly cleanFlickerAutoStatistics: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
    readonly cleanFlickerFillFlat: (a: number, b: number, c: number, d: any, e: number, f: number) => void;
    readonly cleanFlickerFluxNorms: (a: number, b: number, c: number) => void;
    readonly cleanFlickerIntegration: (a: number, b: number, c: number, d: any, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: any, n: number, o: number, p: number, q: number, r: number, s: number, t: number, u: number, v: number, w: number, x: number, y: number) => void;
    readonly cleanFlickerIntegrationMedianImage: (a: number, b: number, c: number, d: any, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: any, p: number, q: number, r: number, s: number, t: number, u: number, v: number, w: number) => void;
    readonly cleanFlickerMedianRamp: (a: number, b: number, c: number, d: number, e: number, f: number) => void;
    readonly cleanFlickerRateNorms: (a: number, b: number, c: number, d: number, e: number) => void;
    readonly cleanFlickerSceneMask: (a: number, b: number, c: number, d: number, e: number, f: any, g: number, h: number, i: number, j: number, k: number) => void;
    readonly decodeInt16: (a: number, b: number, c: number, d: number, e: number, f: any, g: number, h: number) => void;
    readonly decodeInt16Staged: (a: number, b: number, c: number, d: number) => void;
    readonly emicorrBin: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number) => void;
    readonly emicorrFit: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number) => void;
    readonly emicorrSequential: (a: number, b: number, c: number, d: any, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number) => void;
    readonly encodeFitsWordsStaged: (a: number, b: number, c: number) => void;
    readonly flagShowersWithNoise: (a: number, b: number, c: number, d: number, e: number, f: any, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number, s: number, t: number, u: number, v: number) => void;
    readonly flagSnowballs: (a: number, b: number, c: number, d: any, e: number, f: number, g: number, h: number, i: any, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number) => void;
    readonly groupFlagNames: (a: number) => void;
    readonly irs2FlagIntermittentPairs: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number) => void;
    readonly irs2SaturationFlags: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number) => void;
    readonly irs2SubtractGroupMeans: (a: number, b: number, c: number, d: any, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number) => void;
    readonly irs2corrector_correctGroup: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: any) => void;
    readonly irs2corrector_new: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number) => void;
    readonly likelyFitTile: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number, s: number, t: number, u: number, v: number, w: number, x: number, y: number) => void;
    readonly pictureFrameIntegration: (a: number, b: number, c: number, d: any, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number) => void;
    readonly pixelFlagNames: (a: number) => void;
    readonly pixelFlagValues: (a: number) => void;
    readonly previewBlockAverage: (a: number, b: number, c: number, d: number, e: number, f: number) => void;
    readonly previewLimits: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => void;
    readonly previewNanCount: (a: number, b: number) => number;
    readonly previewRender: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number) => void;
    readonly rampFitStaged: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number) => void;
    readonly rampFitTile: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number, s: number, t: number, u: number, v: number, w: number, x: number) => void;
    readonly rampfitinputs_darkPtr: (a: number) => number;
    readonly rampfitinputs_dataPtr: (a: number) => number;
    readonly rampfitinputs_fit: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number) => void;
    readonly rampfitinputs_gainPtr: (a: number) => number;
    readonly rampfitinputs_groupdqPtr: (a: number) => number;
    readonly rampfitinputs_new: () => number;
    readonly rampfitinputs_pixeldqPtr: (a: number) => number;
    readonly rampfitinputs_readnoisePtr: (a: number) => number;
    readonly rampfitinputs_resize: (a: number, b: number, c: number, d: number, e: number) => void;
    readonly rampfitinputs_zeroframePtr: (a: number) => number;
    readonly rampfitstream_addMedian: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number) => void;
    readonly rampfitstream_finish: (a: number, b: number) => void;
    readonly rampfitstream_fitIntegration: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number) => void;
    readonly rampfitstream_new: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number) => void;
    readonly rampfittileoutput_dqPtr: (a: number, b: number, c: number, d: number) => void;
    readonly rampfittileoutput_encodeFits: (a: number, b: number) => void;
    readonly rampfittileoutput_f32Ptr: (a: number, b: number, c: number, d: number) => void;
    readonly rampfittileoutput_maxCr: (a: number) => number;
    readonly rampfittileoutput_maxSeg: (a: number) => number;
    readonly rampfittileoutput_takeDq: (a: number, b: number, c: number, d: number) => void;
    readonly rampfittileoutput_takeF32: (a: number, b: number, c: number, d: number) => void;
    readonly refpixClippedMean: (a: number, b: number, c: number, d: number, e: number) => void;
    readonly refpixFourAmpGroup: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number) => void;
    readonly rscdBackoffRounds: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number) => void;
    readonly showerClippedNoise: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: any, o: number, p: number, q: any) => void;
    readonly showerNoise: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: any, r: number, s: number, t: any) => void;
    readonly stage_new: () => number;
    readonly stage_slot: (a: number, b: number, c: number, d: number, e: number, f: number) => void;
    readonly stage_sum_u32: (a: number, b: number, c: number, d: number, e: number) => void;
    readonly stage_swap_slots: (a: number, b: number, c: number, d: number, e: number, f: number) => void;
    readonly stage_swap_words: (a: number, b: number, c: number, d: number, e: number) => void;
    readonly stage_translate_dq: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
    readonly translateDqStaged: (a: number, b: number, c: number, d: number, e: number, f: number) => void;
    readonly tsoApertureSums: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number, s: number, t: number) => void;
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __wbindgen_add_to_stack_pointer: (a: number) => number;
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __externref_drop_slice: (a: number, b: number) => void;
    readonly __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
