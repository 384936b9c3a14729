/**
 * Where the tree-sitter runtime and grammars are. The packaged extension ships them in
 * dist/native/tree-sitter/ (esbuild.mjs copies only the grammars Parley uses); a source checkout
 * finds them in node_modules.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface WasmPaths {
  /** web-tree-sitter's own runtime (web-tree-sitter.wasm). */
  runtime: string;
  /** The folder holding tree-sitter-<language>.wasm. */
  grammars: string;
}

export const BUNDLED_WASM_DIR = 'tree-sitter';

/** The wasm files next to a bundle's `native` folder, else those in node_modules. */
export function wasmPaths(nativeDir?: string): WasmPaths {
  const bundled = nativeDir && join(nativeDir, BUNDLED_WASM_DIR);
  if (bundled && existsSync(join(bundled, 'web-tree-sitter.wasm'))) return { runtime: join(bundled, 'web-tree-sitter.wasm'), grammars: bundled };
  return {
    runtime: require.resolve('web-tree-sitter/web-tree-sitter.wasm'),
    grammars: join(dirname(require.resolve('@vscode/tree-sitter-wasm/package.json')), 'wasm'),
  };
}
