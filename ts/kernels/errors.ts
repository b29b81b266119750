/**
 * Errors raised at the kernel boundary. Rust kernels report a typed error whose stable code
 * travels as a `[code] message` prefix; `fromWasmError` turns it back into one of these classes.
 */
export class KernelError extends Error {
  override name = 'KernelError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** An array's length does not match the shape it was declared with, or the shape is invalid. */
export class KernelShapeError extends KernelError {
  override name = 'KernelShapeError';
}

/** An argument has the wrong element type (e.g. a Float64Array where float32 is required). */
export class KernelTypeError extends KernelError {
  override name = 'KernelTypeError';
}

/** A scalar parameter is out of its domain (e.g. a non-positive group time). */
export class KernelParameterError extends KernelError {
  override name = 'KernelParameterError';
}

const classByCode: Record<string, new (code: string, message: string) => KernelError> = {
  shape_mismatch: KernelShapeError,
  invalid_shape: KernelShapeError,
  invalid_parameter: KernelParameterError,
};

/** Maps an exception thrown by the wasm glue to a typed error; other values pass through. */
export function fromWasmError(error: unknown, kernel: string): unknown {
  if (!(error instanceof Error)) return error;
  const match = /^\[([a-z_]+)\] (.*)$/s.exec(error.message);
  if (!match) {
    // A trap (e.g. out of memory) leaves no code: say which kernel it was.
    return new KernelError('wasm_trap', `${kernel}: ${error.message}`);
  }
  const [, code, message] = match;
  const ErrorClass = classByCode[code] ?? KernelError;
  return new ErrorClass(code, `${kernel}: ${message}`);
}

/** Calls into the wasm glue, turning what it throws into the typed error of `kernel`. */
export function callWasm<T>(kernel: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw fromWasmError(error, kernel);
  }
}
