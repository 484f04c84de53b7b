import { graphDot, graphJson, parseQuery } from './target-graph';

const LABEL_KIND = 'python_binary rule //bin:pkg\npython_library rule //pip:pip\npython_library rule //pip/_vendor/packaging:packaging\n';
const DOT = 'digraph mygraph {\n  node [shape=box];\n  "//bin:pkg"\n  "//bin:pkg" -> "//pip:pip"\n  "//pip:pip" -> "//pip/_vendor/packaging:packaging"\n  "//pip:pip" -> "//pip:BUILD.bazel"\n}\n';

describe('par graph', () => {
  test('json: nodes with kinds and deps, dependencies first', () => {
    expect(graphJson(parseQuery(LABEL_KIND, DOT))).toEqual({
      nodes: [
        { label: '//bin:pkg', kind: 'python_binary', deps: ['//pip:pip'] },
        { label: '//pip/_vendor/packaging:packaging', kind: 'python_library', deps: [] },
        { label: '//pip:pip', kind: 'python_library', deps: ['//pip/_vendor/packaging:packaging'] },
      ],
      order: ['//pip/_vendor/packaging:packaging', '//pip:pip', '//bin:pkg'],
    });
  });

  test('dot: one node line per target, edges sorted, non-Python nodes dropped', () => {
    const dot = graphDot(parseQuery(LABEL_KIND, DOT));
    expect(dot).toContain('  "//bin:pkg" -> "//pip:pip";\n  "//pip:pip" -> "//pip/_vendor/packaging:packaging";\n}');
    expect(dot).not.toContain('BUILD.bazel');
  });
});
