/* tslint:disable */
/* eslint-disable */
export const memory: WebAssembly.Memory;
export const __wbg_rampfitstream_free: (a: number, b: number) => void;
export const __wbg_rampfittileoutput_free: (a: number, b: number) => void;
export const applyDqInit: (a: number, b: number, c: any, d: number, e: number, f: any, g: number, h: number, i: number, j: number, k: number, l: number) => [number, number];
export const applySuperbias: (a: number, b: number, c: any, d: number, e: number, f: any, g: number, h: number, i: any, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number) => [number, number];
export const groupFlagNames: () => [number, number];
export const pixelFlagNames: () => [number, number];
export const pixelFlagValues: () => [number, number];
export const rampFitTile: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number, s: number, t: number, u: number, v: number, w: number) => [number, number, number];
export const rampfitstream_addMedian: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => [number, number];
export const rampfitstream_finish: (a: number) => [number, number, number];
export const rampfitstream_fitIntegration: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => [number, number, number];
export const rampfitstream_new: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number) => [number, number, number];
export const rampfittileoutput_maxCr: (a: number) => number;
export const rampfittileoutput_maxSeg: (a: number) => number;
export const rampfittileoutput_takeDq: (a: number, b: number, c: number) => [number, number, number, number];
export const rampfittileoutput_takeF32: (a: number, b: number, c: number) => [number, number, number, number];
export const __wbindgen_externrefs: WebAssembly.Table;
export const __wbindgen_malloc: (a: number, b: number) => number;
export const __wbindgen_free: (a: number, b: number, c: number) => void;
export const __externref_table_dealloc: (a: number) => void;
export const __externref_drop_slice: (a: number, b: number) => void;
export const __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
export const __wbindgen_start: () => void;
