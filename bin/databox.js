#!/usr/bin/env node
// Thin shim: load the TypeScript CLI through tsx (no build step needed on a fresh clone).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../box/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
