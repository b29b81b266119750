import { instantiateKernels, kernelModule, kernelsLoaded, kernelWasmUrl } from './module.js';

/** Compiles (once, streaming) and instantiates the SIMD kernels in this browser thread. */
export async function loadKernels(url: URL | string = kernelWasmUrl()): Promise<WebAssembly.Module> {
  if (!kernelsLoaded()) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`cannot load kernels from ${String(url)}: HTTP ${response.status}`);
    // compileStreaming needs the application/wasm MIME type, which not every server sends.
    const isWasmMime = response.headers.get('content-type')?.startsWith('application/wasm');
    const module = isWasmMime
      ? await WebAssembly.compileStreaming(response)
      : await WebAssembly.compile(await response.arrayBuffer());
    instantiateKernels(module);
  }
  return kernelModule();
}
