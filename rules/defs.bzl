"""Public API of rules_par. Load everything from here; rules/private/ may change at any time.

    load("@rules_par//rules:defs.bzl", "python_binary", "python_library", "python_wheel")

    python_library(name = "lib", srcs = ["lib.py"])
    python_binary(name = "pkg", main = "main.py", srcs = ["main.py"], deps = [":lib"])
    python_test(name = "lib_test", srcs = ["lib_test.py"], deps = [":lib"])

`bazel build //pkg:pkg` writes bazel-bin/pkg/pkg: one file that runs like a command;
`bazel test //pkg:lib_test` runs the tests from the same kind of archive (docs/testing.md).
"""

load("//rules/private:binary.bzl", _python_binary = "python_binary")
load("//rules/private:ide_aspect.bzl", _par_ide_aspect = "par_ide_aspect")
load("//rules/private:library.bzl", _python_library = "python_library")
load("//rules/private:providers.bzl", _PythonInfo = "PythonInfo")
load("//rules/private:test.bzl", _python_test = "python_test")
load("//rules/private:wheel.bzl", _python_wheel = "python_wheel")

python_library = _python_library
python_binary = _python_binary
python_wheel = _python_wheel
python_test = _python_test
PythonInfo = _PythonInfo
par_ide_aspect = _par_ide_aspect
