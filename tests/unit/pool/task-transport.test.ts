import { describe, expect, it } from 'vitest';
import * as errors from '../../../ts/kernels/errors.js';
import { rebuildError, serializeError, transferablesOf } from '../../../ts/pool/task-transport.js';

/** What the caller gets when `error` is thrown in a worker: serialised, structured-cloned, rebuilt. */
function acrossThreads(error: unknown): Error {
  return rebuildError(structuredClone(serializeError(error)));
}

type KernelErrorClass = new (code: string, message: string) => errors.KernelError;

// Every class errors.ts exports, so one added there without a rebuild entry fails here.
const kernelErrorClasses = (Object.values(errors) as unknown[]).filter(
  (value): value is KernelErrorClass =>
    typeof value === 'function' && (value === errors.KernelError || value.prototype instanceof errors.KernelError),
);

describe('errors crossing to the main thread', () => {
  it('finds the kernel error classes', () => {
    expect(kernelErrorClasses.length).toBeGreaterThanOrEqual(4);
  });

  for (const ErrorClass of kernelErrorClasses) {
    it(`keeps ${ErrorClass.name}: class, name, code and message`, () => {
      const original = new ErrorClass('some_code', 'superbias: argument `bias` is wrong');
      const rebuilt = acrossThreads(original);
      expect(rebuilt).toBeInstanceOf(ErrorClass);
      expect(rebuilt.constructor).toBe(ErrorClass);
      expect(rebuilt).toMatchObject({ name: original.name, code: 'some_code', message: original.message });
    });
  }

  it('keeps built-in classes and the name of others', () => {
    expect(acrossThreads(new RangeError('out of range'))).toBeInstanceOf(RangeError);
    expect(acrossThreads(new Error('unknown tile kernel "x"'))).toMatchObject({ message: 'unknown tile kernel "x"' });
    const link = acrossThreads(new WebAssembly.LinkError('import missing'));
    expect(link).toMatchObject({ name: 'LinkError', message: 'import missing' });
    expect(acrossThreads('a thrown string')).toMatchObject({ name: 'Error', message: 'a thrown string' });
  });
});

describe('transferablesOf', () => {
  it('lists each buffer once and leaves shared memory out', () => {
    const buffer = new ArrayBuffer(16);
    const shared = new SharedArrayBuffer(16);
    const own = new Uint32Array(2);
    const arrays = {
      a: new Float32Array(buffer, 0, 2),
      b: new Uint32Array(buffer, 8, 2),
      c: own,
      d: new Float32Array(shared),
      e: undefined,
    };
    expect(transferablesOf(arrays)).toEqual([buffer, own.buffer]);
  });
});
