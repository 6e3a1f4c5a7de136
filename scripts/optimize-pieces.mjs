// wasm-opt -Oz for the small WASM pieces of a `--split` build, all in one process.
//
// cargo-leptos runs wasm-opt once per piece, and binaryen's wasm-opt (from npm) is a
// Node.js start each time: for the ~600 pieces under 16 KiB, scripts/bin/wasm-opt only
// drops their names. Optimized here in one go (binaryen's library, the passes of -Oz)
// they are 40% smaller, 7 s for all of them.
//
// Usage: node scripts/optimize-pieces.mjs FILE...
import binaryen from '../end2end/node_modules/binaryen/index.js';
import { readFileSync, writeFileSync } from 'node:fs';

binaryen.setOptimizeLevel(2);
binaryen.setShrinkLevel(2);
let before = 0;
let after = 0;
for (const file of process.argv.slice(2)) {
  const input = readFileSync(file);
  const module = binaryen.readBinary(input);
  // As scripts/bin/wasm-opt passes to the command: the features the module declares,
  // bulk memory and non-trapping float-to-int.
  module.setFeatures(
    module.getFeatures() | binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt | binaryen.Features.NontrappingFPToInt,
  );
  if (!module.validate()) throw new Error(`${file} is not a valid WASM module`);
  module.optimize();
  const output = module.emitBinary();
  module.dispose();
  // Never larger than it came.
  if (output.length < input.length) {
    writeFileSync(file, output);
    before += input.length;
    after += output.length;
  }
}
console.log(`optimized ${process.argv.length - 2} small WASM pieces: ${before} -> ${after} bytes`);
