/** Node: a CRDS cache on disk (CRDS_PATH layout), with CRDS_CONTEXT and the CRDS_ALLOW_* switches from the environment. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CrdsCacheError, openCrdsCacheWith, type CrdsCache, type CrdsCacheOptions } from './cache.js';

export async function openCrdsCache(root: string, options: CrdsCacheOptions = {}): Promise<CrdsCache> {
  const base = resolve(root);
  // A mistyped CRDS_PATH would otherwise surface as a missing context or reference.
  const found = await stat(base).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!found) throw new CrdsCacheError(`CRDS cache ${base}: no such directory`);
  if (!found.isDirectory()) throw new CrdsCacheError(`CRDS cache ${base}: not a directory`);
  return openCrdsCacheWith(
    {
      // Synchronous: mappings are small, and an asynchronous read waits on the thread pool and
      // this thread's event loop (see SYNC_READ_BYTES in io/fits/node.ts) several times a file.
      async readText(relativePath) {
        try {
          return readFileSync(join(base, relativePath), 'utf8');
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
          throw error;
        }
      },
      resolve: (relativePath) => join(base, relativePath),
      sha1Hex: (text) => createHash('sha1').update(text, 'utf8').digest('hex'),
    },
    { ...options, env: options.env ?? process.env },
  );
}
