/* tslint:disable */
/* eslint-disable */

/**
 * `superbias` on one tile. `zeroframe` may be empty (no ZEROFRAME in the exposure).
 */
export function applySuperbias(data: Float32Array, zeroframe: Float32Array, pixeldq: Uint32Array, bias: Float32Array | number[], bias_dq: Uint32Array | number[], nints: number, ngroups: number, rows: number, cols: number): void;

/**
 * Names of the flags that are valid in GROUPDQ.
 */
export function groupFlagNames(): string[];

/**
 * Names of the pixel DQ flags as the kernels know them, in bit order.
 */
export function pixelFlagNames(): string[];

/**
 * Values of the pixel DQ flags, parallel to `pixelFlagNames()`.
 */
export function pixelFlagValues(): Uint32Array;

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly applySuperbias: (a: number, b: number, c: any, d: number, e: number, f: any, g: number, h: number, i: any, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number) => [number, number];
    readonly groupFlagNames: () => [number, number];
    readonly pixelFlagNames: () => [number, number];
    readonly pixelFlagValues: () => [number, number];
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __externref_drop_slice: (a: number, b: number) => void;
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
