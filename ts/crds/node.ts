/** Node: a CRDS cache on disk (CRDS_PATH layout), with CRDS_CONTEXT and the CRDS_ALLOW_* switches from the environment. */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { openCrdsCacheWith, type CrdsCache, type CrdsCacheOptions } from './cache.js';

export async function openCrdsCache(root: string, options: CrdsCacheOptions = {}): Promise<CrdsCache> {
  const base = resolve(root);
  return openCrdsCacheWith(
    {
      async readText(relativePath) {
        try {
          return await readFile(join(base, relativePath), 'utf8');
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
          throw error;
        }
      },
      resolve: (relativePath) => join(base, relativePath),
    },
    { ...options, env: options.env ?? process.env },
  );
}
