#!/usr/bin/env node
/**
 * `detector1`: command-line front end. Exit codes: 0 ok, 2 bad usage, 1 processing error (the
 * message names the file and the problem).
 */
import { parseArgs } from 'node:util';
import { previewUsage, runUsage, simulateUsage } from './usage.js';

const usage = `usage:
${runUsage}
  detector1 info <file.fits>             HDUs, shapes, key metadata
  detector1 demo [--output-dir DIR]      simulate a NIRCam exposure and its CRDS cache, run the
                                         pipeline, write _rate/_rateints and a PNG preview
${simulateUsage}
${previewUsage}`;

class UsageError extends Error {}

/** Each command's modules are loaded when it runs: `run` does not wait for the simulator's. */
async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
    case 'step': {
      // The pool first: its workers boot while this thread loads the pipeline's modules.
      const { startPool, stopPool, threadsArgument } = await import('./pool.js');
      const starting = startPool(threadsArgument(rest));
      try {
        const { runPipelineCommand, RunUsageError, runStepCommand } = await import('./run.js');
        try {
          await (command === 'run' ? runPipelineCommand : runStepCommand)(rest, (line) => console.log(line), starting);
        } catch (error) {
          if (error instanceof RunUsageError) throw new UsageError(error.message);
          throw error;
        }
      } finally {
        await stopPool(starting);
      }
      return;
    }
    case 'info': {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true });
      if (positionals.length !== 1) throw new UsageError('info takes exactly one file');
      const { describeFile } = await import('./info.js');
      process.stdout.write(await describeFile(positionals[0]));
      return;
    }
    case 'demo': {
      const { values } = parseArgs({ args: rest, options: { 'output-dir': { type: 'string', default: 'demo-output' } } });
      const { runDemo } = await import('./demo.js');
      await runDemo(values['output-dir']!, (line) => console.log(line));
      return;
    }
    case 'simulate': {
      const { runSimulate, SimulateUsageError } = await import('./simulate.js');
      try {
        await runSimulate(rest, (line) => console.log(line));
      } catch (error) {
        if (error instanceof SimulateUsageError) throw new UsageError(error.message);
        throw error;
      }
      return;
    }
    case 'preview': {
      const { runPreview, PreviewUsageError } = await import('./preview.js');
      try {
        await runPreview(rest, (line) => console.log(line));
      } catch (error) {
        if (error instanceof PreviewUsageError) throw new UsageError(error.message);
        throw error;
      }
      return;
    }
    case undefined:
    case '-h':
    case '--help':
      console.log(usage);
      return;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const usageProblem = error instanceof UsageError || (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS');
  console.error(`detector1: ${(error as Error)?.message ?? String(error)}`);
  if (usageProblem) console.error(usage);
  process.exitCode = usageProblem ? 2 : 1;
});
