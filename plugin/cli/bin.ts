// The policy-bundle executable (dist/policy-bundle.mjs): run() on this process.
import { runProcess } from './process.ts';

await runProcess(process.argv.slice(2));
