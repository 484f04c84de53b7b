// The target graph of a binary for `par graph`: Bazel's own query (so macros, aliases and
// select()s are as Bazel sees them), restricted to Python rules, held in a graphlib Graph.
import { spawnSync } from 'node:child_process';
import { alg, Graph } from 'graphlib';
import { ParError } from '../common/errors';
import { findBazel } from '../common/bazel';

const KINDS = 'kind("python_|py_", deps(%L))';

function query(ws: string, expr: string, output: string[]): string {
  const r = spawnSync(findBazel(), ['query', '--noimplicit_deps', ...output, expr], { cwd: ws, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) {
    throw new ParError('BAZEL_FAILED', `bazel query '${expr}' failed (exit ${r.status ?? r.signal}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' ')}`, {
      hint: 'Check that the label names a target of this workspace.',
    });
  }
  return r.stdout;
}

/** Parses `bazel query --output=label_kind` and `--output=graph --nograph:factored` into a Graph. */
export function parseQuery(labelKind: string, dot: string): Graph {
  const g = new Graph({ directed: true });
  for (const line of labelKind.split('\n')) {
    const m = /^(\S+) rule (\S+)$/.exec(line.trim());
    if (m) g.setNode(m[2], { kind: m[1] });
  }
  for (const m of dot.matchAll(/^\s*"([^"]+)"\s*->\s*"([^"]+)"/gm)) {
    if (g.hasNode(m[1]) && g.hasNode(m[2])) g.setEdge(m[1], m[2]);
  }
  return g;
}

export function targetGraph(ws: string, label: string): Graph {
  const expr = KINDS.replace('%L', label);
  return parseQuery(query(ws, expr, ['--output=label_kind']), query(ws, expr, ['--output=graph', '--nograph:factored']));
}

export function graphJson(g: Graph): { nodes: { label: string; kind: string; deps: string[] }[]; order: string[] } {
  const nodes = g.nodes().sort().map((n) => ({ label: n, kind: (g.node(n) as { kind: string }).kind, deps: (g.successors(n) ?? []).sort() }));
  // Dependencies first: the order a build (or an IDE indexer) would visit them.
  const order = alg.isAcyclic(g) ? alg.topsort(g).reverse() : [];
  return { nodes, order };
}

export function graphDot(g: Graph): string {
  const lines = ['digraph targets {', '  rankdir = LR;', '  node [shape = box];'];
  for (const n of g.nodes().sort()) lines.push(`  ${JSON.stringify(n)} [label = ${JSON.stringify(`${n}\n${(g.node(n) as { kind: string }).kind}`)}];`);
  for (const e of g.edges().sort((a, b) => (a.v + a.w < b.v + b.w ? -1 : 1))) lines.push(`  ${JSON.stringify(e.v)} -> ${JSON.stringify(e.w)};`);
  lines.push('}');
  return lines.join('\n') + '\n';
}
