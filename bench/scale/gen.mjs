#!/usr/bin/env node
// Generates a synthetic monorepo as its own Bazel workspace, for bench/scale/run.mjs:
//   node bench/scale/gen.mjs --libs 1000 [--bins 100] [--out bench/scale/ws/libs-1000] [--rules-par DIR]
// Shape of a real monorepo: python_library targets in 8 layers (base ... product), each
// depending on one target of the layer below plus 0-4 of any lower layer, picked with a
// skew towards the first targets of a layer, so a few hubs have a large fan-in (like a
// logging or config package) and most targets a small one. Every target has an __init__.py
// and 2-5 modules of 1-4 KiB that import its deps (imports_check passes). 100 python_binary
// targets at the top each depend on 2-4 targets of the two upper layers; the first one also
// bundles numpy when examples/numpy/make_wheels.sh has generated the wheel.
// Deterministic: the same arguments give the same files. Writes graph.json beside the
// workspace for the benchmark (the library to edit and which binaries contain it).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { prng, pythonSource } = require('../pack/inputs.js');
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const LAYERS = ['base', 'core', 'infra', 'data', 'domain', 'services', 'features', 'product'];
/** Share of the targets per layer: few at the bottom, most in the middle. */
const SHARES = [0.03, 0.06, 0.1, 0.13, 0.18, 0.2, 0.18, 0.12];
const NAMES = ('auth billing cache config crypto events flags geo http i18n jobs ledger logging metrics ' +
  'models notify orders payments pricing queue ranking search storage tracing users').split(' ');

/**
 * Copies the rule set's tracked files (the ones a workspace loads) to `dest`: a benchmark
 * builds against this frozen copy, so other work in the tree (a regenerated par.js, an
 * edited .bzl) cannot invalidate actions between its phases.
 */
export function freezeRules(dest) {
  rmSync(dest, { recursive: true, force: true });
  const r = spawnSync('git', ['ls-files', '-co', '--exclude-standard', '--', 'WORKSPACE', 'BUILD', 'MODULE.bazel', 'rules', 'src', 'toolchains', 'third_party', 'tools'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`git ls-files in ${ROOT} failed:\n${r.stderr}`);
  for (const f of r.stdout.split('\n').filter(Boolean)) {
    if (!existsSync(join(ROOT, f))) continue; // listed but deleted in the work tree
    mkdirSync(dirname(join(dest, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(dest, f));
  }
}

/** `rulesPar`: the rule set's checkout (default: this one), e.g. a frozen copy for a benchmark. */
export function generate({ libs, bins = 100, out, rulesPar = ROOT }) {
  const rand = prng(libs * 31 + bins);
  const pick = (n) => Math.floor(rand() * n);
  // Skewed towards index 0: r^3 puts ~46% of the picks in the first 10% of a layer.
  const pickHub = (n) => Math.floor(n * rand() ** 3);

  const layers = LAYERS.map(() => []);
  const targets = [];
  let left = libs;
  LAYERS.forEach((layer, k) => {
    const count = k === LAYERS.length - 1 ? left : Math.max(1, Math.round(libs * SHARES[k]));
    left -= count;
    for (let i = 0; i < count; i++) {
      const name = `${NAMES[i % NAMES.length]}_${i}`;
      const t = { id: targets.length, layer: k, pkg: `libs/${layer}/${name}`, name, deps: [], modules: [] };
      const deps = new Set();
      if (k > 0) {
        deps.add(layers[k - 1][pick(layers[k - 1].length)]);
        const extra = pick(5);
        for (let d = 0; d < extra; d++) {
          const j = pick(k);
          deps.add(layers[j][pickHub(layers[j].length)]);
        }
      } else if (i > 0 && rand() < 0.3) {
        deps.add(layers[0][pick(i)]);
      }
      t.deps = [...deps].sort((a, b) => a.id - b.id);
      const nmod = 2 + pick(4);
      for (let m = 0; m < nmod; m++) t.modules.push(`mod_${m}`);
      layers[k].push(t);
      targets.push(t);
    }
  });
  const top = [...layers[LAYERS.length - 1], ...layers[LAYERS.length - 2]];
  const binaries = [];
  for (let b = 0; b < bins; b++) {
    const deps = new Set();
    const n = 2 + pick(3);
    for (let d = 0; d < n; d++) deps.add(top[pick(top.length)]);
    binaries.push({ name: `app_${b}`, pkg: `apps/app_${b}`, deps: [...deps].sort((a, b2) => a.id - b2.id) });
  }

  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const write = (rel, text) => {
    const file = join(out, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  };
  const modName = (t, m) => `${t.pkg.replace(/\//g, '.')}.${m}`;
  const label = (t) => `//${t.pkg}`;

  const repo = relative(out, rulesPar) || '.';
  write('WORKSPACE', `# Generated by bench/scale/gen.mjs (--libs ${libs} --bins ${bins}).
workspace(name = "scale_bench")

local_repository(name = "rules_par", path = "${repo}")

# Offline stand-ins, as in examples/external/WORKSPACE.
local_repository(name = "rules_java", path = "${repo}/third_party/offline_stubs/rules_java")

local_repository(name = "rules_cc", path = "${repo}/third_party/offline_stubs/rules_cc")

load("@rules_par//rules:repositories.bzl", "rules_par_dependencies", "rules_par_register_toolchains")

rules_par_dependencies()

rules_par_register_toolchains()
`);
  // As the rule set's own .bazelrc; scripts/bazel adds Bazel 4's JSON-worker flag.
  write('.bazelrc', 'build --incompatible_strict_action_env\n');
  write('BUILD', '');

  for (const t of targets) {
    const srcs = ['__init__.py', ...t.modules.map((m) => `${m}.py`)];
    const deps = t.deps.map((d) => `        "${label(d)}",`).join('\n');
    write(`${t.pkg}/BUILD`, `load("@rules_par//rules:defs.bzl", "python_library")

python_library(
    name = "${t.name}",
    srcs = [
${srcs.map((s) => `        "${s}",`).join('\n')}
    ],
    deps = [
${deps}
    ],
    visibility = ["//visibility:public"],
)
`);
    write(`${t.pkg}/__init__.py`, `"""${label(t)}."""\n`);
    t.modules.forEach((m, i) => {
      // Each dep is imported by some module of the target; the others import their siblings.
      const imports = t.deps.filter((_, d) => d % t.modules.length === i).map((d) => `import ${modName(d, d.modules[0])}`);
      if (i > 0) imports.push(`from . import ${t.modules[0]}`);
      write(`${t.pkg}/${m}.py`, imports.join('\n') + '\n' + pythonSource(rand, 1024 + pick(3072)).toString());
    });
  }

  const wheelDir = join(ROOT, 'examples/numpy/third_party');
  const wheel = existsSync(wheelDir) ? readdirSync(wheelDir).find((f) => /^numpy-.*\.whl$/.test(f)) : undefined;
  if (wheel) {
    mkdirSync(join(out, 'third_party'), { recursive: true });
    copyFileSync(join(wheelDir, wheel), join(out, 'third_party', wheel));
    write('third_party/BUILD', `load("@rules_par//rules:defs.bzl", "python_wheel")

python_wheel(
    name = "numpy",
    wheel = "${wheel}",
    visibility = ["//visibility:public"],
)
`);
  }
  binaries.forEach((b, i) => {
    const numpy = wheel && i === 0;
    const deps = [...b.deps.map((d) => `"${label(d)}"`), ...(numpy ? ['"//third_party:numpy"'] : [])];
    write(`${b.pkg}/BUILD`, `load("@rules_par//rules:defs.bzl", "python_binary")

python_binary(
    name = "${b.name}",
    main = "main.py",
    srcs = ["main.py"],
    deps = [${deps.join(', ')}],
)
`);
    const imports = b.deps.map((d) => `import ${modName(d, d.modules[0])}`);
    if (numpy) imports.push('import numpy');
    write(`${b.pkg}/main.py`, `${imports.join('\n')}\n\nprint("${b.name}")\n`);
  });

  // The library to edit for the one-file-change rebuild: a direct dep of app_0 (the numpy
  // binary) in the layer below the top, and the binaries whose closure contains it.
  const closure = (t, seen = new Set()) => {
    if (!seen.has(t)) {
      seen.add(t);
      for (const d of t.deps) closure(d, seen);
    }
    return seen;
  };
  const edit = [...binaries[0].deps].sort((a, b) => a.layer - b.layer)[0];
  const containing = binaries.filter((b) => b.deps.some((d) => closure(d).has(edit))).map((b) => b.name);
  const edges = targets.reduce((n, t) => n + t.deps.length, 0);
  const fanIn = new Map();
  for (const t of targets) for (const d of t.deps) fanIn.set(d, (fanIn.get(d) ?? 0) + 1);
  const graph = {
    libs,
    bins,
    modules: targets.reduce((n, t) => n + t.modules.length + 1, 0),
    edges,
    maxFanIn: Math.max(...fanIn.values()),
    meanClosure: Math.round(binaries.reduce((n, b) => n + new Set(b.deps.flatMap((d) => [...closure(d)])).size, 0) / bins),
    numpy: wheel ? `//${binaries[0].pkg}:${binaries[0].name}` : null,
    edit: { label: `${label(edit)}:${edit.name}`, file: `${edit.pkg}/${edit.modules[edit.modules.length - 1]}.py`, binaries: containing },
  };
  writeFileSync(join(out, 'graph.json'), JSON.stringify(graph, null, 2) + '\n');
  return graph;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const opt = (name, dflt) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : dflt);
  const libs = Number(opt('libs', 1000));
  const bins = Number(opt('bins', 100));
  const out = resolve(opt('out', join(ROOT, `bench/scale/ws/libs-${libs}`)));
  const t = Date.now();
  const g = generate({ libs, bins, out, rulesPar: resolve(opt('rules-par', ROOT)) });
  console.log(`${out}: ${g.libs} libraries (${g.modules} modules, ${g.edges} deps, max fan-in ${g.maxFanIn}), ${g.bins} binaries (mean closure ${g.meanClosure} libraries) in ${Date.now() - t} ms`);
}
