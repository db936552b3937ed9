#!/usr/bin/env node
// Entry point of the kubeprop command. Registers tsx's ESM hooks once so the TypeScript sources
// (and users' TypeScript plugins) load directly, then hands over to the CLI with the default
// plugins and controllers (core/ does not import plugins/, so the entry point composes them).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../core/cli/main.ts');
const { defaultSchedulerPlugins, defaultControllers } = await import('../plugins/index.ts');
process.exitCode = await main(process.argv, {}, { schedulerPlugins: defaultSchedulerPlugins, controllers: defaultControllers });
