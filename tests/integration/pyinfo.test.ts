// DESIGN.md: deps that carry Bazel's own PyInfo (native py_library, rules_python) are
// accepted. Their sources land at their repository paths and their `imports` become
// import roots of the archive.
import { join } from 'node:path';
import { bazel, buildArchive, runArchive, scratch, writeWorkspace } from './harness';

const dir = scratch('par-pyinfo-');
const ws = join(dir, 'ws');
const startup = [`--output_base=${join(dir, 'ob')}`];

beforeAll(() => {
  writeWorkspace(ws, {
    'legacy/BUILD': `py_library(
    name = "legacy",
    srcs = ["src/oldlib.py", "helpers.py"],
    imports = ["src"],
    visibility = ["//visibility:public"],
)
`,
    'legacy/src/oldlib.py': 'def greet(who):\n    return "old " + who\n',
    'legacy/helpers.py': 'PREFIX = "helped"\n',
    'app/BUILD': `load("@rules_par//rules:defs.bzl", "python_binary")

python_binary(
    name = "app",
    main = "main.py",
    srcs = ["main.py"],
    deps = ["//legacy"],
)
`,
    'app/main.py': 'import oldlib\nfrom legacy import helpers\nprint(helpers.PREFIX, oldlib.greet("py_library"))\n',
  });
});

afterAll(() => {
  bazel(['shutdown'], { cwd: ws, startup });
});

test('a native py_library dep is packed, with its imports as import roots', () => {
  const archive = buildArchive('//app:app', [], { cwd: ws, startup });
  const r = runArchive(archive);
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe('helped old py_library\n');
  expect(r.status).toBe(0);
}, 240_000);
