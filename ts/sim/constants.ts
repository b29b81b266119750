/** Fixed values written into simulated files (no wall clock: files depend only on the request). */

/** Version of the simulator's output (recorded in files; bump when the same seed gives other bytes). */
export const SIMULATOR_VERSION = '1';
/** USEAFTER of every simulated reference file. */
export const SIMULATED_USEAFTER = '2022-01-01T00:00:00';
/** DATE of every simulated reference file. */
export const REFERENCE_DATE = '2024-01-01T00:00:00.000';

/** How simulated files name their writer in an ASDF tree. */
export const simulatorLibrary = { name: 'jwst-detector1 simulator', version: `'${SIMULATOR_VERSION}'` };
