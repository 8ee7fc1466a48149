// The plain bundle's entry (dist/policy-bundle.mjs), which the launcher falls back to: run() on this process.
import { runProcess } from './process.ts';

await runProcess(process.argv.slice(2));
