#!/usr/bin/env node
// The SDK's command line (build, check, types), from the compiled package.
import { runSdkCli } from '../dist/cli.js';

process.exitCode = await runSdkCli(process.argv.slice(2));
