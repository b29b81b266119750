export { pixel, group, flagNames, parseFlags, type PixelFlagName, type GroupFlagName } from './flags.js';
export { translateDq, standardDqDefinitions, type DqDefinition } from './dq-def.js';
