"""Module extension for bzlmod users (MODULE.bazel); WORKSPACE users call rules/repositories.bzl."""

load("//toolchains/node:repository.bzl", "par_node_configure")
load("//toolchains/python:repository.bzl", "par_python_configure")

def _toolchains_impl(_mctx):
    par_python_configure(name = "par_python")
    par_node_configure(name = "par_node")

toolchains = module_extension(implementation = _toolchains_impl)
