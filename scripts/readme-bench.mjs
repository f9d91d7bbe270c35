#!/usr/bin/env node
// Writes the headline of bench/results.json into README.md between the bench markers.
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const { machine, headline } = JSON.parse(readFileSync(`${root}bench/results.json`, 'utf8'));
const rows = Object.entries(headline ?? {}).map(([measure, value]) => `| ${measure} | ${value} |`);
const block = [
  '<!-- bench:start -->',
  `Measured ${machine.date.slice(0, 10)} on ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, on a machine shared with other work (medians; ratios are taken side by side in one run):`,
  '',
  '| measure | result |',
  '|---|---|',
  ...rows,
  '<!-- bench:end -->',
].join('\n');
const readme = readFileSync(`${root}README.md`, 'utf8');
const next = readme.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, block);
if (next === readme && !readme.includes(block))
  throw new Error('README.md has no <!-- bench:start --> ... <!-- bench:end --> markers');
writeFileSync(`${root}README.md`, next);
