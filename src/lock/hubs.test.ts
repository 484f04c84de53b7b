import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gen } from '../gen/gen';
import { declaredHubs, thirdPartyModules } from './hubs';

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'par-hubs-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(d, p, '..'), { recursive: true });
    writeFileSync(join(d, p), text);
  }
  return d;
}

const hub = (name: string, dists: [string, string[]][]) => JSON.stringify({ hub: name, lock: '//:l', distributions: dists.map(([d, modules]) => ({ name: d, label: `@${name}//${d}`, modules })) });

describe('par_wheels hubs for gen and audit', () => {
  it('finds the hubs WORKSPACE and MODULE.bazel declare', () => {
    const d = dir({
      WORKSPACE: 'load("@rules_par//rules:repositories.bzl", "par_wheels")\npar_wheels(\n    name = "pypi",\n    lock = "//:pylock.toml",\n)\n# par_wheels(name = "old")\n',
      'MODULE.bazel': 'par = use_extension("@rules_par//rules:extensions.bzl", "par")\npar.wheels(name = "tools", lock = "//:r.txt")\n',
    });
    expect(declaredHubs(d)).toEqual(['pypi', 'tools']);
  });

  it('gen adds the hub label of each third-party import, by top-level module', () => {
    const d = dir({
      WORKSPACE: '',
      'hub.json': hub('pypi', [['pyyaml', ['_yaml', 'yaml']], ['requests', ['requests']], ['other', ['yaml']]]),
      'app/BUILD': '',
      'app/main.py': 'import yaml\nfrom requests.adapters import HTTPAdapter\nimport app.util\nimport json\nimport missing_mod\n',
      'app/util.py': 'import requests\n',
    });
    const { modules, warnings } = thirdPartyModules([join(d, 'hub.json')]);
    expect(warnings).toEqual(['module yaml is provided by @pypi//pyyaml and @pypi//other; imports of it get @pypi//pyyaml']);
    gen({ workspace: d, thirdParty: modules });
    expect(readFileSync(join(d, 'app/BUILD'), 'utf8')).toBe([
      'load("@rules_par//rules:defs.bzl", "python_library")',
      '',
      'python_library(',
      '    name = "app",',
      '    srcs = [',
      '        "main.py",',
      '        "util.py",',
      '    ],',
      '    visibility = ["//visibility:public"],',
      '    deps = [',
      '        "@pypi//pyyaml",',
      '        "@pypi//requests",',
      '    ],',
      ')',
      '',
    ].join('\n'));
  });
});
