import { platformEnvironment, platformFits } from './platforms';

test('which wheel platforms install on a target platform (pip rules: glibc and macOS versions, arch, universal2)', () => {
  const fits = (wheel: string, target: string) => platformFits(wheel, target);
  expect([
    fits('any', 'macosx_11_0_arm64'),
    fits('manylinux_2_17_x86_64', 'manylinux_2_28_x86_64'),
    fits('manylinux2014_x86_64', 'manylinux_2_28_x86_64'),
    fits('manylinux_2_28_x86_64', 'manylinux_2_17_x86_64'),
    fits('manylinux_2_17_aarch64', 'manylinux_2_28_x86_64'),
    fits('linux_x86_64', 'manylinux_2_28_x86_64'),
    fits('musllinux_1_1_x86_64', 'manylinux_2_28_x86_64'),
    fits('macosx_10_9_universal2', 'macosx_11_0_arm64'),
    fits('macosx_12_0_arm64', 'macosx_11_0_arm64'),
    fits('macosx_11_0_arm64', 'macosx_11_0_x86_64'),
    fits('win_amd64', 'win_amd64'),
  ]).toEqual([true, true, true, false, false, true, false, true, false, false, true]);
});

test('the marker environment follows the target platform', () => {
  const pick = (p: string) => {
    const e = platformEnvironment('3.12', p);
    return [e.sys_platform, e.platform_system, e.platform_machine, e.os_name, e.python_version];
  };
  expect(pick('macosx_11_0_arm64')).toEqual(['darwin', 'Darwin', 'arm64', 'posix', '3.12']);
  expect(pick('manylinux_2_17_aarch64')).toEqual(['linux', 'Linux', 'aarch64', 'posix', '3.12']);
  expect(pick('win_amd64')).toEqual(['win32', 'Windows', 'AMD64', 'nt', '3.12']);
});
