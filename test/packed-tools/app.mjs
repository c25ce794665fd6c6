// An ESM application: one copy of core for it and the backends it loads by URL; the memory
// backend's CommonJS build (through require) brings the other copy, so both directions are covered.
import { createRequire } from 'node:module';
import * as core from '@switchboard/core';
import probe from './probe-errors.cjs';

const require = createRequire(import.meta.url);
const commonJsMemory = require('@switchboard/memory').backendFactory;
const results = await probe.probeErrors(core, JSON.parse(process.env.SWITCHBOARD_BROKERS ?? '{}'), { 'memory (CommonJS build)': commonJsMemory });
console.log(JSON.stringify(results));
