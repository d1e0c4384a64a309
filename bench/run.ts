/**
 * `npm run bench [name…]`: runs each scenario in bench/scenarios, prints its figures and writes them
 * all to bench/results/<time>.json and bench/results/latest.json. Figures, not pass/fail: the
 * targets live in the issues and the notes compare against them.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

export interface Scenario {
  name: string;
  run(): Promise<Record<string, number | string>>;
}

const here = import.meta.dirname;
const wanted = process.argv.slice(2);
const results: Record<string, Record<string, number | string>> = {};

const files = readdirSync(path.join(here, "scenarios"))
  .filter((f) => f.endsWith(".ts"))
  .sort();
for (const file of files) {
  const scenario = (await import(pathToFileURL(path.join(here, "scenarios", file)).href))
    .default as Scenario;
  if (wanted.length && !wanted.includes(scenario.name)) continue;
  const started = performance.now();
  process.stdout.write(`${scenario.name} … `);
  const figures = await scenario.run();
  results[scenario.name] = figures;
  console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`);
  for (const [k, v] of Object.entries(figures)) console.log(`  ${k.padEnd(40)} ${v}`);
}

const report = {
  at: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  },
  results,
};
const outDir = path.join(here, "results");
mkdirSync(outDir, { recursive: true });
const stamp = report.at.replace(/[:.]/g, "-");
writeFileSync(path.join(outDir, `${stamp}.json`), JSON.stringify(report, null, 2));
writeFileSync(path.join(outDir, "latest.json"), JSON.stringify(report, null, 2));
console.log(`\nwritten to bench/results/${stamp}.json`);
