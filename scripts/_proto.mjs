import { build, analyzeMetafile } from 'esbuild';
import { readFileSync } from 'node:fs';
const minifyIdentifiers = process.argv.includes('--ids');
const r = await build({ entryPoints: ['/work/main/plugin/cli/snapshot.ts'], outfile: process.argv[2], bundle: true, format: 'cjs', platform: 'node', target: 'node20', minifyWhitespace: true, minifySyntax: true, minifyIdentifiers, define: { __PB_BUNDLE__: 'true' }, logLevel: 'warning', metafile: true,
 plugins: [{ name: 'lean', setup(b) {
    b.onResolve({ filter: /^\.\/schemas\//}, (a) => a.kind === 'dynamic-import' ? { path: a.path, external: true } : undefined);
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({ contents: 'export { default as en } from "./en.js";\n', loader: 'js' }));
    b.onLoad({ filter: /[\\/]@kubernetes-models[\\/]validate[\\/]dist[\\/]formats\.js$/ }, async (a) => {
      const src = readFileSync(a.path, 'utf8');
      return { contents: src.replace(/^import draft2019Formats from .*$/m, '').replace(/^\s*\.\.\.draft2019Formats,\s*$/m, ''), loader: 'js' };
    });
 } }] });
if (process.argv.includes('--analyze')) console.log((await analyzeMetafile(r.metafile)).split('\n').slice(0,25).join('\n'));
