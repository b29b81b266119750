/* @ts-self-types="./detector1_wasm.d.ts" */

/**
 * NIRSpec IRS2 reference correction of one group at a time (`detector1_kernels::irs2`):
 * holds the REFPIX coefficients and the FFT plan. Call `free()`.
 */
export class Irs2Corrector {
    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        Irs2CorrectorFinalization.unregister(this);
        return ptr;
    }
    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_irs2corrector_free(ptr, 0);
    }
    /**
     * One DMS group `(nx, ny)` and the integration's mean over groups -> `out` `(ny or nx, ny)`.
     * @param {Float32Array | number[]} plane
     * @param {Float64Array | number[]} offset
     * @param {boolean} flip
     * @param {boolean} preserve_refpix
     * @param {Float32Array} out
     */
    correctGroup(plane, offset, flip, preserve_refpix, out) {
        try {
            const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
            const val4 = +flip;
            const val5 = +preserve_refpix;
            let ptr0, len0, ptr1, len1, ptr2, len2;
            try {
                ptr0 = passArrayF32ToWasm0(plane, wasm.__wbindgen_malloc);
                len0 = WASM_VECTOR_LEN;
                ptr1 = passArrayF64ToWasm0(offset, wasm.__wbindgen_malloc);
                len1 = WASM_VECTOR_LEN;
                ptr2 = passArrayF32ToWasm0(out, wasm.__wbindgen_malloc);
                len2 = WASM_VECTOR_LEN;
            } catch (e) {
                if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
                if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 8, 8); }
                if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
                throw e;
            }
            wasm.irs2corrector_correctGroup(retptr, this.__wbg_ptr, ptr0, len0, ptr1, len1, val4, val5, ptr2, len2, out);
            var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
            var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
            if (r1) {
                throw takeFromExternrefTable0(r0);
            }
        } finally {
            wasm.__wbindgen_add_to_stack_pointer(16);
        }
    }
    /**
     * `alpha`, `beta`: the 4 ALPHA_k / BETA_k columns concatenated (interleaved re, im).
     * @param {Float32Array | number[]} alpha
     * @param {Float32Array | number[]} beta
     * @param {number} scipix_n
     * @param {number} refpix_r
     * @param {number} pad
     * @param {number} ny
     * @param {number} nx
     */
    constructor(alpha, beta, scipix_n, refpix_r, pad, ny, nx) {
        try {
            const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
            const val3 = +scipix_n;
            const val4 = +refpix_r;
            const val5 = +pad;
            const val6 = +ny;
            const val7 = +nx;
            let ptr0, len0, ptr1, len1;
            try {
                ptr0 = passArrayF32ToWasm0(alpha, wasm.__wbindgen_malloc);
                len0 = WASM_VECTOR_LEN;
                ptr1 = passArrayF32ToWasm0(beta, wasm.__wbindgen_malloc);
                len1 = WASM_VECTOR_LEN;
            } catch (e) {
                if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
                if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
                throw e;
            }
            wasm.irs2corrector_new(retptr, ptr0, len0, ptr1, len1, val3, val4, val5, val6, val7);
            var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
            var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
            var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
            if (r2) {
                throw takeFromExternrefTable0(r1);
            }
            this.__wbg_ptr = r0;
            Irs2CorrectorFinalization.register(this, this.__wbg_ptr, this);
            return this;
        } finally {
            wasm.__wbindgen_add_to_stack_pointer(16);
        }
    }
}
if (Symbol.dispose) Irs2Corrector.prototype[Symbol.dispose] = Irs2Corrector.prototype.free;

/**
 * OLS_C tile inputs kept in wasm memory and filled by JS through views of that memory (the
 * `*Ptr` addresses), so a band of a larger exposure goes in with one copy and no intermediate
 * array. Reused from band to band. Call `free()` when done.
 */
export class RampFitInputs {
    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        RampFitInputsFinalization.unregister(this);
        return ptr;
    }
    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_rampfitinputs_free(ptr, 0);
    }
    /**
     * @returns {number}
     */
    get darkPtr() {
        const ret = wasm.rampfitinputs_darkPtr(this.__wbg_ptr);
        return ret >>> 0;
    }
    /**
     * @returns {number}
     */
    get dataPtr() {
        const ret = wasm.rampfitinputs_dataPtr(this.__wbg_ptr);
        return ret >>> 0;
    }
    /**
     * `rampFitTile` on the filled buffers (same parameters).
     * @param {number} nints
     * @param {number} ngroups
     * @param {number} rows
     * @param {number} cols
     * @param {Float32Array | number[]} times
     * @param {Uint32Array | number[]} ints
     * @param {number} flags
     * @returns {RampFitTileOutput}
     */
    fit(nints, ngroups, rows, cols, times, ints, flags) {
        try {
            const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
            const val3 = +nints;
            const val4 = +ngroups;
            const val5 = +rows;
            const val6 = +cols;
            const val7 = +flags;
            let ptr0, len0, ptr1, len1;
            try {
                ptr0 = passArrayF32ToWasm0(times, wasm.__wbindgen_malloc);
                len0 = WASM_VECTOR_LEN;
                ptr1 = passArray32ToWasm0(ints, wasm.__wbindgen_malloc);
                len1 = WASM_VECTOR_LEN;
            } catch (e) {
                if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
                if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
                throw e;
            }
            wasm.rampfitinputs_fit(retptr, this.__wbg_ptr, val3, val4, val5, val6, ptr0, len0, ptr1, len1, val7);
            var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
            var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
            var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
            if (r2) {
                throw takeFromExternrefTable0(r1);
            }
            return RampFitTileOutput.__wrap(r0);
        } finally {
            wasm.__wbindgen_add_to_stack_pointer(16);
        }
    }
    /**
     * @returns {number}
     */
    get gainPtr() {
        const ret = wasm.rampfitinputs_gainPtr(this.__wbg_ptr);
        return ret >>> 0;
    }
    /**
     * @returns {number}
     */
    get groupdqPtr() {
        const ret = wasm.rampfitinputs_groupdqPtr(this.__wbg_ptr);
        return ret >>> 0;
    }
    constructor() {
        const ret = wasm.rampfitinputs_new();
        this.__wbg_ptr = ret;
        RampFitInputsFinalization.register(this, this.__wbg_ptr, this);
        return this;
    }
    /**
     * @returns {number}
     */
    get pixeldqPtr() {
        const ret = wasm.rampfitinputs_pixeldqPtr(this.__wbg_ptr);
        return ret >>> 0;
    }
    /**
     * @returns {number}
     */
    get readnoisePtr() {
        const ret = wasm.rampfitinputs_readnoisePtr(this.__wbg_ptr);
        return ret >>> 0;
    }
    /**
     * Sizes the buffers for a tile (`zeroframe`, `dark`: 0 = absent). Addresses change here;
     * contents are whatever was there until filled.
     * @param {number} cube
     * @param {number} plane
     * @param {number} zeroframe
     * @param {number} dark
     */
    resize(cube, plane, zeroframe, dark) {
        wasm.rampfitinputs_resize(this.__wbg_ptr, cube, plane, zeroframe, dark);
    }
    /**
     * @returns {number}
     */
    get zeroframePtr() {
        const ret = wasm.rampfitinputs_zeroframePtr(this.__wbg_ptr);
        return ret >>> 0;
    }
}
if (Symbol.dispose) RampFitInputs.prototype[Symbol.dispose] = RampFitInputs.prototype.free;

/**
 * OLS_C one integration at a time (memory flat in NINTS): `addMedian(i, ...)` for every
 * integration, then `fitIntegration(i, ...)` for every integration (rateints planes of i),
 * then `finish()` (rate). Parameters as `rampFitTile`; `dark` may be empty. Call `free()`.
 */
export class RampFitStream {
    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        RampFitStreamFinalization.unregister(this);
        return ptr;
    }
    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_rampfitstream_free(ptr, 0);
    }
    /**
     * Pass 1 for integration `integration`: data and groupdq `(ngroups, rows, cols)`, zeroframe `(rows, cols)` or empty.
     * @param {number} integration
     * @param {Float32Array | number[]} data
     * @param {Uint8Array | number[]} groupdq
     * @param {Float32Array | number[]} zeroframe
     */
    addMedian(integration, data, groupdq, zeroframe) {
        try {
            const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
            const val4 = +integration;
            let ptr0, len0, ptr1, len1, ptr2, len2;
            try {
                ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
                len0 = WASM_VECTOR_LEN;
                ptr1 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
                len1 = WASM_VECTOR_LEN;
                ptr2 = passArrayF32ToWasm0(zeroframe, wasm.__wbindgen_malloc);
                len2 = WASM_VECTOR_LEN;
            } catch (e) {
                if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
                if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
                if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
                throw e;
            }
            wasm.rampfitstream_addMedian(retptr, this.__wbg_ptr, val4, ptr0, len0, ptr1, len1, ptr2, len2);
            var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
            var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
            if (r1) {
                throw takeFromExternrefTable0(r0);
            }
        } finally {
            wasm.__wbindgen_add_to_stack_pointer(16);
        }
    }
    /**
     * The rate product once every integration went through both passes (`rate.*` names).
     * @returns {RampFitTileOutput}
     */
    finish() {
        try {
            const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
            wasm.rampfitstream_finish(retptr, this.__wbg_ptr);
            var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
            var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
            var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
            if (r2) {
                throw takeFromExternrefTable0(r1);
            }
            return RampFitTileOutput.__wrap(r0);
        } finally {
            wasm.__wbindgen_add_to_stack_pointer(16);
        }
    }
    /**
     * Pass 2 for integration `integration`; its rateints planes are taken from the result
     * (`rateints.*` names of `RampFitTileOutput`).
     * @param {number} integration
     * @param {Float32Array | number[]} data
     * @param {Uint8Array | number[]} groupdq
     * @param {Float32Array | number[]} zeroframe
     * @returns {RampFitTileOutput}
     */
    fitIntegration(integration, data, groupdq, zeroframe) {
        try {
            const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
            const val4 = +integration;
            let ptr0, len0, ptr1, len1, ptr2, len2;
            try {
                ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
                len0 = WASM_VECTOR_LEN;
                ptr1 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
                len1 = WASM_VECTOR_LEN;
                ptr2 = passArrayF32ToWasm0(zeroframe, wasm.__wbindgen_malloc);
                len2 = WASM_VECTOR_LEN;
            } catch (e) {
                if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
                if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
                if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
                throw e;
            }
            wasm.rampfitstream_fitIntegration(retptr, this.__wbg_ptr, val4, ptr0, len0, ptr1, len1, ptr2, len2);
            var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
            var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
            var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
            if (r2) {
                throw takeFromExternrefTable0(r1);
            }
            return RampFitTileOutput.__wrap(r0);
        } finally {
            wasm.__wbindgen_add_to_stack_pointer(16);
        }
    }
    /**
     * @param {Uint32Array | number[]} pixeldq
     * @param {Float32Array | number[]} gain
     * @param {Float32Array | number[]} readnoise
     * @param {Float32Array | number[]} dark
     * @param {number} nints
     * @param {number} ngroups
     * @param {number} rows
     * @param {number} cols
     * @param {Float32Array | number[]} times
     * @param {Uint32Array | number[]} ints
     * @param {number} flags
     */
    constructor(pixeldq, gain, readnoise, dark, nints, ngroups, rows, cols, times, ints, flags) {
        try {
            const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
            const val7 = +nints;
            const val8 = +ngroups;
            const val9 = +rows;
            const val10 = +cols;
            const val11 = +flags;
            let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5;
            try {
                ptr0 = passArray32ToWasm0(pixeldq, wasm.__wbindgen_malloc);
                len0 = WASM_VECTOR_LEN;
                ptr1 = passArrayF32ToWasm0(gain, wasm.__wbindgen_malloc);
                len1 = WASM_VECTOR_LEN;
                ptr2 = passArrayF32ToWasm0(readnoise, wasm.__wbindgen_malloc);
                len2 = WASM_VECTOR_LEN;
                ptr3 = passArrayF32ToWasm0(dark, wasm.__wbindgen_malloc);
                len3 = WASM_VECTOR_LEN;
                ptr4 = passArrayF32ToWasm0(times, wasm.__wbindgen_malloc);
                len4 = WASM_VECTOR_LEN;
                ptr5 = passArray32ToWasm0(ints, wasm.__wbindgen_malloc);
                len5 = WASM_VECTOR_LEN;
            } catch (e) {
                if (ptr5) { wasm.__wbindgen_free(ptr5, len5 * 4, 4); }
                if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 4, 4); }
                if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 4, 4); }
                if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
                if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
                if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
                throw e;
            }
            wasm.rampfitstream_new(retptr, ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, val7, val8, val9, val10, ptr4, len4, ptr5, len5, val11);
            var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
            var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
            var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
            if (r2) {
                throw takeFromExternrefTable0(r1);
            }
            this.__wbg_ptr = r0;
            RampFitStreamFinalization.register(this, this.__wbg_ptr, this);
            return this;
        } finally {
            wasm.__wbindgen_add_to_stack_pointer(16);
        }
    }
}
if (Symbol.dispose) RampFitStream.prototype[Symbol.dispose] = RampFitStream.prototype.free;

/**
 * Results of `rampFitTile`, owned by wasm memory until taken. Call `free()` when done.
 */
export class RampFitTileOutput {
    static __wrap(ptr) {
        const obj = Object.create(RampFitTileOutput.prototype);
        obj.__wbg_ptr = ptr;
        RampFitTileOutputFinalization.register(obj, obj.__wbg_ptr, obj);
        return obj;
    }
    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        RampFitTileOutputFinalization.unregister(this);
        return ptr;
    }
    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_rampfittileoutput_free(ptr, 0);
    }
    /**
     * Address in wasm memory of `rate.dq` or `rateints.dq` (see `f32Ptr`).
     * @param {string} name
     * @returns {number}
     */
    dqPtr(name) {
        try {
            const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
            const ptr0 = passStringToWasm0(name, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            const len0 = WASM_VECTOR_LEN;
            wasm.rampfittileoutput_dqPtr(retptr, this.__wbg_ptr, ptr0, len0);
            var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
            var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
            var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
            if (r2) {
                throw takeFromExternrefTable0(r1);
            }
            return r0 >>> 0;
        } finally {
            wasm.__wbindgen_add_to_stack_pointer(16);
        }
    }
    /**
     * Turns every rate and rateints array into the FITS file's big-endian words, in place
     * (DQ stored as int32 with BZERO 2^31), and returns their ones'-complement sums: rate's
     * `[slope, dq, var_poisson, var_rnoise, err]`, then the same of each integration of rateints.
     * @returns {Uint32Array}
     */
    encodeFits() {
        try {
            const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
            wasm.rampfittileoutput_encodeFits(retptr, this.__wbg_ptr);
            var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
            var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
            var v1 = getArrayU32FromWasm0(r0, r1).slice();
            wasm.__wbindgen_free(r0, r1 * 4, 4);
            return v1;
        } finally {
            wasm.__wbindgen_add_to_stack_pointer(16);
        }
    }
    /**
     * Address in wasm memory of a rate/rateints float32 array (`rate.slope`, `rateints.err`,
     * ...), to copy it out through a view without an intermediate array.
     * @param {string} name
     * @returns {number}
     */
    f32Ptr(name) {
        try {
            const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
            const ptr0 = passStringToWasm0(name, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            const len0 = WASM_VECTOR_LEN;
            wasm.rampfittileoutput_f32Ptr(retptr, this.__wbg_ptr, ptr0, len0);
            var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
            var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
            var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
            if (r2) {
                throw takeFromExternrefTable0(r1);
            }
            return r0 >>> 0;
        } finally {
            wasm.__wbindgen_add_to_stack_pointer(16);
        }
    }
    /**
     * Cosmic rays per integration in fitopt `crmag` of this tile (0 without save_opt).
     * @returns {number}
     */
    get maxCr() {
        const ret = wasm.rampfittileoutput_maxCr(this.__wbg_ptr);
        return ret >>> 0;
    }
    /**
     * Segments per integration in the fitopt arrays of this tile (0 without save_opt).
     * @returns {number}
     */
    get maxSeg() {
        const ret = wasm.rampfittileoutput_maxSeg(this.__wbg_ptr);
        return ret >>> 0;
    }
    /**
     * Moves a DQ array out: `rate.dq` or `rateints.dq`.
     * @param {string} name
     * @returns {Uint32Array}
     */
    takeDq(name) {
        try {
            const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
            const ptr0 = passStringToWasm0(name, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            const len0 = WASM_VECTOR_LEN;
            wasm.rampfittileoutput_takeDq(retptr, this.__wbg_ptr, ptr0, len0);
            var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
            var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
            var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
            var r3 = getDataViewMemory0().getInt32(retptr + 4 * 3, true);
            if (r3) {
                throw takeFromExternrefTable0(r2);
            }
            var v2 = getArrayU32FromWasm0(r0, r1).slice();
            wasm.__wbindgen_free(r0, r1 * 4, 4);
            return v2;
        } finally {
            wasm.__wbindgen_add_to_stack_pointer(16);
        }
    }
    /**
     * Moves a float32 array out: `rate.slope|var_poisson|var_rnoise|err`,
     * `rateints.<same>`, `chisq` (LIKELY), or `fitopt.slope|sigslope|var_poisson|var_rnoise|yint|sigyint|weights|pedestal|crmag`.
     * @param {string} name
     * @returns {Float32Array}
     */
    takeF32(name) {
        try {
            const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
            const ptr0 = passStringToWasm0(name, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            const len0 = WASM_VECTOR_LEN;
            wasm.rampfittileoutput_takeF32(retptr, this.__wbg_ptr, ptr0, len0);
            var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
            var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
            var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
            var r3 = getDataViewMemory0().getInt32(retptr + 4 * 3, true);
            if (r3) {
                throw takeFromExternrefTable0(r2);
            }
            var v2 = getArrayF32FromWasm0(r0, r1).slice();
            wasm.__wbindgen_free(r0, r1 * 4, 4);
            return v2;
        } finally {
            wasm.__wbindgen_add_to_stack_pointer(16);
        }
    }
}
if (Symbol.dispose) RampFitTileOutput.prototype[Symbol.dispose] = RampFitTileOutput.prototype.free;

/**
 * Buffers in wasm memory for one band of a tile kernel, by element type and slot: JS sizes them
 * (`slot`), fills them through views of wasm memory at the addresses returned, runs a `*Staged`
 * kernel on them and reads its outputs back the same way. A band of a larger array then goes
 * in and out with one copy each way, and no band-sized JS array. Reused from band to band.
 */
export class Stage {
    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        StageFinalization.unregister(this);
        return ptr;
    }
    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_stage_free(ptr, 0);
    }
    constructor() {
        const ret = wasm.stage_new();
        this.__wbg_ptr = ret;
        StageFinalization.register(this, this.__wbg_ptr, this);
        return this;
    }
    /**
     * Sizes slot `slot` of element type `kind` ("f32", "u8", "u16", "u32") to `len` elements and returns
     * its address. Contents are unspecified until filled. Other slots keep their addresses, but
     * views of wasm memory made before this call may be detached (the memory may grow).
     * @param {string} kind
     * @param {number} slot
     * @param {number} len
     * @returns {number}
     */
    slot(kind, slot, len) {
        try {
            const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
            const val2 = +slot;
            const val3 = +len;
            const ptr0 = passStringToWasm0(kind, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            const len0 = WASM_VECTOR_LEN;
            wasm.stage_slot(retptr, this.__wbg_ptr, ptr0, len0, val2, val3);
            var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
            var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
            var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
            if (r2) {
                throw takeFromExternrefTable0(r1);
            }
            return r0 >>> 0;
        } finally {
            wasm.__wbindgen_add_to_stack_pointer(16);
        }
    }
    /**
     * The sum of u32 slot `slot`'s elements `from..to` (jump's cosmic rays of a band's own rows).
     * @param {number} slot
     * @param {number} from
     * @param {number} to
     * @returns {number}
     */
    sum_u32(slot, from, to) {
        try {
            const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
            wasm.stage_sum_u32(retptr, this.__wbg_ptr, slot, from, to);
            var r0 = getDataViewMemory0().getFloat64(retptr + 8 * 0, true);
            var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
            var r3 = getDataViewMemory0().getInt32(retptr + 4 * 3, true);
            if (r3) {
                throw takeFromExternrefTable0(r2);
            }
            return r0;
        } finally {
            wasm.__wbindgen_add_to_stack_pointer(16);
        }
    }
    /**
     * Exchanges slots `a` and `b` of element type `kind` (their buffers, not their contents):
     * a chain of kernels keeps a band's arrays in the slots where each kernel expects them.
     * @param {string} kind
     * @param {number} a
     * @param {number} b
     */
    swap_slots(kind, a, b) {
        try {
            const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
            const val2 = +a;
            const val3 = +b;
            const ptr0 = passStringToWasm0(kind, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            const len0 = WASM_VECTOR_LEN;
            wasm.stage_swap_slots(retptr, this.__wbg_ptr, ptr0, len0, val2, val3);
            var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
            var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
            if (r1) {
                throw takeFromExternrefTable0(r0);
            }
        } finally {
            wasm.__wbindgen_add_to_stack_pointer(16);
        }
    }
    /**
     * Reverses the bytes of every element of slot `slot` ("f32" or "u32"), in place: a band
     * filled with a FITS file's big-endian words is put in host order by the thread that runs
     * the kernel, on data the fill has just brought into cache. Never grows the memory.
     * @param {string} kind
     * @param {number} slot
     */
    swap_words(kind, slot) {
        try {
            const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
            const val2 = +slot;
            const ptr0 = passStringToWasm0(kind, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            const len0 = WASM_VECTOR_LEN;
            wasm.stage_swap_words(retptr, this.__wbg_ptr, ptr0, len0, val2);
            var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
            var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
            if (r1) {
                throw takeFromExternrefTable0(r0);
            }
        } finally {
            wasm.__wbindgen_add_to_stack_pointer(16);
        }
    }
    /**
     * `dq::translate_in_place` on u32 slot `slot`: a band of a reference's DQ words filled as
     * the file stores them becomes standard flags in the thread that runs the kernel.
     * @param {number} slot
     * @param {boolean} swapped
     * @param {number} flip
     * @param {Uint32Array | number[]} bit_flags
     */
    translate_dq(slot, swapped, flip, bit_flags) {
        try {
            const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
            const val2 = +slot;
            const val3 = +swapped;
            const val4 = +flip;
            const ptr0 = passArray32ToWasm0(bit_flags, wasm.__wbindgen_malloc);
            const len0 = WASM_VECTOR_LEN;
            wasm.stage_translate_dq(retptr, this.__wbg_ptr, val2, val3, val4, ptr0, len0);
            var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
            var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
            if (r1) {
                throw takeFromExternrefTable0(r0);
            }
        } finally {
            wasm.__wbindgen_add_to_stack_pointer(16);
        }
    }
}
if (Symbol.dispose) Stage.prototype[Symbol.dispose] = Stage.prototype.free;

/**
 * `charge_migration` on one band (with `charge_migration::HALO_ROWS` rows of context).
 * @param {Float32Array | number[]} data
 * @param {Uint8Array} groupdq
 * @param {number} signal_threshold
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applyChargeMigration(data, groupdq, signal_threshold, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val3 = +signal_threshold;
        const val4 = +nints;
        const val5 = +ngroups;
        const val6 = +rows;
        const val7 = +cols;
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.applyChargeMigration(retptr, ptr0, len0, ptr1, len1, groupdq, val3, val4, val5, val6, val7);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `layout` = [planes, dark_ints, virtual_planes, direct (0/1), nframes, groupgap]; `int_map`
 * has one dark integration per science integration, -1 for none.
 * @param {Float32Array} data
 * @param {Uint32Array} pixeldq
 * @param {Float32Array | number[]} frames
 * @param {Uint32Array | number[]} dark_dq
 * @param {Uint32Array | number[]} layout
 * @param {Int32Array | number[]} int_map
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applyDarkCurrent(data, pixeldq, frames, dark_dq, layout, int_map, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val7 = +nints;
        const val8 = +ngroups;
        const val9 = +rows;
        const val10 = +cols;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray32ToWasm0(pixeldq, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArrayF32ToWasm0(frames, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArray32ToWasm0(dark_dq, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passArray32ToWasm0(layout, wasm.__wbindgen_malloc);
            len4 = WASM_VECTOR_LEN;
            ptr5 = passArray32ToWasm0(int_map, wasm.__wbindgen_malloc);
            len5 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr5) { wasm.__wbindgen_free(ptr5, len5 * 4, 4); }
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 4, 4); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 4, 4); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.applyDarkCurrent(retptr, ptr0, len0, data, ptr1, len1, pixeldq, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5, val7, val8, val9, val10);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `applyDarkCurrent` on a staged band. Slots: f32 `[data, frames]`, u32 `[pixeldq, darkDq]`.
 * @param {Stage} stage
 * @param {Uint32Array | number[]} layout
 * @param {Int32Array | number[]} int_map
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applyDarkCurrentStaged(stage, layout, int_map, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        _assertClass(stage, Stage);
        const val3 = +nints;
        const val4 = +ngroups;
        const val5 = +rows;
        const val6 = +cols;
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passArray32ToWasm0(layout, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray32ToWasm0(int_map, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.applyDarkCurrentStaged(retptr, stage.__wbg_ptr, ptr0, len0, ptr1, len1, val3, val4, val5, val6);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `dq_init` on one tile: mask into PIXELDQ, its DO_NOT_USE into every group.
 * @param {Uint32Array} pixeldq
 * @param {Uint8Array} groupdq
 * @param {Uint32Array | number[]} mask
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applyDqInit(pixeldq, groupdq, mask, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val4 = +nints;
        const val5 = +ngroups;
        const val6 = +rows;
        const val7 = +cols;
        let ptr0, len0, ptr1, len1, ptr2, len2;
        try {
            ptr0 = passArray32ToWasm0(pixeldq, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray32ToWasm0(mask, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.applyDqInit(retptr, ptr0, len0, pixeldq, ptr1, len1, groupdq, ptr2, len2, val4, val5, val6, val7);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `applyDqInit` on a staged band. Slots: u8 `[groupdq]`, u32 `[pixeldq, mask]`.
 * @param {Stage} stage
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applyDqInitStaged(stage, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        _assertClass(stage, Stage);
        wasm.applyDqInitStaged(retptr, stage.__wbg_ptr, nints, ngroups, rows, cols);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `emicorr` (joint) subtraction on one tile; `row` holds each pixel's detector row.
 * @param {Float32Array} data
 * @param {Uint16Array | number[]} row
 * @param {Float64Array | number[]} wave
 * @param {number} nsamples
 * @param {number} rowclocks
 * @param {number} frameclocks
 * @param {number} period
 * @param {number} ny
 * @param {Float64Array | number[]} offsets
 * @param {Float64Array | number[]} amplitudes
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applyEmicorr(data, row, wave, nsamples, rowclocks, frameclocks, period, ny, offsets, amplitudes, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val6 = +nsamples;
        const val7 = +rowclocks;
        const val8 = +frameclocks;
        const val9 = +period;
        const val10 = +ny;
        const val11 = +nints;
        const val12 = +ngroups;
        const val13 = +rows;
        const val14 = +cols;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray16ToWasm0(row, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArrayF64ToWasm0(wave, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArrayF64ToWasm0(offsets, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passArrayF64ToWasm0(amplitudes, wasm.__wbindgen_malloc);
            len4 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 8, 8); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 8, 8); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 8, 8); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 2, 2); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.applyEmicorr(retptr, ptr0, len0, data, ptr1, len1, ptr2, len2, val6, val7, val8, val9, val10, ptr3, len3, ptr4, len4, val11, val12, val13, val14);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * MIRI `firstframe` on one tile.
 * @param {Uint8Array} groupdq
 * @param {Uint32Array} pixeldq
 * @param {boolean} bright_use_group1
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applyFirstframe(groupdq, pixeldq, bright_use_group1, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val3 = +bright_use_group1;
        const val4 = +nints;
        const val5 = +ngroups;
        const val6 = +rows;
        const val7 = +cols;
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray32ToWasm0(pixeldq, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        wasm.applyFirstframe(retptr, ptr0, len0, groupdq, ptr1, len1, pixeldq, val3, val4, val5, val6, val7);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * @param {Float32Array} data
 * @param {Float32Array} err
 * @param {Float32Array} var_poisson
 * @param {Float32Array} var_rnoise
 * @param {number} factor
 * @param {number} factor_sq
 * @param {number} nints
 * @param {number} rows
 * @param {number} cols
 */
export function applyGainScale(data, err, var_poisson, var_rnoise, factor, factor_sq, nints, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val5 = +factor;
        const val6 = +factor_sq;
        const val7 = +nints;
        const val8 = +rows;
        const val9 = +cols;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArrayF32ToWasm0(err, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArrayF32ToWasm0(var_poisson, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArrayF32ToWasm0(var_rnoise, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 4, 4); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.applyGainScale(retptr, ptr0, len0, data, ptr1, len1, err, ptr2, len2, var_poisson, ptr3, len3, var_rnoise, val5, val6, val7, val8, val9);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * @param {Float32Array} data
 * @param {number} scale
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applyGroupScale(data, scale, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val2 = +scale;
        const val3 = +nints;
        const val4 = +ngroups;
        const val5 = +rows;
        const val6 = +cols;
        var ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
        var len0 = WASM_VECTOR_LEN;
        wasm.applyGroupScale(retptr, ptr0, len0, data, val2, val3, val4, val5, val6);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `ipc` on one band (with `ipc::halo_rows(ky)` rows of context). `science` is 1 on science
 * pixels, 0 on reference pixels; `per_pixel` = `weights` holds `(ky·kx, rows, cols)` planes.
 * @param {Float32Array} data
 * @param {Uint8Array | number[]} science
 * @param {Float32Array | number[]} weights
 * @param {number} ky
 * @param {number} kx
 * @param {boolean} per_pixel
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applyIpc(data, science, weights, ky, kx, per_pixel, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val4 = +ky;
        const val5 = +kx;
        const val6 = +per_pixel;
        const val7 = +nints;
        const val8 = +ngroups;
        const val9 = +rows;
        const val10 = +cols;
        let ptr0, len0, ptr1, len1, ptr2, len2;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(science, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArrayF32ToWasm0(weights, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.applyIpc(retptr, ptr0, len0, data, ptr1, len1, ptr2, len2, val4, val5, val6, val7, val8, val9, val10);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `applyIpc` on a staged band, with `weights` as given (a 2-D kernel) when the f32 slot 1 (the
 * per-pixel kernel) is empty. Slots: f32 `[data, kernel]`, u8 `[science]`.
 * @param {Stage} stage
 * @param {Float32Array | number[]} weights
 * @param {number} ky
 * @param {number} kx
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applyIpcStaged(stage, weights, ky, kx, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        _assertClass(stage, Stage);
        const val2 = +ky;
        const val3 = +kx;
        const val4 = +nints;
        const val5 = +ngroups;
        const val6 = +rows;
        const val7 = +cols;
        const ptr0 = passArrayF32ToWasm0(weights, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        wasm.applyIpcStaged(retptr, stage.__wbg_ptr, ptr0, len0, val2, val3, val4, val5, val6, val7);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `jump` on one tile. `mode`: 0 skip (gain flags and clean-up only), 1 single pass,
 * 2 iterative, 3 after `applyJumpSigmaClip` (post-processing only). `thresholds` = [normal, three-group, four-group, min neighbour, max neighbour];
 * `after_jump` = [e1, n1, e2, n2]. `crs` receives the primary CR count per pixel.
 * @param {Float32Array | number[]} data
 * @param {Uint8Array} groupdq
 * @param {Uint32Array} pixeldq
 * @param {Float32Array | number[]} gain
 * @param {Float32Array | number[]} readnoise
 * @param {Uint32Array} crs
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 * @param {number} mode
 * @param {Float64Array | number[]} thresholds
 * @param {boolean} flag_4_neighbors
 * @param {number} nframes
 * @param {Float64Array | number[]} after_jump
 */
export function applyJump(data, groupdq, pixeldq, gain, readnoise, crs, nints, ngroups, rows, cols, mode, thresholds, flag_4_neighbors, nframes, after_jump) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val9 = +nints;
        const val10 = +ngroups;
        const val11 = +rows;
        const val12 = +cols;
        const val13 = +mode;
        const val14 = +flag_4_neighbors;
        const val15 = +nframes;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5, ptr6, len6, ptr7, len7;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray32ToWasm0(pixeldq, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArrayF32ToWasm0(gain, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passArrayF32ToWasm0(readnoise, wasm.__wbindgen_malloc);
            len4 = WASM_VECTOR_LEN;
            ptr5 = passArray32ToWasm0(crs, wasm.__wbindgen_malloc);
            len5 = WASM_VECTOR_LEN;
            ptr6 = passArrayF64ToWasm0(thresholds, wasm.__wbindgen_malloc);
            len6 = WASM_VECTOR_LEN;
            ptr7 = passArrayF64ToWasm0(after_jump, wasm.__wbindgen_malloc);
            len7 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr7) { wasm.__wbindgen_free(ptr7, len7 * 8, 8); }
            if (ptr6) { wasm.__wbindgen_free(ptr6, len6 * 8, 8); }
            if (ptr5) { wasm.__wbindgen_free(ptr5, len5 * 4, 4); }
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 4, 4); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 4, 4); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.applyJump(retptr, ptr0, len0, ptr1, len1, groupdq, ptr2, len2, pixeldq, ptr3, len3, ptr4, len4, ptr5, len5, crs, val9, val10, val11, val12, val13, ptr6, len6, val14, val15, ptr7, len7);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `applyJump`, then the MIRI showers' noise model of the same pixels on the flags it leaves
 * (`jump::detect_and_shower_noise`) into `median` and `sigma` `(rows, cols)`.
 * @param {Float32Array | number[]} data
 * @param {Uint8Array} groupdq
 * @param {Uint32Array} pixeldq
 * @param {Float32Array | number[]} gain
 * @param {Float32Array | number[]} readnoise
 * @param {Uint32Array} crs
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 * @param {number} mode
 * @param {Float64Array | number[]} thresholds
 * @param {boolean} flag_4_neighbors
 * @param {number} nframes
 * @param {Float64Array | number[]} after_jump
 * @param {Float32Array} median
 * @param {Float32Array} sigma
 */
export function applyJumpShowerNoise(data, groupdq, pixeldq, gain, readnoise, crs, nints, ngroups, rows, cols, mode, thresholds, flag_4_neighbors, nframes, after_jump, median, sigma) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val11 = +nints;
        const val12 = +ngroups;
        const val13 = +rows;
        const val14 = +cols;
        const val15 = +mode;
        const val16 = +flag_4_neighbors;
        const val17 = +nframes;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5, ptr6, len6, ptr7, len7, ptr8, len8, ptr9, len9;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray32ToWasm0(pixeldq, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArrayF32ToWasm0(gain, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passArrayF32ToWasm0(readnoise, wasm.__wbindgen_malloc);
            len4 = WASM_VECTOR_LEN;
            ptr5 = passArray32ToWasm0(crs, wasm.__wbindgen_malloc);
            len5 = WASM_VECTOR_LEN;
            ptr6 = passArrayF64ToWasm0(thresholds, wasm.__wbindgen_malloc);
            len6 = WASM_VECTOR_LEN;
            ptr7 = passArrayF64ToWasm0(after_jump, wasm.__wbindgen_malloc);
            len7 = WASM_VECTOR_LEN;
            ptr8 = passArrayF32ToWasm0(median, wasm.__wbindgen_malloc);
            len8 = WASM_VECTOR_LEN;
            ptr9 = passArrayF32ToWasm0(sigma, wasm.__wbindgen_malloc);
            len9 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr9) { wasm.__wbindgen_free(ptr9, len9 * 4, 4); }
            if (ptr8) { wasm.__wbindgen_free(ptr8, len8 * 4, 4); }
            if (ptr7) { wasm.__wbindgen_free(ptr7, len7 * 8, 8); }
            if (ptr6) { wasm.__wbindgen_free(ptr6, len6 * 8, 8); }
            if (ptr5) { wasm.__wbindgen_free(ptr5, len5 * 4, 4); }
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 4, 4); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 4, 4); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.applyJumpShowerNoise(retptr, ptr0, len0, ptr1, len1, groupdq, ptr2, len2, pixeldq, ptr3, len3, ptr4, len4, ptr5, len5, crs, val11, val12, val13, val14, val15, ptr6, len6, val16, val17, ptr7, len7, ptr8, len8, median, ptr9, len9, sigma);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `jump`'s sigma-clipping detector on one band of whole-exposure rows: JUMP in `groupdq`.
 * @param {Float32Array | number[]} data
 * @param {Uint8Array} groupdq
 * @param {Float32Array | number[]} gain
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 * @param {number} rejection_threshold
 * @param {boolean} only_use_ints
 */
export function applyJumpSigmaClip(data, groupdq, gain, nints, ngroups, rows, cols, rejection_threshold, only_use_ints) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val4 = +nints;
        const val5 = +ngroups;
        const val6 = +rows;
        const val7 = +cols;
        const val8 = +rejection_threshold;
        const val9 = +only_use_ints;
        let ptr0, len0, ptr1, len1, ptr2, len2;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArrayF32ToWasm0(gain, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.applyJumpSigmaClip(retptr, ptr0, len0, ptr1, len1, groupdq, ptr2, len2, val4, val5, val6, val7, val8, val9);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `applyJump` (or `applyJumpShowerNoise` when the f32 slots 3 and 4 are not empty) on a staged
 * band whose own rows are `core_row0..core_row0 + core_rows` (the others are halo: the showers'
 * noise is made for the band's own rows only). Slots: f32 `[data, gain, readnoise,
 * showerMedian, showerSigma]`, u8 `[groupdq]`, u32 `[pixeldq, crs]`.
 * @param {Stage} stage
 * @param {number} core_row0
 * @param {number} core_rows
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 * @param {number} mode
 * @param {Float64Array | number[]} thresholds
 * @param {boolean} flag_4_neighbors
 * @param {number} nframes
 * @param {Float64Array | number[]} after_jump
 */
export function applyJumpStaged(stage, core_row0, core_rows, nints, ngroups, rows, cols, mode, thresholds, flag_4_neighbors, nframes, after_jump) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        _assertClass(stage, Stage);
        const val3 = +core_row0;
        const val4 = +core_rows;
        const val5 = +nints;
        const val6 = +ngroups;
        const val7 = +rows;
        const val8 = +cols;
        const val9 = +mode;
        const val10 = +flag_4_neighbors;
        const val11 = +nframes;
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passArrayF64ToWasm0(thresholds, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArrayF64ToWasm0(after_jump, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 8, 8); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 8, 8); }
            throw e;
        }
        wasm.applyJumpStaged(retptr, stage.__wbg_ptr, val3, val4, val5, val6, val7, val8, val9, ptr0, len0, val10, val11, ptr1, len1);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * MIRI `lastframe` on one tile: DO_NOT_USE into the last group.
 * @param {Uint8Array} groupdq
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applyLastframe(groupdq, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val2 = +nints;
        const val3 = +ngroups;
        const val4 = +rows;
        const val5 = +cols;
        var ptr0 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
        var len0 = WASM_VECTOR_LEN;
        wasm.applyLastframe(retptr, ptr0, len0, groupdq, val2, val3, val4, val5);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * Names of the pixel DQ flags as the kernels know them, in bit order.
 * @param {Float32Array} data
 * @param {Float32Array} zeroframe
 * @param {Uint32Array} pixeldq
 * @param {Uint8Array | number[]} groupdq
 * @param {Float32Array | number[]} coeffs
 * @param {Float32Array | number[]} inv_coeffs
 * @param {Uint32Array | number[]} lin_dq
 * @param {number} ncoeffs
 * @param {number} nframes
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applyLinearity(data, zeroframe, pixeldq, groupdq, coeffs, inv_coeffs, lin_dq, ncoeffs, nframes, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val8 = +ncoeffs;
        const val9 = +nframes;
        const val10 = +nints;
        const val11 = +ngroups;
        const val12 = +rows;
        const val13 = +cols;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5, ptr6, len6;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArrayF32ToWasm0(zeroframe, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray32ToWasm0(pixeldq, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passArrayF32ToWasm0(coeffs, wasm.__wbindgen_malloc);
            len4 = WASM_VECTOR_LEN;
            ptr5 = passArrayF32ToWasm0(inv_coeffs, wasm.__wbindgen_malloc);
            len5 = WASM_VECTOR_LEN;
            ptr6 = passArray32ToWasm0(lin_dq, wasm.__wbindgen_malloc);
            len6 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr6) { wasm.__wbindgen_free(ptr6, len6 * 4, 4); }
            if (ptr5) { wasm.__wbindgen_free(ptr5, len5 * 4, 4); }
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 4, 4); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 1, 1); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.applyLinearity(retptr, ptr0, len0, data, ptr1, len1, zeroframe, ptr2, len2, pixeldq, ptr3, len3, ptr4, len4, ptr5, len5, ptr6, len6, val8, val9, val10, val11, val12, val13);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `applyLinearity` on a staged band. Slots: f32 `[data, zeroframe, coeffs, invCoeffs]`, u8
 * `[groupdq]`, u32 `[pixeldq, linDq]`.
 * @param {Stage} stage
 * @param {number} ncoeffs
 * @param {number} nframes
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applyLinearityStaged(stage, ncoeffs, nframes, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        _assertClass(stage, Stage);
        wasm.applyLinearityStaged(retptr, stage.__wbg_ptr, ncoeffs, nframes, nints, ngroups, rows, cols);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `persistence` flagging on one band; `window` (Unix seconds, 0 = none) is updated in place.
 * `dn_threshold` NaN means none (the kernel itself rejects NaN thresholds).
 * @param {Float32Array | number[]} data
 * @param {Uint8Array} groupdq
 * @param {Float64Array} window
 * @param {Float64Array | number[]} times
 * @param {number} persistence_time
 * @param {number} dn_threshold
 * @param {boolean} do_not_use
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applyPersistence(data, groupdq, window, times, persistence_time, dn_threshold, do_not_use, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val5 = +persistence_time;
        const val6 = +dn_threshold;
        const val7 = +do_not_use;
        const val8 = +nints;
        const val9 = +ngroups;
        const val10 = +rows;
        const val11 = +cols;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArrayF64ToWasm0(window, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArrayF64ToWasm0(times, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 8, 8); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 8, 8); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.applyPersistence(retptr, ptr0, len0, ptr1, len1, groupdq, ptr2, len2, window, ptr3, len3, val5, val6, val7, val8, val9, val10, val11);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * Per-pixel refpix correction of one band; see `refpix::Corrections`. `det_row` and `side`
 * are empty without a side correction.
 * @param {Float32Array} data
 * @param {Uint8Array | number[]} _class
 * @param {Uint16Array | number[]} det_row
 * @param {number} classes
 * @param {Uint8Array | number[]} wide
 * @param {Float64Array | number[]} values
 * @param {Uint8Array | number[]} kinds
 * @param {Float64Array | number[]} side
 * @param {number} side_rows
 * @param {number} side_gain
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applyRefpix(data, _class, det_row, classes, wide, values, kinds, side, side_rows, side_gain, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val8 = +classes;
        const val9 = +side_rows;
        const val10 = +side_gain;
        const val11 = +nints;
        const val12 = +ngroups;
        const val13 = +rows;
        const val14 = +cols;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5, ptr6, len6;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(_class, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray16ToWasm0(det_row, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArray8ToWasm0(wide, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passArrayF64ToWasm0(values, wasm.__wbindgen_malloc);
            len4 = WASM_VECTOR_LEN;
            ptr5 = passArray8ToWasm0(kinds, wasm.__wbindgen_malloc);
            len5 = WASM_VECTOR_LEN;
            ptr6 = passArrayF64ToWasm0(side, wasm.__wbindgen_malloc);
            len6 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr6) { wasm.__wbindgen_free(ptr6, len6 * 8, 8); }
            if (ptr5) { wasm.__wbindgen_free(ptr5, len5 * 1, 1); }
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 8, 8); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 1, 1); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 2, 2); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.applyRefpix(retptr, ptr0, len0, data, ptr1, len1, ptr2, len2, val8, ptr3, len3, ptr4, len4, ptr5, len5, ptr6, len6, val9, val10, val11, val12, val13, val14);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * MIRI full-frame `refpix` per-pixel part on one tile.
 * @param {Float32Array} data
 * @param {Uint8Array | number[]} _class
 * @param {number} classes
 * @param {Float64Array | number[]} values
 * @param {Uint8Array | number[]} kinds
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applyRefpixMiri(data, _class, classes, values, kinds, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val5 = +classes;
        const val6 = +nints;
        const val7 = +ngroups;
        const val8 = +rows;
        const val9 = +cols;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(_class, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArrayF64ToWasm0(values, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArray8ToWasm0(kinds, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 1, 1); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 8, 8); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.applyRefpixMiri(retptr, ptr0, len0, data, ptr1, len1, val5, ptr2, len2, ptr3, len3, val6, val7, val8, val9);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `applyRefpix` on a staged band. Slots: f32 `[data]`, u8 `[cls]`, u16 `[detRow]`.
 * @param {Stage} stage
 * @param {number} classes
 * @param {Uint8Array | number[]} wide
 * @param {Float64Array | number[]} values
 * @param {Uint8Array | number[]} kinds
 * @param {Float64Array | number[]} side
 * @param {number} side_rows
 * @param {number} side_gain
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applyRefpixStaged(stage, classes, wide, values, kinds, side, side_rows, side_gain, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        _assertClass(stage, Stage);
        const val5 = +classes;
        const val6 = +side_rows;
        const val7 = +side_gain;
        const val8 = +nints;
        const val9 = +ngroups;
        const val10 = +rows;
        const val11 = +cols;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3;
        try {
            ptr0 = passArray8ToWasm0(wide, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArrayF64ToWasm0(values, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray8ToWasm0(kinds, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArrayF64ToWasm0(side, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 8, 8); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 8, 8); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        wasm.applyRefpixStaged(retptr, stage.__wbg_ptr, val5, ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, val6, val7, val8, val9, val10, val11);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * MIRI `reset` on one tile: `reset` holds `planes` planes per reset integration passed,
 * `int_map` the reset integration of each science integration.
 * @param {Float32Array} data
 * @param {Uint32Array} pixeldq
 * @param {Float32Array | number[]} reset
 * @param {Uint32Array | number[]} reset_dq
 * @param {number} planes
 * @param {Uint32Array | number[]} int_map
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applyReset(data, pixeldq, reset, reset_dq, planes, int_map, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val6 = +planes;
        const val7 = +nints;
        const val8 = +ngroups;
        const val9 = +rows;
        const val10 = +cols;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray32ToWasm0(pixeldq, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArrayF32ToWasm0(reset, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArray32ToWasm0(reset_dq, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passArray32ToWasm0(int_map, wasm.__wbindgen_malloc);
            len4 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 4, 4); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 4, 4); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.applyReset(retptr, ptr0, len0, data, ptr1, len1, pixeldq, ptr2, len2, ptr3, len3, val6, ptr4, len4, val7, val8, val9, val10);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * MIRI `rscd` flagging on one tile. `ranges` = [skip, rounds] per range; `range_of` per
 * integration (255 = untouched).
 * @param {Uint8Array} groupdq
 * @param {Uint32Array} pixeldq
 * @param {Uint8Array} summary
 * @param {Uint32Array | number[]} ranges
 * @param {Uint8Array | number[]} range_of
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applyRscd(groupdq, pixeldq, summary, ranges, range_of, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val6 = +nints;
        const val7 = +ngroups;
        const val8 = +rows;
        const val9 = +cols;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4;
        try {
            ptr0 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray32ToWasm0(pixeldq, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray8ToWasm0(summary, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArray32ToWasm0(ranges, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passArray8ToWasm0(range_of, wasm.__wbindgen_malloc);
            len4 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 1, 1); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 4, 4); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        wasm.applyRscd(retptr, ptr0, len0, groupdq, ptr1, len1, pixeldq, ptr2, len2, summary, ptr3, len3, ptr4, len4, val6, val7, val8, val9);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `saturation` on one band (with `saturation::halo_rows` rows of context). `zeroframe` and
 * `bias` may be empty (absent); `nframes` = 0 means no read pattern (`use_readpatt` off).
 * @param {Float32Array | number[]} data
 * @param {Uint8Array} groupdq
 * @param {Uint32Array} pixeldq
 * @param {Float32Array} zeroframe
 * @param {Float32Array | number[]} thresh
 * @param {Uint32Array | number[]} sat_dq
 * @param {Float32Array | number[]} bias
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 * @param {number} n_pix_grow_sat
 * @param {number} nframes
 */
export function applySaturation(data, groupdq, pixeldq, zeroframe, thresh, sat_dq, bias, nints, ngroups, rows, cols, n_pix_grow_sat, nframes) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val8 = +nints;
        const val9 = +ngroups;
        const val10 = +rows;
        const val11 = +cols;
        const val12 = +n_pix_grow_sat;
        const val13 = +nframes;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5, ptr6, len6;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray32ToWasm0(pixeldq, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArrayF32ToWasm0(zeroframe, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passArrayF32ToWasm0(thresh, wasm.__wbindgen_malloc);
            len4 = WASM_VECTOR_LEN;
            ptr5 = passArray32ToWasm0(sat_dq, wasm.__wbindgen_malloc);
            len5 = WASM_VECTOR_LEN;
            ptr6 = passArrayF32ToWasm0(bias, wasm.__wbindgen_malloc);
            len6 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr6) { wasm.__wbindgen_free(ptr6, len6 * 4, 4); }
            if (ptr5) { wasm.__wbindgen_free(ptr5, len5 * 4, 4); }
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 4, 4); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 4, 4); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.applySaturation(retptr, ptr0, len0, ptr1, len1, groupdq, ptr2, len2, pixeldq, ptr3, len3, zeroframe, ptr4, len4, ptr5, len5, ptr6, len6, val8, val9, val10, val11, val12, val13);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `applySaturation` on a staged band. Slots: f32 `[data, zeroframe, thresh, bias]`, u8
 * `[groupdq]`, u32 `[pixeldq, satDq]`.
 * @param {Stage} stage
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 * @param {number} n_pix_grow_sat
 * @param {number} nframes
 */
export function applySaturationStaged(stage, nints, ngroups, rows, cols, n_pix_grow_sat, nframes) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        _assertClass(stage, Stage);
        wasm.applySaturationStaged(retptr, stage.__wbg_ptr, nints, ngroups, rows, cols, n_pix_grow_sat, nframes);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `superbias` on one tile. `zeroframe` may be empty (no ZEROFRAME in the exposure).
 * @param {Float32Array} data
 * @param {Float32Array} zeroframe
 * @param {Uint32Array} pixeldq
 * @param {Float32Array | number[]} bias
 * @param {Uint32Array | number[]} bias_dq
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applySuperbias(data, zeroframe, pixeldq, bias, bias_dq, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val6 = +nints;
        const val7 = +ngroups;
        const val8 = +rows;
        const val9 = +cols;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArrayF32ToWasm0(zeroframe, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray32ToWasm0(pixeldq, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArrayF32ToWasm0(bias, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passArray32ToWasm0(bias_dq, wasm.__wbindgen_malloc);
            len4 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 4, 4); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 4, 4); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.applySuperbias(retptr, ptr0, len0, data, ptr1, len1, zeroframe, ptr2, len2, pixeldq, ptr3, len3, ptr4, len4, val6, val7, val8, val9);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `applySuperbias` on a staged band. Slots: f32 `[data, zeroframe, bias]`, u32 `[pixeldq, biasDq]`.
 * @param {Stage} stage
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 */
export function applySuperbiasStaged(stage, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        _assertClass(stage, Stage);
        wasm.applySuperbiasStaged(retptr, stage.__wbg_ptr, nints, ngroups, rows, cols);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `clean_flicker_noise` `autoparam` statistics of a (flat-fielded) draft rate image for
 * NRC_IMAGE (`niriss` false) or NIS_IMAGE: mask fraction, max channel offset, max slope,
 * slope ratio, channel sigma.
 * @param {Float32Array | number[]} rate
 * @param {number} rows
 * @param {number} cols
 * @param {number} array_axis
 * @param {boolean} niriss
 * @returns {Float64Array}
 */
export function cleanFlickerAutoStatistics(rate, rows, cols, array_axis, niriss) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val2 = +rows;
        const val3 = +cols;
        const val4 = +array_axis;
        const val5 = +niriss;
        const ptr0 = passArrayF32ToWasm0(rate, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        wasm.cleanFlickerAutoStatistics(retptr, ptr0, len0, val2, val3, val4, val5);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        var r3 = getDataViewMemory0().getInt32(retptr + 4 * 3, true);
        if (r3) {
            throw takeFromExternrefTable0(r2);
        }
        var v6 = getArrayF64FromWasm0(r0, r1).slice();
        wasm.__wbindgen_free(r0, r1 * 8, 8);
        return v6;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `clean_flicker_noise` flat (rows x cols): zero and non-finite values replaced in place from
 * jwst's 'model' background of the others.
 * @param {Float32Array} flat
 * @param {number} rows
 * @param {number} cols
 */
export function cleanFlickerFillFlat(flat, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val2 = +rows;
        const val3 = +cols;
        var ptr0 = passArrayF32ToWasm0(flat, wasm.__wbindgen_malloc);
        var len0 = WASM_VECTOR_LEN;
        wasm.cleanFlickerFillFlat(retptr, ptr0, len0, flat, val2, val3);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `clean_flicker_noise` `median_image`: float64 scale factors from TSO aperture sums.
 * @param {Float64Array | number[]} fluxes
 * @returns {Float64Array}
 */
export function cleanFlickerFluxNorms(fluxes) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const ptr0 = passArrayF64ToWasm0(fluxes, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        wasm.cleanFlickerFluxNorms(retptr, ptr0, len0);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        var r3 = getDataViewMemory0().getInt32(retptr + 4 * 3, true);
        if (r3) {
            throw takeFromExternrefTable0(r2);
        }
        var v2 = getArrayF64FromWasm0(r0, r1).slice();
        wasm.__wbindgen_free(r0, r1 * 8, 8);
        return v2;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `clean_flicker_noise` of one integration, in place: the 'median' fit along `array_axis`, or
 * with `fft` NSClean (`nrs2`, `allslits` choose orientation and cut-offs). `background`: 0 none,
 * 1 'median', 2 'model' (photutils Background2D with boxes of `box_rows` x `box_cols`);
 * `flat` and `background_out` may be empty. Returns the 1-based
 * groups left as they were (no usable background pixel) and, negated, the group whose fit
 * failed (processing stops there).
 * @param {Float32Array} data
 * @param {Uint8Array | number[]} groupdq
 * @param {Uint8Array | number[]} scene_mask
 * @param {Float32Array | number[]} flat
 * @param {Float32Array} background_out
 * @param {number} background
 * @param {number} box_rows
 * @param {number} box_cols
 * @param {number} n_sigma
 * @param {number} array_axis
 * @param {boolean} by_channel
 * @param {boolean} fft
 * @param {boolean} nrs2
 * @param {boolean} allslits
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 * @returns {Int32Array}
 */
export function cleanFlickerIntegration(data, groupdq, scene_mask, flat, background_out, background, box_rows, box_cols, n_sigma, array_axis, by_channel, fft, nrs2, allslits, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val6 = +background;
        const val7 = +box_rows;
        const val8 = +box_cols;
        const val9 = +n_sigma;
        const val10 = +array_axis;
        const val11 = +by_channel;
        const val12 = +fft;
        const val13 = +nrs2;
        const val14 = +allslits;
        const val15 = +ngroups;
        const val16 = +rows;
        const val17 = +cols;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray8ToWasm0(scene_mask, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArrayF32ToWasm0(flat, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passArrayF32ToWasm0(background_out, wasm.__wbindgen_malloc);
            len4 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 4, 4); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 4, 4); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.cleanFlickerIntegration(retptr, ptr0, len0, data, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, background_out, val6, val7, val8, val9, val10, val11, val12, val13, val14, val15, val16, val17);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        var r3 = getDataViewMemory0().getInt32(retptr + 4 * 3, true);
        if (r3) {
            throw takeFromExternrefTable0(r2);
        }
        var v18 = getArrayI32FromWasm0(r0, r1).slice();
        wasm.__wbindgen_free(r0, r1 * 4, 4);
        return v18;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `clean_flicker_noise` of one integration with `median_image`, in place: each group less its
 * median image (`median_ramp` times `scale`, a float64 product when `wide`, else float32) is cleaned alone ('median' fit, or NSClean with `fft`). Returns the skipped groups
 * and, negated, the failed one, as `cleanFlickerIntegration`.
 * @param {Float32Array} data
 * @param {Float32Array | number[]} median_ramp
 * @param {number} scale
 * @param {boolean} wide
 * @param {Uint8Array | number[]} scene_mask
 * @param {Float32Array | number[]} flat
 * @param {Float32Array} background_out
 * @param {number} array_axis
 * @param {boolean} by_channel
 * @param {boolean} fft
 * @param {boolean} nrs2
 * @param {boolean} allslits
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 * @returns {Int32Array}
 */
export function cleanFlickerIntegrationMedianImage(data, median_ramp, scale, wide, scene_mask, flat, background_out, array_axis, by_channel, fft, nrs2, allslits, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val6 = +scale;
        const val7 = +wide;
        const val8 = +array_axis;
        const val9 = +by_channel;
        const val10 = +fft;
        const val11 = +nrs2;
        const val12 = +allslits;
        const val13 = +ngroups;
        const val14 = +rows;
        const val15 = +cols;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArrayF32ToWasm0(median_ramp, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray8ToWasm0(scene_mask, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArrayF32ToWasm0(flat, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passArrayF32ToWasm0(background_out, wasm.__wbindgen_malloc);
            len4 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 4, 4); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 4, 4); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.cleanFlickerIntegrationMedianImage(retptr, ptr0, len0, data, ptr1, len1, val6, val7, ptr2, len2, ptr3, len3, ptr4, len4, background_out, val8, val9, val10, val11, val12, val13, val14, val15);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        var r3 = getDataViewMemory0().getInt32(retptr + 4 * 3, true);
        if (r3) {
            throw takeFromExternrefTable0(r2);
        }
        var v16 = getArrayI32FromWasm0(r0, r1).slice();
        wasm.__wbindgen_free(r0, r1 * 4, 4);
        return v16;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `clean_flicker_noise` `median_image`: the median ramp `(ngroups, plane)` over integrations.
 * @param {Float32Array | number[]} data
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} plane
 * @returns {Float32Array}
 */
export function cleanFlickerMedianRamp(data, nints, ngroups, plane) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val2 = +nints;
        const val3 = +ngroups;
        const val4 = +plane;
        const ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        wasm.cleanFlickerMedianRamp(retptr, ptr0, len0, val2, val3, val4);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        var r3 = getDataViewMemory0().getInt32(retptr + 4 * 3, true);
        if (r3) {
            throw takeFromExternrefTable0(r2);
        }
        var v5 = getArrayF32FromWasm0(r0, r1).slice();
        wasm.__wbindgen_free(r0, r1 * 4, 4);
        return v5;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `clean_flicker_noise` `median_image`: float32 scale factors from the draft `rateints` medians.
 * @param {Float32Array | number[]} rateints
 * @param {number} nints
 * @param {number} plane
 * @returns {Float32Array}
 */
export function cleanFlickerRateNorms(rateints, nints, plane) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val2 = +nints;
        const val3 = +plane;
        const ptr0 = passArrayF32ToWasm0(rateints, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        wasm.cleanFlickerRateNorms(retptr, ptr0, len0, val2, val3);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        var r3 = getDataViewMemory0().getInt32(retptr + 4 * 3, true);
        if (r3) {
            throw takeFromExternrefTable0(r2);
        }
        var v4 = getArrayF32FromWasm0(r0, r1).slice();
        wasm.__wbindgen_free(r0, r1 * 4, 4);
        return v4;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `clean_flicker_noise` scene mask of a draft rate (`nplanes` planes), in place; with
 * `fit_histogram` the clip levels come from jwst's Gaussian fit to a histogram.
 * @param {Float32Array | number[]} rate
 * @param {Uint8Array} mask
 * @param {number} nplanes
 * @param {number} rows
 * @param {number} cols
 * @param {number} n_sigma
 * @param {boolean} fit_histogram
 */
export function cleanFlickerSceneMask(rate, mask, nplanes, rows, cols, n_sigma, fit_histogram) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val3 = +nplanes;
        const val4 = +rows;
        const val5 = +cols;
        const val6 = +n_sigma;
        const val7 = +fit_histogram;
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passArrayF32ToWasm0(rate, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(mask, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.cleanFlickerSceneMask(retptr, ptr0, len0, ptr1, len1, mask, val3, val4, val5, val6, val7);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * FITS 16-bit pixels into float32 values (BZERO 0, or 32768 when `unsigned`); `stored` holds
 * the file's big-endian words as a little-endian machine loads them when `swapped`.
 * @param {Uint16Array | number[]} stored
 * @param {Float32Array} out
 * @param {boolean} unsigned
 * @param {boolean} swapped
 */
export function decodeInt16(stored, out, unsigned, swapped) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val3 = +unsigned;
        const val4 = +swapped;
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passArray16ToWasm0(stored, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArrayF32ToWasm0(out, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 2, 2); }
            throw e;
        }
        wasm.decodeInt16(retptr, ptr0, len0, ptr1, len1, out, val3, val4);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `decodeInt16` on a staged band. Slots: u16 `[stored]`, f32 `[out]` (written whole).
 * @param {Stage} stage
 * @param {boolean} unsigned
 * @param {boolean} swapped
 */
export function decodeInt16Staged(stage, unsigned, swapped) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        _assertClass(stage, Stage);
        wasm.decodeInt16Staged(retptr, stage.__wbg_ptr, unsigned, swapped);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `emicorr` (joint): quiet pixels' ramps summed by phase bin, `y` `(nints, nbins, ngroups)`
 * followed by the counts `n` `(nints, nbins)`, in one array.
 * @param {Float32Array | number[]} data
 * @param {Uint32Array | number[]} pixeldq
 * @param {number} nsamples
 * @param {number} rowclocks
 * @param {number} period
 * @param {number} nbins
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 * @returns {Float64Array}
 */
export function emicorrBin(data, pixeldq, nsamples, rowclocks, period, nbins, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val3 = +nsamples;
        const val4 = +rowclocks;
        const val5 = +period;
        const val6 = +nbins;
        const val7 = +nints;
        const val8 = +ngroups;
        const val9 = +rows;
        const val10 = +cols;
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray32ToWasm0(pixeldq, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.emicorrBin(retptr, ptr0, len0, ptr1, len1, val3, val4, val5, val6, val7, val8, val9, val10);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        var r3 = getDataViewMemory0().getInt32(retptr + 4 * 3, true);
        if (r3) {
            throw takeFromExternrefTable0(r2);
        }
        var v11 = getArrayF64FromWasm0(r0, r1).slice();
        wasm.__wbindgen_free(r0, r1 * 8, 8);
        return v11;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `emicorr` (joint) fit: per integration, [phase offset, amplitude].
 * @param {Float64Array | number[]} y
 * @param {Float64Array | number[]} n
 * @param {Float64Array | number[]} wave
 * @param {number} nints
 * @param {number} nbins
 * @param {number} ngroups
 * @param {number} nsamples
 * @param {number} rowclocks
 * @param {number} frameclocks
 * @param {number} period
 * @param {number} ny
 * @param {boolean} separately
 * @returns {Float64Array}
 */
export function emicorrFit(y, n, wave, nints, nbins, ngroups, nsamples, rowclocks, frameclocks, period, ny, separately) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val4 = +nints;
        const val5 = +nbins;
        const val6 = +ngroups;
        const val7 = +nsamples;
        const val8 = +rowclocks;
        const val9 = +frameclocks;
        const val10 = +period;
        const val11 = +ny;
        const val12 = +separately;
        let ptr0, len0, ptr1, len1, ptr2, len2;
        try {
            ptr0 = passArrayF64ToWasm0(y, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArrayF64ToWasm0(n, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArrayF64ToWasm0(wave, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 8, 8); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 8, 8); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 8, 8); }
            throw e;
        }
        wasm.emicorrFit(retptr, ptr0, len0, ptr1, len1, ptr2, len2, val4, val5, val6, val7, val8, val9, val10, val11, val12);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        var r3 = getDataViewMemory0().getInt32(retptr + 4 * 3, true);
        if (r3) {
            throw takeFromExternrefTable0(r2);
        }
        var v13 = getArrayF64FromWasm0(r0, r1).slice();
        wasm.__wbindgen_free(r0, r1 * 8, 8);
        return v13;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `emicorr` 'sequential' for one frequency on the whole exposure, in place. `params` =
 * [nsamples, rowclocks, frameclocks, reset_frame (0/1), period, xsize, xstart, nints_to_phase,
 * nbins, scale_reference (0/1)]; `reference` empty = use the data's own binned wave. Returns
 * the binned wave.
 * @param {Float32Array} data
 * @param {Float64Array | number[]} params
 * @param {Float32Array | number[]} reference
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 * @returns {Float64Array}
 */
export function emicorrSequential(data, params, reference, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val4 = +nints;
        const val5 = +ngroups;
        const val6 = +rows;
        const val7 = +cols;
        let ptr0, len0, ptr1, len1, ptr2, len2;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArrayF64ToWasm0(params, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArrayF32ToWasm0(reference, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 8, 8); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.emicorrSequential(retptr, ptr0, len0, data, ptr1, len1, ptr2, len2, val4, val5, val6, val7);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        var r3 = getDataViewMemory0().getInt32(retptr + 4 * 3, true);
        if (r3) {
            throw takeFromExternrefTable0(r2);
        }
        var v8 = getArrayF64FromWasm0(r0, r1).slice();
        wasm.__wbindgen_free(r0, r1 * 8, 8);
        return v8;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * 32-bit FITS pixels into their big-endian bytes, returning the ones'-complement sum of those
 * words (`flip` 0x80000000 for unsigned words, else 0). Slots: u32 `[words]`, u8 `[bytes]`.
 * @param {Stage} stage
 * @param {number} flip
 * @returns {number}
 */
export function encodeFitsWordsStaged(stage, flip) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        _assertClass(stage, Stage);
        wasm.encodeFitsWordsStaged(retptr, stage.__wbg_ptr, flip);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        if (r2) {
            throw takeFromExternrefTable0(r1);
        }
        return r0 >>> 0;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * Shower search and flags of whole integrations given the exposure's noise model
 * (`jump_showers::flag_with_noise`). `values` = [extend_snr_threshold, min_area, inner_radius,
 * ring_width, expand_ratio, max_extended_width, max_shower_amplitude]. Returns the shower count.
 * @param {Float32Array | number[]} data
 * @param {Uint8Array} groupdq
 * @param {Uint32Array | number[]} pixeldq
 * @param {Float32Array | number[]} gain
 * @param {Float32Array | number[]} median
 * @param {Float32Array | number[]} sigma
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 * @param {Float64Array | number[]} values
 * @param {number} groups_masked_after
 * @param {number} nframes
 * @returns {number}
 */
export function flagShowersWithNoise(data, groupdq, pixeldq, gain, median, sigma, nints, ngroups, rows, cols, values, groups_masked_after, nframes) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val8 = +nints;
        const val9 = +ngroups;
        const val10 = +rows;
        const val11 = +cols;
        const val12 = +groups_masked_after;
        const val13 = +nframes;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5, ptr6, len6;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray32ToWasm0(pixeldq, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArrayF32ToWasm0(gain, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passArrayF32ToWasm0(median, wasm.__wbindgen_malloc);
            len4 = WASM_VECTOR_LEN;
            ptr5 = passArrayF32ToWasm0(sigma, wasm.__wbindgen_malloc);
            len5 = WASM_VECTOR_LEN;
            ptr6 = passArrayF64ToWasm0(values, wasm.__wbindgen_malloc);
            len6 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr6) { wasm.__wbindgen_free(ptr6, len6 * 8, 8); }
            if (ptr5) { wasm.__wbindgen_free(ptr5, len5 * 4, 4); }
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 4, 4); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 4, 4); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.flagShowersWithNoise(retptr, ptr0, len0, ptr1, len1, groupdq, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5, val8, val9, val10, val11, ptr6, len6, val12, val13);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        if (r2) {
            throw takeFromExternrefTable0(r1);
        }
        return r0 >>> 0;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * Snowball flagging on a whole exposure's GROUPDQ (`jump_snowballs::flag`). `values` =
 * [min_sat_area, min_jump_area, expand_factor, min_sat_radius_extend, sat_expand, edge_size,
 * max_extended_width]; `persist_groups` 0 turns the next-integration cores off. `cores_before`
 * may be empty; `cores_after` receives the last integration's cores. Returns the snowball count.
 * @param {Uint8Array} groupdq
 * @param {Uint8Array | number[]} cores_before
 * @param {Uint8Array} cores_after
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 * @param {Float64Array | number[]} values
 * @param {boolean} sat_required
 * @param {number} persist_groups
 * @returns {number}
 */
export function flagSnowballs(groupdq, cores_before, cores_after, nints, ngroups, rows, cols, values, sat_required, persist_groups) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val5 = +nints;
        const val6 = +ngroups;
        const val7 = +rows;
        const val8 = +cols;
        const val9 = +sat_required;
        const val10 = +persist_groups;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3;
        try {
            ptr0 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(cores_before, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray8ToWasm0(cores_after, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArrayF64ToWasm0(values, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 8, 8); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        wasm.flagSnowballs(retptr, ptr0, len0, groupdq, ptr1, len1, ptr2, len2, cores_after, val5, val6, val7, val8, ptr3, len3, val9, val10);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        if (r2) {
            throw takeFromExternrefTable0(r1);
        }
        return r0 >>> 0;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * Names of the flags that are valid in GROUPDQ.
 * @returns {string[]}
 */
export function groupFlagNames() {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        wasm.groupFlagNames(retptr);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var v1 = getArrayJsValueFromWasm0(r0, r1);
        wasm.__wbindgen_free(r0, r1 * 4, 4);
        return v1;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * jwst `flag_bad_refpix` statistics for one integration `(ngroups, rows, cols)` (DMS, rows are
 * the 3200 axis): 1 for rows that are bad (`initial_bad` included).
 * @param {Float32Array | number[]} cube
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 * @param {number} scipix_n
 * @param {number} refpix_r
 * @param {Uint8Array | number[]} initial_bad
 * @param {number} n_sigma
 * @returns {Uint8Array}
 */
export function irs2FlagIntermittentPairs(cube, ngroups, rows, cols, scipix_n, refpix_r, initial_bad, n_sigma) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val3 = +ngroups;
        const val4 = +rows;
        const val5 = +cols;
        const val6 = +scipix_n;
        const val7 = +refpix_r;
        const val8 = +n_sigma;
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passArrayF32ToWasm0(cube, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(initial_bad, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.irs2FlagIntermittentPairs(retptr, ptr0, len0, val3, val4, val5, val6, val7, ptr1, len1, val8);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        var r3 = getDataViewMemory0().getInt32(retptr + 4 * 3, true);
        if (r3) {
            throw takeFromExternrefTable0(r2);
        }
        var v9 = getArrayU8FromWasm0(r0, r1).slice();
        wasm.__wbindgen_free(r0, r1 * 1, 1);
        return v9;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * jwst `irs2_flag_saturation` on one integration's normal pixels `(ngroups, rows, cols)`: the
 * GROUPDQ bits to OR into each group. `bias` may be empty; `nframes` 0 = no use_readpatt.
 * @param {Float32Array | number[]} data
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 * @param {Float32Array | number[]} thresh
 * @param {Float32Array | number[]} bias
 * @param {number} n_pix_grow_sat
 * @param {number} nframes
 * @returns {Uint8Array}
 */
export function irs2SaturationFlags(data, ngroups, rows, cols, thresh, bias, n_pix_grow_sat, nframes) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val4 = +ngroups;
        const val5 = +rows;
        const val6 = +cols;
        const val7 = +n_pix_grow_sat;
        const val8 = +nframes;
        let ptr0, len0, ptr1, len1, ptr2, len2;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArrayF32ToWasm0(thresh, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArrayF32ToWasm0(bias, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.irs2SaturationFlags(retptr, ptr0, len0, val4, val5, val6, ptr1, len1, ptr2, len2, val7, val8);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        var r3 = getDataViewMemory0().getInt32(retptr + 4 * 3, true);
        if (r3) {
            throw takeFromExternrefTable0(r2);
        }
        var v9 = getArrayU8FromWasm0(r0, r1).slice();
        wasm.__wbindgen_free(r0, r1 * 1, 1);
        return v9;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * jwst `irs2_mean_subtraction` on one DMS IRS2 group `plane` `(nx, ny)`, in place: the
 * top/bottom reference means of each of the 5 sectors (odd/even columns when asked) subtracted.
 * @param {Float32Array} plane
 * @param {Uint32Array | number[]} pixeldq
 * @param {number} nx
 * @param {number} ny
 * @param {number} scipix_n
 * @param {number} refpix_r
 * @param {boolean} odd_even_columns
 * @param {number} siglimit
 * @param {boolean} fast_reversed
 * @param {boolean} slow_reversed
 */
export function irs2SubtractGroupMeans(plane, pixeldq, nx, ny, scipix_n, refpix_r, odd_even_columns, siglimit, fast_reversed, slow_reversed) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val3 = +nx;
        const val4 = +ny;
        const val5 = +scipix_n;
        const val6 = +refpix_r;
        const val7 = +odd_even_columns;
        const val8 = +siglimit;
        const val9 = +fast_reversed;
        const val10 = +slow_reversed;
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passArrayF32ToWasm0(plane, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray32ToWasm0(pixeldq, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.irs2SubtractGroupMeans(retptr, ptr0, len0, plane, ptr1, len1, val3, val4, val5, val6, val7, val8, val9, val10);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * Ramp fitting (LIKELY) of one tile. `zeroframe` and `dark` may be empty (absent).
 * `read_times` holds the frame times (s) of every group back to back, `reads_per_group` how
 * many belong to each group; `ints` = [nframes, first_group, last_group] (`last_group` >=
 * ngroups for "none"). The output has rate, rateints and `chisq`.
 * @param {Float32Array | number[]} data
 * @param {Uint8Array | number[]} groupdq
 * @param {Uint32Array | number[]} pixeldq
 * @param {Float32Array | number[]} gain
 * @param {Float32Array | number[]} readnoise
 * @param {Float32Array | number[]} zeroframe
 * @param {Float32Array | number[]} dark
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 * @param {Float64Array | number[]} read_times
 * @param {Uint32Array | number[]} reads_per_group
 * @param {Uint32Array | number[]} ints
 * @returns {RampFitTileOutput}
 */
export function likelyFitTile(data, groupdq, pixeldq, gain, readnoise, zeroframe, dark, nints, ngroups, rows, cols, read_times, reads_per_group, ints) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val11 = +nints;
        const val12 = +ngroups;
        const val13 = +rows;
        const val14 = +cols;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5, ptr6, len6, ptr7, len7, ptr8, len8, ptr9, len9;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray32ToWasm0(pixeldq, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArrayF32ToWasm0(gain, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passArrayF32ToWasm0(readnoise, wasm.__wbindgen_malloc);
            len4 = WASM_VECTOR_LEN;
            ptr5 = passArrayF32ToWasm0(zeroframe, wasm.__wbindgen_malloc);
            len5 = WASM_VECTOR_LEN;
            ptr6 = passArrayF32ToWasm0(dark, wasm.__wbindgen_malloc);
            len6 = WASM_VECTOR_LEN;
            ptr7 = passArrayF64ToWasm0(read_times, wasm.__wbindgen_malloc);
            len7 = WASM_VECTOR_LEN;
            ptr8 = passArray32ToWasm0(reads_per_group, wasm.__wbindgen_malloc);
            len8 = WASM_VECTOR_LEN;
            ptr9 = passArray32ToWasm0(ints, wasm.__wbindgen_malloc);
            len9 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr9) { wasm.__wbindgen_free(ptr9, len9 * 4, 4); }
            if (ptr8) { wasm.__wbindgen_free(ptr8, len8 * 4, 4); }
            if (ptr7) { wasm.__wbindgen_free(ptr7, len7 * 8, 8); }
            if (ptr6) { wasm.__wbindgen_free(ptr6, len6 * 4, 4); }
            if (ptr5) { wasm.__wbindgen_free(ptr5, len5 * 4, 4); }
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 4, 4); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 4, 4); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.likelyFitTile(retptr, ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5, ptr6, len6, val11, val12, val13, val14, ptr7, len7, ptr8, len8, ptr9, len9);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        if (r2) {
            throw takeFromExternrefTable0(r1);
        }
        return RampFitTileOutput.__wrap(r0);
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `picture_frame` correction of one integration `(ngroups, plane)`, in place.
 * @param {Float32Array} data
 * @param {number} ngroups
 * @param {number} plane
 * @param {Float32Array | number[]} reference
 * @param {Uint8Array | number[]} centre
 * @param {Uint8Array | number[]} edge
 */
export function pictureFrameIntegration(data, ngroups, plane, reference, centre, edge) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val5 = +ngroups;
        const val6 = +plane;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArrayF32ToWasm0(reference, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray8ToWasm0(centre, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArray8ToWasm0(edge, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 1, 1); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.pictureFrameIntegration(retptr, ptr0, len0, data, val5, val6, ptr1, len1, ptr2, len2, ptr3, len3);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * @returns {string[]}
 */
export function pixelFlagNames() {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        wasm.pixelFlagNames(retptr);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var v1 = getArrayJsValueFromWasm0(r0, r1);
        wasm.__wbindgen_free(r0, r1 * 4, 4);
        return v1;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * Values of the pixel DQ flags, parallel to `pixelFlagNames()`.
 * @returns {Uint32Array}
 */
export function pixelFlagValues() {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        wasm.pixelFlagValues(retptr);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var v1 = getArrayU32FromWasm0(r0, r1).slice();
        wasm.__wbindgen_free(r0, r1 * 4, 4);
        return v1;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * Block average by an integer factor: the `(ceil(rows / factor), ceil(cols / factor))` image.
 * @param {Float32Array | number[]} values
 * @param {number} rows
 * @param {number} cols
 * @param {number} factor
 * @returns {Float32Array}
 */
export function previewBlockAverage(values, rows, cols, factor) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val2 = +rows;
        const val3 = +cols;
        const val4 = +factor;
        const ptr0 = passArrayF32ToWasm0(values, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        wasm.previewBlockAverage(retptr, ptr0, len0, val2, val3, val4);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        var r3 = getDataViewMemory0().getInt32(retptr + 4 * 3, true);
        if (r3) {
            throw takeFromExternrefTable0(r2);
        }
        var v5 = getArrayF32FromWasm0(r0, r1).slice();
        wasm.__wbindgen_free(r0, r1 * 4, 4);
        return v5;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * Display limits `[vmin, vmax]` of the finite pixels. `interval` = "zscale" (with
 * `zscale` = [n_samples, contrast, max_reject, min_npixels, krej, max_iterations]),
 * "minmax", or "percentile" (keeping the central `percentile` %).
 * @param {Float32Array | number[]} values
 * @param {string} interval
 * @param {Float64Array | number[]} zscale
 * @param {number} percentile
 * @returns {Float64Array}
 */
export function previewLimits(values, interval, zscale, percentile) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val4 = +percentile;
        let ptr0, len0, ptr1, len1, ptr2, len2;
        try {
            ptr0 = passArrayF32ToWasm0(values, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passStringToWasm0(interval, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArrayF64ToWasm0(zscale, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 8, 8); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.previewLimits(retptr, ptr0, len0, ptr1, len1, ptr2, len2, val4);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        var r3 = getDataViewMemory0().getInt32(retptr + 4 * 3, true);
        if (r3) {
            throw takeFromExternrefTable0(r2);
        }
        var v5 = getArrayF64FromWasm0(r0, r1).slice();
        wasm.__wbindgen_free(r0, r1 * 8, 8);
        return v5;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * @param {Float32Array | number[]} values
 * @returns {number}
 */
export function previewNanCount(values) {
    const ptr0 = passArrayF32ToWasm0(values, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.previewNanCount(ptr0, len0);
    return ret >>> 0;
}

/**
 * Top-down 8-bit scanlines (gray or RGB by `channels`). `stretch` = "linear" or "asinh" (with
 * softening `asinh_a`); `nan_color` = [r, g, b].
 * @param {Float32Array | number[]} values
 * @param {number} rows
 * @param {number} cols
 * @param {number} vmin
 * @param {number} vmax
 * @param {string} stretch
 * @param {number} asinh_a
 * @param {Uint8Array | number[]} nan_color
 * @param {number} channels
 * @returns {Uint8Array}
 */
export function previewRender(values, rows, cols, vmin, vmax, stretch, asinh_a, nan_color, channels) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val4 = +rows;
        const val5 = +cols;
        const val6 = +vmin;
        const val7 = +vmax;
        const val8 = +asinh_a;
        const val9 = +channels;
        let ptr0, len0, ptr1, len1, ptr2, len2;
        try {
            ptr0 = passArrayF32ToWasm0(values, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passStringToWasm0(stretch, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray8ToWasm0(nan_color, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 1, 1); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.previewRender(retptr, ptr0, len0, val4, val5, val6, val7, ptr1, len1, val8, ptr2, len2, val9);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        var r3 = getDataViewMemory0().getInt32(retptr + 4 * 3, true);
        if (r3) {
            throw takeFromExternrefTable0(r2);
        }
        var v10 = getArrayU8FromWasm0(r0, r1).slice();
        wasm.__wbindgen_free(r0, r1 * 1, 1);
        return v10;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `rampFitTile` of rows `own_row0..own_row0 + own_rows` of a staged band of `rows` rows, read
 * where they lie (no copy). Slots: f32 `[data, gain, readnoise, averageDarkCurrent]` (the last
 * may be empty), u8 `[groupdq]`, u32 `[pixeldq]`, all of the band.
 * @param {Stage} stage
 * @param {number} own_row0
 * @param {number} own_rows
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 * @param {Float32Array | number[]} times
 * @param {Uint32Array | number[]} ints
 * @param {number} flags
 * @returns {RampFitTileOutput}
 */
export function rampFitStaged(stage, own_row0, own_rows, nints, ngroups, rows, cols, times, ints, flags) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        _assertClass(stage, Stage);
        const val3 = +own_row0;
        const val4 = +own_rows;
        const val5 = +nints;
        const val6 = +ngroups;
        const val7 = +rows;
        const val8 = +cols;
        const val9 = +flags;
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passArrayF32ToWasm0(times, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray32ToWasm0(ints, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.rampFitStaged(retptr, stage.__wbg_ptr, val3, val4, val5, val6, val7, val8, ptr0, len0, ptr1, len1, val9);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        if (r2) {
            throw takeFromExternrefTable0(r1);
        }
        return RampFitTileOutput.__wrap(r0);
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * Ramp fitting (OLS_C) of one tile. `zeroframe` and `dark` may be empty (absent).
 * `times` = [frame_time, group_time] (float32 seconds); `ints` = [nframes, groupgap,
 * drop_frames1, first_group, last_group, group_start, group_stop]; `flags` = bit 0
 * suppress_one_group, bit 1 save_opt, bit 2 clear_first_jump. `last_group` may be any
 * value >= ngroups for "none".
 * @param {Float32Array | number[]} data
 * @param {Uint8Array | number[]} groupdq
 * @param {Uint32Array | number[]} pixeldq
 * @param {Float32Array | number[]} gain
 * @param {Float32Array | number[]} readnoise
 * @param {Float32Array | number[]} zeroframe
 * @param {Float32Array | number[]} dark
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 * @param {Float32Array | number[]} times
 * @param {Uint32Array | number[]} ints
 * @param {number} flags
 * @returns {RampFitTileOutput}
 */
export function rampFitTile(data, groupdq, pixeldq, gain, readnoise, zeroframe, dark, nints, ngroups, rows, cols, times, ints, flags) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val10 = +nints;
        const val11 = +ngroups;
        const val12 = +rows;
        const val13 = +cols;
        const val14 = +flags;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5, ptr6, len6, ptr7, len7, ptr8, len8;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray32ToWasm0(pixeldq, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArrayF32ToWasm0(gain, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passArrayF32ToWasm0(readnoise, wasm.__wbindgen_malloc);
            len4 = WASM_VECTOR_LEN;
            ptr5 = passArrayF32ToWasm0(zeroframe, wasm.__wbindgen_malloc);
            len5 = WASM_VECTOR_LEN;
            ptr6 = passArrayF32ToWasm0(dark, wasm.__wbindgen_malloc);
            len6 = WASM_VECTOR_LEN;
            ptr7 = passArrayF32ToWasm0(times, wasm.__wbindgen_malloc);
            len7 = WASM_VECTOR_LEN;
            ptr8 = passArray32ToWasm0(ints, wasm.__wbindgen_malloc);
            len8 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr8) { wasm.__wbindgen_free(ptr8, len8 * 4, 4); }
            if (ptr7) { wasm.__wbindgen_free(ptr7, len7 * 4, 4); }
            if (ptr6) { wasm.__wbindgen_free(ptr6, len6 * 4, 4); }
            if (ptr5) { wasm.__wbindgen_free(ptr5, len5 * 4, 4); }
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 4, 4); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 4, 4); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.rampFitTile(retptr, ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5, ptr6, len6, val10, val11, val12, val13, ptr7, len7, ptr8, len8, val14);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        if (r2) {
            throw takeFromExternrefTable0(r1);
        }
        return RampFitTileOutput.__wrap(r0);
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * Sigma-clipped mean of good reference values in array order, in float32 or (`wide`) float64
 * arithmetic: `[]` for none, else `[value, 1 if float64]`.
 * @param {Float32Array | number[]} values
 * @param {boolean} wide
 * @param {number} siglimit
 * @returns {Float64Array}
 */
export function refpixClippedMean(values, wide, siglimit) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val2 = +wide;
        const val3 = +siglimit;
        const ptr0 = passArrayF32ToWasm0(values, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        wasm.refpixClippedMean(retptr, ptr0, len0, val2, val3);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var v4 = getArrayF64FromWasm0(r0, r1).slice();
        wasm.__wbindgen_free(r0, r1 * 8, 8);
        return v4;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * One group's full-frame statistics (`refpix::four_amp_group`) of an `n` x `n` detector:
 * `[value; 8]` and `[kind; 8]` by class (kind 0 none, 1 float32, 2 float64), then, with side
 * reference pixels, the `n` side values by detector row.
 * @param {Float32Array | number[]} plane
 * @param {Int32Array | number[]} at
 * @param {Uint32Array | number[]} dq
 * @param {number} n
 * @param {boolean} odd_even_columns
 * @param {boolean} use_side_ref_pixels
 * @param {number} siglimit
 * @param {number} side_smoothing_length
 * @param {boolean} wide
 * @returns {Float64Array}
 */
export function refpixFourAmpGroup(plane, at, dq, n, odd_even_columns, use_side_ref_pixels, siglimit, side_smoothing_length, wide) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val4 = +n;
        const val5 = +odd_even_columns;
        const val6 = +use_side_ref_pixels;
        const val7 = +siglimit;
        const val8 = +side_smoothing_length;
        const val9 = +wide;
        let ptr0, len0, ptr1, len1, ptr2, len2;
        try {
            ptr0 = passArrayF32ToWasm0(plane, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray32ToWasm0(at, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArray32ToWasm0(dq, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.refpixFourAmpGroup(retptr, ptr0, len0, ptr1, len1, ptr2, len2, val4, val5, val6, val7, val8, val9);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        var r3 = getDataViewMemory0().getInt32(retptr + 4 * 3, true);
        if (r3) {
            throw takeFromExternrefTable0(r2);
        }
        var v10 = getArrayF64FromWasm0(r0, r1).slice();
        wasm.__wbindgen_free(r0, r1 * 8, 8);
        return v10;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * Rounds of jwst's RSCD back-off loop over integrations `first_int..end_int` (whole range).
 * @param {Uint8Array | number[]} groupdq
 * @param {number} first_int
 * @param {number} end_int
 * @param {number} skip
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 * @returns {number}
 */
export function rscdBackoffRounds(groupdq, first_int, end_int, skip, nints, ngroups, rows, cols) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val2 = +first_int;
        const val3 = +end_int;
        const val4 = +skip;
        const val5 = +nints;
        const val6 = +ngroups;
        const val7 = +rows;
        const val8 = +cols;
        const ptr0 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        wasm.rscdBackoffRounds(retptr, ptr0, len0, val2, val3, val4, val5, val6, val7, val8);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        if (r2) {
            throw takeFromExternrefTable0(r1);
        }
        return r0 >>> 0;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * The sigma-clipped shower noise model of a band of rows (`jump_showers::clipped_noise`), for
 * `minimum_sigclip_groups` integrations or more, into `median` and `sigma` `(ngroups - 1, rows, cols)`.
 * @param {Float32Array | number[]} data
 * @param {Uint8Array | number[]} groupdq
 * @param {Float32Array | number[]} gain
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 * @param {Float32Array} median
 * @param {Float32Array} sigma
 */
export function showerClippedNoise(data, groupdq, gain, nints, ngroups, rows, cols, median, sigma) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val6 = +nints;
        const val7 = +ngroups;
        const val8 = +rows;
        const val9 = +cols;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArrayF32ToWasm0(gain, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArrayF32ToWasm0(median, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passArrayF32ToWasm0(sigma, wasm.__wbindgen_malloc);
            len4 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 4, 4); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 4, 4); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.showerClippedNoise(retptr, ptr0, len0, ptr1, len1, ptr2, len2, val6, val7, val8, val9, ptr3, len3, median, ptr4, len4, sigma);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * The shower noise model of a band of rows (`jump_showers::noise`) into `median` and `sigma`.
 * @param {Float32Array | number[]} data
 * @param {Uint8Array | number[]} groupdq
 * @param {Float32Array | number[]} gain
 * @param {Float32Array | number[]} readnoise
 * @param {number} nints
 * @param {number} ngroups
 * @param {number} rows
 * @param {number} cols
 * @param {number} nframes
 * @param {Float32Array} median
 * @param {Float32Array} sigma
 */
export function showerNoise(data, groupdq, gain, readnoise, nints, ngroups, rows, cols, nframes, median, sigma) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val7 = +nints;
        const val8 = +ngroups;
        const val9 = +rows;
        const val10 = +cols;
        const val11 = +nframes;
        let ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, ptr4, len4, ptr5, len5;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(groupdq, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArrayF32ToWasm0(gain, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
            ptr3 = passArrayF32ToWasm0(readnoise, wasm.__wbindgen_malloc);
            len3 = WASM_VECTOR_LEN;
            ptr4 = passArrayF32ToWasm0(median, wasm.__wbindgen_malloc);
            len4 = WASM_VECTOR_LEN;
            ptr5 = passArrayF32ToWasm0(sigma, wasm.__wbindgen_malloc);
            len5 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr5) { wasm.__wbindgen_free(ptr5, len5 * 4, 4); }
            if (ptr4) { wasm.__wbindgen_free(ptr4, len4 * 4, 4); }
            if (ptr3) { wasm.__wbindgen_free(ptr3, len3 * 4, 4); }
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.showerNoise(retptr, ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, val7, val8, val9, val10, val11, ptr4, len4, median, ptr5, len5, sigma);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * `dq::translate` on staged words. Slots: u32 `[stored, out]`.
 * @param {Stage} stage
 * @param {boolean} swapped
 * @param {number} flip
 * @param {Uint32Array | number[]} bit_flags
 */
export function translateDqStaged(stage, swapped, flip, bit_flags) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        _assertClass(stage, Stage);
        const val2 = +swapped;
        const val3 = +flip;
        const ptr0 = passArray32ToWasm0(bit_flags, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        wasm.translateDqStaged(retptr, stage.__wbg_ptr, val2, val3, ptr0, len0);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        if (r1) {
            throw takeFromExternrefTable0(r0);
        }
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * jwst `tso_photometry`'s `aperture_sum` of each integration of a draft rateints `(nints,
 * rows, cols)` in DN/s. `gain` is the GAIN plane, or empty to leave the units alone; the
 * scalars are `TsoPhotometryParams`' fields.
 * @param {Float32Array | number[]} data
 * @param {Uint32Array | number[]} dq
 * @param {Float32Array | number[]} gain
 * @param {number} nints
 * @param {number} rows
 * @param {number} cols
 * @param {number} integration_time
 * @param {number} xcenter
 * @param {number} ycenter
 * @param {number} radius
 * @param {number} radius_inner
 * @param {boolean} centroid_source
 * @param {number} search_box_width
 * @param {number} fit_box_width
 * @param {boolean} moving_centroid
 * @param {boolean} sum_all
 * @returns {Float64Array}
 */
export function tsoApertureSums(data, dq, gain, nints, rows, cols, integration_time, xcenter, ycenter, radius, radius_inner, centroid_source, search_box_width, fit_box_width, moving_centroid, sum_all) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        const val4 = +nints;
        const val5 = +rows;
        const val6 = +cols;
        const val7 = +integration_time;
        const val8 = +xcenter;
        const val9 = +ycenter;
        const val10 = +radius;
        const val11 = +radius_inner;
        const val12 = +centroid_source;
        const val13 = +search_box_width;
        const val14 = +fit_box_width;
        const val15 = +moving_centroid;
        const val16 = +sum_all;
        let ptr0, len0, ptr1, len1, ptr2, len2;
        try {
            ptr0 = passArrayF32ToWasm0(data, wasm.__wbindgen_malloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray32ToWasm0(dq, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
            ptr2 = passArrayF32ToWasm0(gain, wasm.__wbindgen_malloc);
            len2 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr2) { wasm.__wbindgen_free(ptr2, len2 * 4, 4); }
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 4, 4); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 4, 4); }
            throw e;
        }
        wasm.tsoApertureSums(retptr, ptr0, len0, ptr1, len1, ptr2, len2, val4, val5, val6, val7, val8, val9, val10, val11, val12, val13, val14, val15, val16);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var r2 = getDataViewMemory0().getInt32(retptr + 4 * 2, true);
        var r3 = getDataViewMemory0().getInt32(retptr + 4 * 3, true);
        if (r3) {
            throw takeFromExternrefTable0(r2);
        }
        var v17 = getArrayF64FromWasm0(r0, r1).slice();
        wasm.__wbindgen_free(r0, r1 * 8, 8);
        return v17;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}
function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg_Error_208446807d0d1e30: function(arg0, arg1) {
            const ret = Error(getStringFromWasm0(arg0, arg1));
            return ret;
        },
        __wbg___wbindgen_copy_to_typed_array_680b191e71920dc1: function(arg0, arg1, arg2) {
            new Uint8Array(arg2.buffer, arg2.byteOffset, arg2.byteLength).set(getArrayU8FromWasm0(arg0, arg1));
        },
        __wbg___wbindgen_throw_4c88d8bf264fd984: function(arg0, arg1) {
            throw new Error(getStringFromWasm0(arg0, arg1));
        },
        __wbindgen_generic_0000000000000001: function(arg0, arg1) {
            // Cast intrinsic for `Ref(String) -> Externref`.
            const ret = getStringFromWasm0(arg0, arg1);
            return ret;
        },
        __wbindgen_init_externref_table: function() {
            const table = wasm.__wbindgen_externrefs;
            table.set(0, undefined);
            table.set(1024, undefined);
            table.set(1025, null);
            table.set(1026, true);
            table.set(1027, false);
        },
    };
    return {
        __proto__: null,
        "./detector1_wasm_bg.js": import0,
    };
}

const Irs2CorrectorFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_irs2corrector_free(ptr, 1));
const RampFitInputsFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_rampfitinputs_free(ptr, 1));
const RampFitStreamFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_rampfitstream_free(ptr, 1));
const RampFitTileOutputFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_rampfittileoutput_free(ptr, 1));
const StageFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_stage_free(ptr, 1));

function _assertClass(instance, klass) {
    if (!(instance instanceof klass)) {
        throw new Error(`expected instance of ${klass.name}`);
    }
}

function getArrayF32FromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return getFloat32ArrayMemory0().subarray(ptr / 4, ptr / 4 + len);
}

function getArrayF64FromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return getFloat64ArrayMemory0().subarray(ptr / 8, ptr / 8 + len);
}

function getArrayI32FromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return getInt32ArrayMemory0().subarray(ptr / 4, ptr / 4 + len);
}

function getArrayJsValueFromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    const mem = getDataViewMemory0();
    const result = [];
    for (let i = ptr; i < ptr + 4 * len; i += 4) {
        result.push(wasm.__wbindgen_externrefs.get(mem.getUint32(i, true)));
    }
    wasm.__externref_drop_slice(ptr, len);
    return result;
}

function getArrayU32FromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return getUint32ArrayMemory0().subarray(ptr / 4, ptr / 4 + len);
}

function getArrayU8FromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return getUint8ArrayMemory0().subarray(ptr / 1, ptr / 1 + len);
}

let cachedDataViewMemory0 = null;
function getDataViewMemory0() {
    if (cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer.detached === true || (cachedDataViewMemory0.buffer.detached === undefined && cachedDataViewMemory0.buffer !== wasm.memory.buffer)) {
        cachedDataViewMemory0 = new DataView(wasm.memory.buffer);
    }
    return cachedDataViewMemory0;
}

let cachedFloat32ArrayMemory0 = null;
function getFloat32ArrayMemory0() {
    if (cachedFloat32ArrayMemory0 === null || cachedFloat32ArrayMemory0.byteLength === 0) {
        cachedFloat32ArrayMemory0 = new Float32Array(wasm.memory.buffer);
    }
    return cachedFloat32ArrayMemory0;
}

let cachedFloat64ArrayMemory0 = null;
function getFloat64ArrayMemory0() {
    if (cachedFloat64ArrayMemory0 === null || cachedFloat64ArrayMemory0.byteLength === 0) {
        cachedFloat64ArrayMemory0 = new Float64Array(wasm.memory.buffer);
    }
    return cachedFloat64ArrayMemory0;
}

let cachedInt32ArrayMemory0 = null;
function getInt32ArrayMemory0() {
    if (cachedInt32ArrayMemory0 === null || cachedInt32ArrayMemory0.byteLength === 0) {
        cachedInt32ArrayMemory0 = new Int32Array(wasm.memory.buffer);
    }
    return cachedInt32ArrayMemory0;
}

function getStringFromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return decodeText(getUint8ArrayMemory0().subarray(ptr, ptr + len));
}

let cachedUint16ArrayMemory0 = null;
function getUint16ArrayMemory0() {
    if (cachedUint16ArrayMemory0 === null || cachedUint16ArrayMemory0.byteLength === 0) {
        cachedUint16ArrayMemory0 = new Uint16Array(wasm.memory.buffer);
    }
    return cachedUint16ArrayMemory0;
}

let cachedUint32ArrayMemory0 = null;
function getUint32ArrayMemory0() {
    if (cachedUint32ArrayMemory0 === null || cachedUint32ArrayMemory0.byteLength === 0) {
        cachedUint32ArrayMemory0 = new Uint32Array(wasm.memory.buffer);
    }
    return cachedUint32ArrayMemory0;
}

let cachedUint8ArrayMemory0 = null;
function getUint8ArrayMemory0() {
    if (cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.byteLength === 0) {
        cachedUint8ArrayMemory0 = new Uint8Array(wasm.memory.buffer);
    }
    return cachedUint8ArrayMemory0;
}

function passArray16ToWasm0(arg, malloc) {
    const ptr = malloc(arg.length * 2, 2) >>> 0;
    getUint16ArrayMemory0().set(arg, ptr / 2);
    WASM_VECTOR_LEN = arg.length;
    return ptr;
}

function passArray32ToWasm0(arg, malloc) {
    const ptr = malloc(arg.length * 4, 4) >>> 0;
    getUint32ArrayMemory0().set(arg, ptr / 4);
    WASM_VECTOR_LEN = arg.length;
    return ptr;
}

function passArray8ToWasm0(arg, malloc) {
    const ptr = malloc(arg.length * 1, 1) >>> 0;
    getUint8ArrayMemory0().set(arg, ptr / 1);
    WASM_VECTOR_LEN = arg.length;
    return ptr;
}

function passArrayF32ToWasm0(arg, malloc) {
    const ptr = malloc(arg.length * 4, 4) >>> 0;
    getFloat32ArrayMemory0().set(arg, ptr / 4);
    WASM_VECTOR_LEN = arg.length;
    return ptr;
}

function passArrayF64ToWasm0(arg, malloc) {
    const ptr = malloc(arg.length * 8, 8) >>> 0;
    getFloat64ArrayMemory0().set(arg, ptr / 8);
    WASM_VECTOR_LEN = arg.length;
    return ptr;
}

function passStringToWasm0(arg, malloc, realloc) {
    if (realloc === undefined) {
        const buf = cachedTextEncoder.encode(arg);
        const ptr = malloc(buf.length, 1) >>> 0;
        getUint8ArrayMemory0().subarray(ptr, ptr + buf.length).set(buf);
        WASM_VECTOR_LEN = buf.length;
        return ptr;
    }

    let len = arg.length;
    let ptr = malloc(len, 1) >>> 0;

    const mem = getUint8ArrayMemory0();

    let offset = 0;

    for (; offset < len; offset++) {
        const code = arg.charCodeAt(offset);
        if (code > 0x7F) break;
        mem[ptr + offset] = code;
    }
    if (offset !== len) {
        if (offset !== 0) {
            arg = arg.slice(offset);
        }
        ptr = realloc(ptr, len, len = offset + arg.length * 3, 1) >>> 0;
        const view = getUint8ArrayMemory0().subarray(ptr + offset, ptr + len);
        const ret = cachedTextEncoder.encodeInto(arg, view);

        offset += ret.written;
        ptr = realloc(ptr, len, offset, 1) >>> 0;
    }

    WASM_VECTOR_LEN = offset;
    return ptr;
}

function takeFromExternrefTable0(idx) {
    const value = wasm.__wbindgen_externrefs.get(idx);
    wasm.__externref_table_dealloc(idx);
    return value;
}

let cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
cachedTextDecoder.decode();
const MAX_SAFARI_DECODE_BYTES = 2146435072;
let numBytesDecoded = 0;
function decodeText(bytes) {
    numBytesDecoded += bytes.length;
    if (numBytesDecoded >= MAX_SAFARI_DECODE_BYTES) {
        cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
        cachedTextDecoder.decode();
        numBytesDecoded = bytes.length;
    }
    return cachedTextDecoder.decode(bytes);
}

const cachedTextEncoder = new TextEncoder();

if (!('encodeInto' in cachedTextEncoder)) {
    cachedTextEncoder.encodeInto = function (arg, view) {
        const buf = cachedTextEncoder.encode(arg);
        view.set(buf);
        return {
            read: arg.length,
            written: buf.length
        };
    };
}

let WASM_VECTOR_LEN = 0;

let wasmModule, wasmInstance, wasm;
function __wbg_finalize_init(instance, module) {
    wasmInstance = instance;
    wasm = instance.exports;
    wasmModule = module;
    cachedDataViewMemory0 = null;
    cachedFloat32ArrayMemory0 = null;
    cachedFloat64ArrayMemory0 = null;
    cachedInt32ArrayMemory0 = null;
    cachedUint16ArrayMemory0 = null;
    cachedUint32ArrayMemory0 = null;
    cachedUint8ArrayMemory0 = null;
    wasm.__wbindgen_start();
    return wasm;
}

async function __wbg_load(module, imports) {
    if (typeof Response === 'function' && module instanceof Response) {
        if (!module.ok) {
            throw new Error(`failed to fetch Wasm: ${module.status} ${module.statusText} fetching '${module.url}'`);
        }

        if (typeof WebAssembly.instantiateStreaming === 'function') {
            try {
                return await WebAssembly.instantiateStreaming(module, imports);
            } catch (e) {
                const validResponse = expectedResponseType(module.type);

                if (validResponse && module.headers.get('Content-Type') !== 'application/wasm') {
                    console.warn("`WebAssembly.instantiateStreaming` failed because your server does not serve Wasm with `application/wasm` MIME type. Falling back to `WebAssembly.instantiate` which is slower. Original error:\n", e);

                } else { throw e; }
            }
        }

        const bytes = await module.arrayBuffer();
        return await WebAssembly.instantiate(bytes, imports);
    } else {
        const instance = await WebAssembly.instantiate(module, imports);

        if (instance instanceof WebAssembly.Instance) {
            return { instance, module };
        } else {
            return instance;
        }
    }

    function expectedResponseType(type) {
        switch (type) {
            case 'basic': case 'cors': case 'default': return true;
        }
        return false;
    }
}

function initSync(module) {
    if (wasm !== undefined) return wasm;


    if (module !== undefined) {
        if (Object.getPrototypeOf(module) === Object.prototype) {
            ({module} = module)
        } else {
            console.warn('using deprecated parameters for `initSync()`; pass a single object instead')
        }
    }

    const imports = __wbg_get_imports();
    if (!(module instanceof WebAssembly.Module)) {
        module = new WebAssembly.Module(module);
    }
    const instance = new WebAssembly.Instance(module, imports);
    return __wbg_finalize_init(instance, module);
}

let __wbg_init_promise;
async function __wbg_init(module_or_path) {
    if (wasm !== undefined) return wasm;
    if (__wbg_init_promise === undefined) {
        __wbg_init_promise = __wbg_init_once(module_or_path);
        __wbg_init_promise.catch(() => { __wbg_init_promise = undefined; });
    }
    return __wbg_init_promise;
}

async function __wbg_init_once(module_or_path) {

    if (module_or_path !== undefined) {
        if (Object.getPrototypeOf(module_or_path) === Object.prototype) {
            ({module_or_path} = module_or_path)
        } else {
            console.warn('using deprecated parameters for the initialization function; pass a single object instead')
        }
    }

    if (module_or_path === undefined) {
        module_or_path = new URL('detector1_wasm_bg.wasm', import.meta.url);
    }
    const imports = __wbg_get_imports();

    if (typeof module_or_path === 'string' || (typeof Request === 'function' && module_or_path instanceof Request) || (typeof URL === 'function' && module_or_path instanceof URL)) {
        module_or_path = fetch(module_or_path);
    }

    const { instance, module } = await __wbg_load(await module_or_path, imports);

    return __wbg_finalize_init(instance, module);
}

export { initSync, __wbg_init as default };
