// Rewrites the WASM-piece loader of a `--split` build (target/site/pkg/__wasm_split.*.js)
// so that the pieces asked for in one turn of the event loop arrive in one request
// (`pkg/pieces?…`, served by server/src/pieces.rs) instead of one request each.
//
// Why: a page hydrates with up to ~250 pieces. Chromium took ~1.5 ms per request even
// from its cache, so the dashboard waited ~360 ms for 228 KB it compiled in ~15 ms.
// wasm-split's loader asks for a page's piece and every piece it depends on in the same
// turn (each load starts its dependencies' loads synchronously), so one batch per
// navigation remains. If the batch fails, each piece is fetched on its own as before.
//
// Idempotent: a loader already rewritten is left alone. Fails when the loader's shape
// is not the one this was written for (cargo-leptos 0.3.10), rather than leave a
// half-rewritten loader.
//
// Usage: node scripts/batch-piece-loads.mjs PKG_DIR
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MARK = '// Voxdesk: pieces wanted in one turn come in one request (scripts/batch-piece-loads.mjs).';
const FETCH = /fetch\(new URL\("\.\/((?:chunk_\d+|split_\w+)\.wasm)", import\.meta\.url\)\)/g;

const BATCHING = `${MARK}
let wantedPieces = new Map();
function piece(file) {
    return new Promise((resolve) => {
        if (wantedPieces.size === 0) queueMicrotask(fetchWantedPieces);
        wantedPieces.set(file, resolve);
    });
}
async function fetchWantedPieces() {
    const wanted = wantedPieces;
    wantedPieces = new Map();
    const files = [...wanted.keys()];
    let bodies;
    try {
        const names = files.map((file) => file.replace(/\\.wasm$/, "").replace(/^chunk_/, ""));
        const response = await fetch(new URL("pieces?" + names.join(","), import.meta.url));
        if (!response.ok) throw new Error(\`pieces: \${response.status}\`);
        const bytes = new Uint8Array(await response.arrayBuffer());
        const sizes = new DataView(bytes.buffer);
        let offset = 4 * files.length;
        bodies = files.map((_, index) => {
            const size = sizes.getUint32(4 * index, true);
            offset += size;
            return bytes.subarray(offset - size, offset);
        });
        if (offset !== bytes.length) throw new Error("pieces: the sizes do not add up");
    } catch (error) {
        console.warn("Loading WASM pieces one by one:", error);
    }
    files.forEach((file, index) => wanted.get(file)(bodies
        ? new Response(bodies[index], { headers: { "Content-Type": "application/wasm" } })
        : fetch(new URL("./" + file, import.meta.url))));
}
`;

const dir = process.argv[2];
const loaders = readdirSync(dir).filter((name) => name.startsWith('__wasm_split.') && name.endsWith('.js'));
if (loaders.length !== 1) throw new Error(`expected one __wasm_split.*.js in ${dir}, found ${loaders.length}`);
const file = join(dir, loaders[0]);
const source = readFileSync(file, 'utf8');
if (source.includes(MARK)) process.exit(0);

const fetches = source.match(/fetch\(/g)?.length ?? 0;
let rewritten = 0;
let loader = source.replace(FETCH, (_, piece) => {
  rewritten += 1;
  return `piece("${piece}")`;
});
if (rewritten === 0 || rewritten !== fetches) {
  throw new Error(`${file}: rewrote ${rewritten} of ${fetches} fetches; the loader's shape has changed`);
}
// After the imports (the first blank line), before the first load is declared.
const start = loader.indexOf('\n\n');
if (start < 0 || !loader.slice(0, start).startsWith('import ')) throw new Error(`${file}: no import block`);
loader = `${loader.slice(0, start + 1)}\n${BATCHING}${loader.slice(start + 1)}`;
writeFileSync(file, loader);
console.log(`batched the loads of ${rewritten} WASM pieces`);
