#!/usr/bin/env node
// Runs the agent from its TypeScript source (tsx compiles on load). Nodes get the single-file
// bundle instead: `node agent/bundle.mjs` writes dist/cairn-agent.mjs.
import { register } from "tsx/esm/api";

register();
const { run } = await import("../agent/main.ts");
process.exitCode = await run(process.argv);
