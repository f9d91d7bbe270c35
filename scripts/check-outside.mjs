#!/usr/bin/env node
// The packages and examples as someone outside this repository gets them. Run after
// `pnpm build`. In temp dirs under os.tmpdir(), removed afterwards:
//  1. packs every package (as `pnpm publish` would) and checks each tarball: a LICENSE, the
//     license field, every file its exports/main/types/bin name, no workspace-only export
//     condition, no `workspace:` range;
//  2. copies examples/ out of the workspace and, in each example, points its @rotakit
//     dependencies (and the packages' own, through npm overrides) at the tarballs, then
//     `npm install`, `npm run build`, `npm test`: plain npm, the published names, nothing
//     of the repository;
//  3. type-checks every ```ts snippet of README.md and packages/*/README.md in a fresh
//     project, once with `NodeNext` and once with `bundler` resolution;
//  4. require()s and import()s every entry point there, and runs the bins;
//  5. prints what installing @rotakit/secret-pool alone, and @rotakit/cli, costs.
// Only the npm registry and loopback are reached.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { packAll, root } from './pack.mjs';

const WORKSPACE_ONLY_CONDITION = '@rotakit/source';
const LICENSE = 'Apache-2.0';
const NPM_FLAGS = ['--no-audit', '--no-fund', '--loglevel=error'];
/** No step (an install, an example's tests) may hang the check. */
const STEP_TIMEOUT_MS = 15 * 60_000;
/** Versions for snippet imports that no workspace package.json names. */
const SNIPPET_ONLY_VERSIONS = { '@aws-lambda-powertools/logger': '^2.0.0' };
/** Type packages that a snippet import's own declarations need. */
const SNIPPET_COMPANIONS = {
  '@aws-lambda-powertools/logger': ['@types/aws-lambda'],
  // @rotakit/secret-pool/pg's declarations extend pg's Pool: pg is an optional peer, typed apart.
  '@rotakit/secret-pool': ['pg', '@types/pg'],
};
/**
 * Packages whose own declarations fail a full library check, and why. A snippet that imports
 * one is type-checked apart with skipLibCheck (our declarations stay fully checked through the
 * other snippets, which import the same entry points).
 */
const LIB_CHECK_SKIPPED = {
  'drizzle-orm':
    "its declarations import optional drivers (gel) and DOM types; Drizzle's docs ask for skipLibCheck",
};
/** Entry points whose CommonJS build cannot load, and why (their types still resolve). */
const NOT_REQUIRABLE = {
  '@rotakit/testing/vitest': "vitest's test API (inject) refuses require(); import it",
};

const failures = [];
const fail = (message) => {
  failures.push(message);
  console.error(`FAILED: ${message}`);
};

/** What a user's shell has: none of the npm_* settings `pnpm run` would pass down. */
function userEnvironment(env = process.env) {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !/^npm_/i.test(key)));
}

function run(command, args, options = {}) {
  return execFileSync(command, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
    timeout: STEP_TIMEOUT_MS,
    ...options,
    env: userEnvironment(options.env),
  });
}

/** Runs a step: true if it passed; a failure is recorded with its output and the check goes on. */
function step(label, command, args, options) {
  const started = Date.now();
  try {
    run(command, args, options);
    console.log(`  ok ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return true;
  } catch (error) {
    fail(`${label}\n${error.stdout ?? ''}${error.stderr ?? error.message}`);
    return false;
  }
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function writeJson(file, value) {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

// ---- 1. the tarballs -------------------------------------------------------------------

/** Every string a manifest's exports, main, module, types and bin point at. */
function pathsNamedBy(manifest) {
  const paths = [];
  const walk = (value) => {
    if (typeof value === 'string') paths.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(manifest.exports);
  walk(manifest.bin);
  for (const field of ['main', 'module', 'types']) walk(manifest[field]);
  return [...new Set(paths)].map((path) => path.replace(/^\.\//, ''));
}

function conditionsOf(exportsValue, found = new Set()) {
  if (exportsValue && typeof exportsValue === 'object') {
    for (const [key, value] of Object.entries(exportsValue)) {
      found.add(key);
      conditionsOf(value, found);
    }
  }
  return found;
}

function checkTarball({ name, files, manifest }) {
  const problems = [];
  if (!files.includes('LICENSE')) problems.push('no LICENSE file');
  if (manifest.license !== LICENSE) problems.push(`license is ${manifest.license}, not ${LICENSE}`);
  for (const path of pathsNamedBy(manifest)) {
    if (!files.includes(path)) problems.push(`names ${path}, which is not in the tarball`);
  }
  if (conditionsOf(manifest.exports).has(WORKSPACE_ONLY_CONDITION)) {
    problems.push(`exports the workspace-only condition ${WORKSPACE_ONLY_CONDITION}`);
  }
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith('workspace:')) problems.push(`${field}.${dep} is ${range}`);
    }
  }
  if (problems.length) fail(`${name} tarball: ${problems.join('; ')}`);
  else console.log(`  ok ${name}: ${files.length} files`);
}

// ---- 2. the examples -------------------------------------------------------------------

/** Points every @rotakit dependency, direct or not, at its tarball. */
function useTarballs(manifest, tarballs) {
  const spec = (name) => `file:${tarballs.get(name)}`;
  for (const field of ['dependencies', 'devDependencies']) {
    for (const dep of Object.keys(manifest[field] ?? {})) {
      if (!dep.startsWith('@rotakit/')) continue;
      if (!tarballs.has(dep)) throw new Error(`${manifest.name} depends on unknown ${dep}`);
      manifest[field][dep] = spec(dep);
    }
  }
  // npm requires an override of a direct dependency to be the same spec as the dependency.
  manifest.overrides = Object.fromEntries([...tarballs.keys()].map((name) => [name, spec(name)]));
  return manifest;
}

const RELATIVE_IMPORT = /(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

/** The relative imports of a test file and of the local files it imports, transitively. */
function localImports(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  if (!existsSync(file)) return seen;
  for (const [, specifier] of readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)) {
    const target = resolve(dirname(file), specifier);
    localImports(existsSync(target) ? target : target.replace(/\.js$/, '.ts'), seen);
  }
  return seen;
}

/**
 * Test files that import code from the repository outside examples/ (a test helper of a
 * package): they cannot run in a copy, so they are named and left out of its run.
 */
function testsNeedingTheRepository(exampleDir, examplesCopy) {
  const testDir = join(exampleDir, 'test');
  if (!existsSync(testDir)) return [];
  return readdirSync(testDir)
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => ({
      file,
      outside: [...localImports(join(testDir, file))].filter((path) =>
        relative(examplesCopy, path).startsWith('..'),
      ),
    }))
    .filter(({ outside }) => outside.length > 0);
}

function copyExamples(destination) {
  cpSync(join(root, 'examples'), destination, {
    recursive: true,
    filter: (source) => !/[\\/](node_modules|dist)$/.test(source),
  });
  return readdirSync(destination).filter((entry) =>
    existsSync(join(destination, entry, 'package.json')),
  );
}

function installExample(dir, tarballs) {
  const manifest = join(dir, 'package.json');
  writeJson(manifest, useTarballs(readJson(manifest), tarballs));
  step(`${basename(dir)}: npm install`, 'npm', ['install', ...NPM_FLAGS], { cwd: dir });
}

function buildAndTestExample(dir, examplesCopy, work) {
  const example = basename(dir);
  const { scripts = {} } = readJson(join(dir, 'package.json'));
  if (scripts.build) step(`${example}: npm run build`, 'npm', ['run', 'build'], { cwd: dir });
  if (!scripts.test) return;
  const skipped = testsNeedingTheRepository(dir, examplesCopy);
  for (const { file, outside } of skipped) {
    const what = outside.map((path) => relative(work, path)).join(', ');
    console.log(`  -- ${example}: not run outside the repository: test/${file} (imports ${what})`);
  }
  const exclude = skipped.flatMap(({ file }) => ['--exclude', `test/${file}`]);
  step(`${example}: npm test`, 'npm', ['test', '--', ...exclude], {
    cwd: dir,
    env: { ...process.env, CI: 'true' },
  });
}

function checkExamples(work, tarballs) {
  const examplesCopy = join(work, 'examples');
  const dirs = copyExamples(examplesCopy).map((example) => join(examplesCopy, example));
  // Every example is installed before any is tested: one example's tests reuse another's
  // test helpers (see examples/rotation-lambda-alternating-users/test).
  for (const dir of dirs) installExample(dir, tarballs);
  for (const dir of dirs) buildAndTestExample(dir, examplesCopy, work);
}

// ---- 3. the README snippets ------------------------------------------------------------

const FENCE = /^```ts\s*$/;
const CONTEXT_START = '<!-- snippet-context';

/**
 * The ```ts blocks of a Markdown file, each with the `<!-- snippet-context ... -->` comment
 * right above it, if any: declarations of what the snippet takes as given (a `handler`, a
 * `client`), type-checked with it.
 */
function snippetsOf(file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const snippets = [];
  for (let i = 0; i < lines.length; i++) {
    if (!FENCE.test(lines[i])) continue;
    const end = lines.findIndex((line, j) => j > i && line.startsWith('```'));
    snippets.push({ line: i + 1, context: contextAbove(lines, i), code: lines.slice(i + 1, end) });
    i = end;
  }
  return snippets;
}

function contextAbove(lines, fenceIndex) {
  let end = fenceIndex - 1;
  while (end >= 0 && lines[end].trim() === '') end--;
  if (end < 0 || lines[end].trim() !== '-->') return [];
  let start = end;
  while (start >= 0 && !lines[start].startsWith(CONTEXT_START)) start--;
  return start < 0 ? [] : lines.slice(start + 1, end);
}

function snippetFiles() {
  const readmes = [
    join(root, 'README.md'),
    ...readdirSync(join(root, 'packages')).map((dir) => join(root, 'packages', dir, 'README.md')),
  ].filter(existsSync);
  return readmes.flatMap((readme) =>
    snippetsOf(readme).map((snippet) => ({
      name: `${relative(root, readme).replace(/[\\/.]/g, '_')}_L${snippet.line}.ts`,
      source: `${relative(root, readme)}:${snippet.line}`,
      text: [
        `// ${relative(root, readme)} line ${snippet.line}`,
        ...snippet.context,
        ...snippet.code,
        'export {};',
        '',
      ].join('\n'),
    })),
  );
}

/** The version range the workspace uses for a third-party package. */
function workspaceRange(name) {
  const manifests = [
    join(root, 'package.json'),
    ...['packages', 'examples'].flatMap((group) =>
      readdirSync(join(root, group)).map((dir) => join(root, group, dir, 'package.json')),
    ),
  ].filter(existsSync);
  for (const file of manifests) {
    const manifest = readJson(file);
    for (const field of ['dependencies', 'devDependencies', 'peerDependencies']) {
      const range = manifest[field]?.[name];
      if (range && !range.startsWith('workspace:')) return range;
    }
  }
  return SNIPPET_ONLY_VERSIONS[name];
}

function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const BARE_IMPORT = /from\s+['"]([^.'"][^'"]*)['"]/g;
/** A type-position `import('pkg')`, as snippet contexts use for declared values. */
const TYPE_IMPORT = /import\(\s*['"]([^.'"][^'"]*)['"]\s*\)/g;

function importsOf(text) {
  return [...text.matchAll(BARE_IMPORT), ...text.matchAll(TYPE_IMPORT)].map(
    ([, specifier]) => specifier,
  );
}

/** Whether a snippet imports a package that needs skipLibCheck ({@link LIB_CHECK_SKIPPED}). */
function needsSkipLibCheck(text) {
  return importsOf(text).some((specifier) => packageOf(specifier) in LIB_CHECK_SKIPPED);
}

function thirdPartyImports(files) {
  const names = new Set(['typescript', '@types/node']);
  for (const { text } of files) {
    for (const specifier of importsOf(text)) {
      if (specifier.startsWith('node:')) continue;
      names.add(packageOf(specifier));
      for (const companion of SNIPPET_COMPANIONS[packageOf(specifier)] ?? []) names.add(companion);
    }
  }
  return [...names].filter((name) => !name.startsWith('@rotakit/')).sort();
}

const TSCONFIG_BASE = {
  target: 'ES2022',
  lib: ['ES2023', 'ESNext.Disposable'],
  strict: true,
  noEmit: true,
  types: ['node'],
  skipLibCheck: false,
};

function tsconfig(compilerOptions, folder = 'snippets') {
  return { compilerOptions: { ...TSCONFIG_BASE, ...compilerOptions }, include: [folder] };
}

const RESOLUTIONS = {
  nodenext: { module: 'NodeNext', moduleResolution: 'NodeNext' },
  bundler: { module: 'ESNext', moduleResolution: 'Bundler' },
};

function prepareConsumer(dir, tarballs, files) {
  mkdirSync(join(dir, 'snippets'), { recursive: true });
  mkdirSync(join(dir, 'snippets-skiplib'), { recursive: true });
  for (const { name, text } of files) {
    const folder = needsSkipLibCheck(text) ? 'snippets-skiplib' : 'snippets';
    writeFileSync(join(dir, folder, name), text);
  }
  const dependencies = Object.fromEntries([
    ...[...tarballs].map(([name, tarball]) => [name, `file:${tarball}`]),
    ...thirdPartyImports(files).map((name) => {
      const range = workspaceRange(name);
      if (!range) throw new Error(`a README snippet imports ${name}: no version known for it`);
      return [name, range];
    }),
  ]);
  writeJson(
    join(dir, 'package.json'),
    useTarballs(
      { name: 'rotakit-consumer', private: true, type: 'module', dependencies },
      tarballs,
    ),
  );
  for (const [resolution, options] of Object.entries(RESOLUTIONS)) {
    writeJson(join(dir, `tsconfig.${resolution}.json`), tsconfig(options));
    writeJson(
      join(dir, `tsconfig.${resolution}.skiplib.json`),
      tsconfig({ ...options, skipLibCheck: true }, 'snippets-skiplib'),
    );
  }
}

function checkSnippets(dir, files) {
  console.log(`  ${files.length} snippets: ${files.map((file) => file.source).join(', ')}`);
  const lenient = files.filter((file) => needsSkipLibCheck(file.text));
  for (const resolution of Object.keys(RESOLUTIONS)) {
    step(
      `README snippets type-check (${resolution})`,
      'npx',
      ['tsc', '-p', `tsconfig.${resolution}.json`],
      { cwd: dir },
    );
    if (lenient.length === 0) continue;
    step(
      `README snippets type-check (${resolution}, skipLibCheck: ${lenient.map((f) => f.source).join(', ')})`,
      'npx',
      ['tsc', '-p', `tsconfig.${resolution}.skiplib.json`],
      { cwd: dir },
    );
  }
}

// ---- 4. entry points and bins ----------------------------------------------------------

function entryPoints(packs) {
  return packs.flatMap(({ manifest }) =>
    Object.entries(manifest.exports ?? {})
      .filter(([subpath]) => subpath !== './package.json')
      .map(([subpath, conditions]) => ({
        specifier: `${manifest.name}${subpath.slice(1)}`,
        require: typeof conditions === 'object' && 'require' in conditions,
      })),
  );
}

/** A script that loads each specifier with `load` and fails naming those that break. */
function loaderScript(specifiers, load) {
  return `const failed = [];
for (const specifier of ${JSON.stringify(specifiers)}) {
  try {
    if (Object.keys(${load}).length === 0) failed.push(\`\${specifier}: exports nothing\`);
  } catch (error) {
    failed.push(\`\${specifier}: \${String(error.message).split('\\n')[0]}\`);
  }
}
if (failed.length) {
  console.error(failed.join('\\n'));
  process.exitCode = 1;
}
`;
}

function checkEntryPoints(dir, packs) {
  const entries = entryPoints(packs);
  const requirable = entries
    .filter((entry) => entry.require && !(entry.specifier in NOT_REQUIRABLE))
    .map((entry) => entry.specifier);
  for (const [specifier, reason] of Object.entries(NOT_REQUIRABLE)) {
    console.log(`  -- not require()d: ${specifier} (${reason})`);
  }
  const all = entries.map((entry) => entry.specifier);
  writeFileSync(join(dir, 'require-all.cjs'), loaderScript(requirable, 'require(specifier)'));
  writeFileSync(join(dir, 'import-all.mjs'), loaderScript(all, 'await import(specifier)'));
  step(`require() from CommonJS: ${requirable.join(', ')}`, 'node', ['require-all.cjs'], {
    cwd: dir,
  });
  step(`import() from ESM: ${all.length} entry points`, 'node', ['import-all.mjs'], { cwd: dir });
  for (const { manifest } of packs) {
    for (const bin of Object.keys(manifest.bin ?? {})) {
      step(`bin ${bin} --help`, 'npx', ['--no-install', bin, '--help'], { cwd: dir });
    }
  }
}

// ---- 5. install footprint --------------------------------------------------------------

function footprint(work, label, packageNames, tarballs) {
  const dir = join(work, `footprint-${label.replace(/\W+/g, '-')}`);
  mkdirSync(dir);
  const dependencies = Object.fromEntries(
    packageNames.map((name) => [name, `file:${tarballs.get(name)}`]),
  );
  writeJson(
    join(dir, 'package.json'),
    useTarballs({ name: 'footprint', private: true, dependencies }, tarballs),
  );
  if (!step(`${label}: npm install`, 'npm', ['install', ...NPM_FLAGS], { cwd: dir })) return;
  const size = run('du', ['-sh', 'node_modules'], { cwd: dir }).split('\t')[0];
  const count = countPackages(join(dir, 'node_modules'));
  console.log(`  ${label}: node_modules ${size}, ${count} packages`);
}

function countPackages(nodeModules) {
  let count = 0;
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const path = join(nodeModules, entry);
    if (entry.startsWith('@')) {
      count += countPackages(path);
      continue;
    }
    if (!existsSync(join(path, 'package.json'))) continue;
    count++;
    const nested = join(path, 'node_modules');
    if (existsSync(nested) && statSync(nested).isDirectory()) count += countPackages(nested);
  }
  return count;
}

// ---- main ------------------------------------------------------------------------------

function main() {
  const work = mkdtempSync(join(tmpdir(), 'rotakit-outside-'));
  const started = Date.now();
  try {
    console.log('== tarballs');
    const tarballDir = join(work, 'tarballs');
    mkdirSync(tarballDir);
    const packs = packAll(tarballDir);
    packs.forEach(checkTarball);
    const tarballs = new Map(packs.map(({ name, tarball }) => [name, tarball]));

    console.log('== examples, copied out of the workspace');
    checkExamples(work, tarballs);

    console.log('== a fresh project: README snippets, entry points, bins');
    const consumer = join(work, 'consumer');
    const files = snippetFiles();
    prepareConsumer(consumer, tarballs, files);
    if (step('consumer: npm install', 'npm', ['install', ...NPM_FLAGS], { cwd: consumer })) {
      checkSnippets(consumer, files);
      checkEntryPoints(consumer, packs);
    }

    console.log('== install footprint (fresh npm project, from the tarballs)');
    footprint(work, '@rotakit/secret-pool', ['@rotakit/secret-pool'], tarballs);
    footprint(work, '@rotakit/cli', ['@rotakit/cli'], tarballs);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (failures.length) {
    console.error(`outside the workspace: ${failures.length} check(s) FAILED (${seconds} s)`);
    process.exit(1);
  }
  console.log(`outside the workspace: all checks passed (${seconds} s)`);
}

main();
