// After a `--split` build: fails unless the pieces carry read-only data of their own.
//
// wasm-split moves each page's data (its text, its types' vtables) into the page's
// piece, unless re-packing the read-only segment piece by piece comes out longer than
// the input; then it keeps the whole segment in the entry module with only a log
// warning ("Overlong segment 0"), and the first page downloads every page's data
// (~50 KB gzip). frontend/src/lib.rs reserves room for that re-packing; this check
// says when it is no longer enough instead of letting the entry module grow unseen.
//
// Usage: node scripts/check-pieces-data.mjs PKG_DIR
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function dataSectionBytes(bytes) {
  let at = 8;
  let total = 0;
  const leb = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    if (id === 11) total += size;
    at += size;
  }
  return total;
}

const dir = process.argv[2];
let inPieces = 0;
let entry = 0;
for (const name of readdirSync(dir).filter((file) => file.endsWith('.wasm'))) {
  const bytes = dataSectionBytes(readFileSync(join(dir, name)));
  if (name === 'voxdesk.wasm') entry = bytes;
  else inPieces += bytes;
}
// Some data is the entry module's own (the frame, the router): the pieces' share is
// what must not be near zero.
if (inPieces < entry / 4) {
  console.error(
    `the WASM pieces carry ${inPieces} bytes of data and the entry module ${entry}: wasm-split kept ` +
      'the read-only data in the entry module (its "Overlong segment" warning). Raise SPLIT_HEADROOM ' +
      'in frontend/src/lib.rs.',
  );
  process.exit(1);
}
console.log(`data: entry module ${entry} bytes, pieces ${inPieces} bytes`);
