import { checkDistributions, groupDistributions, renderDistributions } from './audit';

const w = (label: string, name: string, normalized: string, version: string) => ({ label, name, normalized, version });

test('wheels group by normalised name; one version each passes and is listed', () => {
  const d = groupDistributions([w('//b:numpy', 'numpy', 'numpy', '2.4.6'), w('//a:numpy', 'numpy', 'numpy', '2.4.6'), w('//x:req', 'requests', 'requests', '2.32.0')]);
  expect(d).toEqual([
    { name: 'numpy', versions: [{ version: '2.4.6', labels: ['//a:numpy', '//b:numpy'] }] },
    { name: 'requests', versions: [{ version: '2.32.0', labels: ['//x:req'] }] },
  ]);
  expect(() => checkDistributions(d)).not.toThrow();
  expect(renderDistributions(d)).toContain('2 distributions, one version each');
});

test('two versions of one normalised distribution fail naming both labels and versions', () => {
  const d = groupDistributions([w('//third_party:demo', 'demo_pkg', 'demo-pkg', '1.0'), w('//legacy:demo', 'Demo.Pkg', 'demo-pkg', '2.0'), w('//x:ok', 'ok', 'ok', '1')]);
  expect(() => checkDistributions(d)).toThrow('1 distribution is provided at more than one version:\n  demo-pkg: //third_party:demo (1.0) vs //legacy:demo (2.0)');
});

test('no wheels: says so', () => {
  expect(renderDistributions([])).toBe('par audit: no python_wheel targets\n');
});
