"""imports_check: every first-party import of a python_binary's code must resolve.

Two actions, both run by the node packager bundle:
- `ParImportsCheck`, one per python_library (via par_imports_aspect along `deps`) and one
  for a binary's own srcs: resolves each import of the target's own sources against the
  modules of its closure (paths only, never their contents), its wheels' top-level names and
  the stdlib list. It records unresolved imports and always succeeds, so one edited file
  re-runs the check of its own library only and the result is shared by every binary.
- `ParImportsReport`, one per binary with imports_check != "off": reads the results of its
  closure, drops imports_ignore, names a target of the binary's closure that provides each
  missing module, and fails ("error") or prints a warning ("warn"). It is the binary's
  `_validation` output, so it runs beside packing and `bazel build` fails when it fails.

This file wires them: the aspect along `deps` and the binary's validation. The actions are
emitted by actions.bzl, the provider is in providers.bzl, the stdlib list in stdlib_modules.bzl.
"""

load(":actions.bzl", "emit_imports_check", "emit_imports_report")
load(":paths.bzl", "archive_path")
load(":providers.bzl", "PythonInfo", _ParImportsInfo = "ParImportsInfo")
load(":stdlib_modules.bzl", _par_stdlib_modules = "par_stdlib_modules")
load("//toolchains:toolchain_types.bzl", "NODE_TOOLCHAIN_TYPE")

# Loadable from here as before the split.
ParImportsInfo = _ParImportsInfo
par_stdlib_modules = _par_stdlib_modules

def _owner_lines(label, srcs):
    return ["%s\t%s" % (archive_path(f), label) for f in srcs]

def _par_imports_aspect_impl(target, ctx):
    deps = [d[ParImportsInfo] for d in getattr(ctx.rule.attr, "deps", []) if ParImportsInfo in d]
    results = [d.results for d in deps]
    owners = [d.owners for d in deps]
    srcs = [f for f in getattr(ctx.rule.files, "srcs", []) if f.extension == "py"]
    own_results = []
    if PythonInfo in target and ctx.rule.kind == "python_library" and srcs:
        node = ctx.toolchains[NODE_TOOLCHAIN_TYPE].par_node.node
        own_results.append(emit_imports_check(
            ctx,
            target.label,
            srcs,
            target[PythonInfo],
            ctx.file._stdlib_modules,
            node,
            ctx.file._packager,
            "_par/" + ctx.label.name,
        ))
    return [ParImportsInfo(
        results = depset(own_results, transitive = results),
        owners = depset(_owner_lines(target.label, srcs), transitive = owners),
    )]

par_imports_aspect = aspect(
    implementation = _par_imports_aspect_impl,
    doc = "Registers the per-library imports check along deps; python_binary reports the results.",
    attr_aspects = ["deps"],
    attrs = {
        "_packager": attr.label(default = Label("//rules/private/tools:par.js"), allow_single_file = True, cfg = "exec"),
        "_stdlib_modules": attr.label(default = Label("//rules/private:stdlib_modules"), allow_single_file = True),
    },
    toolchains = [NODE_TOOLCHAIN_TYPE],
)

def closure_owners(ctx):
    """depset[str]: 'archive_path<TAB>label' of each source of the binary and of its deps' targets."""
    owners = [d[ParImportsInfo].owners for d in ctx.attr.deps if ParImportsInfo in d]
    return depset(_owner_lines(ctx.label, ctx.files.srcs), transitive = owners)

def _module_index(ctx):
    """The workspace's module index File (@rules_par//:module_index), or None when none is set."""

    # A rule without the attribute (a python_test written before it) has no index.
    files = getattr(ctx.files, "_module_index", [])
    if len(files) > 1:
        fail("python_binary %s: @rules_par//:module_index names %d files; it takes one module index (par_modules.txt, written by `par gen`)." % (ctx.label, len(files)))
    return files[0] if files else None

def imports_validation(ctx, info, owners = None):
    """The binary's `_validation` outputs: its own srcs' check plus the report over its closure.

    `owners`: closure_owners(ctx), when the caller has it already.
    """
    if owners == None:
        owners = closure_owners(ctx)
    if ctx.attr.imports_check == "off":
        return depset()
    node = ctx.toolchains[NODE_TOOLCHAIN_TYPE].par_node.node
    stdlib = ctx.file._stdlib_modules
    results = [d[ParImportsInfo].results for d in ctx.attr.deps if ParImportsInfo in d]
    srcs = ctx.files.srcs
    own = []
    if srcs:
        own.append(emit_imports_check(ctx, ctx.label, srcs, info, stdlib, node, ctx.file._packager, "_par/%s.bin" % ctx.label.name))
    all_results = depset(own, transitive = results)
    return depset([emit_imports_report(ctx, info, all_results, owners, node, _module_index(ctx))])
