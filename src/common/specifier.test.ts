import { compatibleMinors, parseSpecifier, satisfies, SpecifierError } from './specifier';

describe('parseSpecifier', () => {
  it('parses comma-separated clauses', () => {
    expect(parseSpecifier('>=3.8, <3.13')).toEqual([['>=', [3, 8], false], ['<', [3, 13], false]]);
  });
  it('expands ~= into a lower bound and a prefix match', () => {
    expect(parseSpecifier('~=3.10')).toEqual([['>=', [3, 10], false], ['==', [3], true]]);
    expect(parseSpecifier('~=3.10.4')).toEqual([['>=', [3, 10, 4], false], ['==', [3, 10], true]]);
  });
  it('accepts wildcards with == and !=', () => {
    expect(parseSpecifier('==3.11.*')).toEqual([['==', [3, 11], true]]);
    expect(parseSpecifier('!=3.9.*')).toEqual([['!=', [3, 9], true]]);
  });
  it('treats an empty specifier as no constraint', () => {
    expect(parseSpecifier('')).toEqual([]);
  });
  it.each([
    ['python3', "'python3' is not a version clause"],
    ['>=3.8;<4', "'>=3.8;<4' is not a version clause"],
    ['>=3.*', 'a trailing .* is only allowed with == and !='],
    ['~=3', '~= needs at least two release segments'],
    ['===3.11', 'arbitrary equality (===)'],
    ['>=3.8,', "'' is not a version clause"],
  ])('rejects %s naming the problem', (spec, message) => {
    expect(() => parseSpecifier(spec)).toThrow(SpecifierError);
    expect(() => parseSpecifier(spec)).toThrow(message);
  });
});

describe('satisfies', () => {
  const v = (s: string) => s.split('.').map(Number);
  it.each([
    ['>=3.8', '3.8.0', true],
    ['>=3.8', '3.7.17', false],
    ['>3.8', '3.8.1', true],
    ['>3.8', '3.8.0', false],
    ['<3.13', '3.12.9', true],
    ['<3.13', '3.13.0', false],
    ['==3.11.*', '3.11.7', true],
    ['==3.11.*', '3.12.0', false],
    ['!=3.11.*', '3.11.2', false],
    ['==3.11', '3.11.0', true],
    ['==3.11', '3.11.7', false],
    ['~=3.10', '3.13.0', true],
    ['~=3.10', '3.9.0', false],
    ['~=3.10.4', '3.10.9', true],
    ['~=3.10.4', '3.11.0', false],
    ['>=3.8,!=3.9.*,<3.14', '3.9.5', false],
    ['>=3.8,!=3.9.*,<3.14', '3.10.5', true],
  ])('%s with %s is %s', (spec, version, expected) => {
    expect(satisfies(parseSpecifier(spec), v(version))).toBe(expected);
  });
});

describe('compatibleMinors', () => {
  it('lists satisfying minors newest first', () => {
    expect(compatibleMinors(parseSpecifier('>=3.10,<3.13'))).toEqual(['3.12', '3.11', '3.10']);
  });
  it('includes a minor when only some of its micro releases satisfy', () => {
    expect(compatibleMinors(parseSpecifier('>=3.11.4,<3.12'))).toEqual(['3.11']);
  });
  it('is empty when no Python 3 satisfies', () => {
    expect(compatibleMinors(parseSpecifier('>=3.99'))).toEqual([]);
    expect(compatibleMinors(parseSpecifier('<3'))).toEqual([]);
  });
});
