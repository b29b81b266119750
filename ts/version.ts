/** Package version, recorded in products (CAL_VER-like bookkeeping and the ASDF tree). */
export const packageVersion = '0.1.0';
