/* tslint:disable */
/* eslint-disable */
export const memory: WebAssembly.Memory;
export const applySuperbias: (a: number, b: number, c: any, d: number, e: number, f: any, g: number, h: number, i: any, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number) => [number, number];
export const groupFlagNames: () => [number, number];
export const pixelFlagNames: () => [number, number];
export const pixelFlagValues: () => [number, number];
export const __wbindgen_externrefs: WebAssembly.Table;
export const __wbindgen_malloc: (a: number, b: number) => number;
export const __wbindgen_free: (a: number, b: number, c: number) => void;
export const __externref_table_dealloc: (a: number) => void;
export const __externref_drop_slice: (a: number, b: number) => void;
export const __wbindgen_start: () => void;
