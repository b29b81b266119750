export { pixel, group, flagNames, parseFlags, type PixelFlagName, type GroupFlagName } from './flags.js';
export { dqBitFlags, translateDq, translateDqBits, standardDqDefinitions, type DqDefinition } from './dq-def.js';
