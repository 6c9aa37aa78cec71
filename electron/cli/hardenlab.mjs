#!/usr/bin/env node
// The `hardenlab` command. The CLI is TypeScript run through tsx, so it needs
// no build step; npm scripts and npx put node_modules/.bin (Node 22) first.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('./main.ts');
process.exitCode = await runCli(process.argv.slice(2));
