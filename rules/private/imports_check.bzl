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
"""

load(":actions.bzl", "run_node_worker")
load(":paths.bzl", "archive_path")
load(":providers.bzl", "PythonInfo")
load("//toolchains:toolchain_types.bzl", "NODE_TOOLCHAIN_TYPE", "PYTHON_TOOLCHAIN_TYPE")

ParImportsInfo = provider(
    doc = "Import check results below a target.",
    fields = {
        "results": "depset[File]: the ParImportsCheck result JSON of each python_library below (and including) the target.",
        "owners": "depset[str]: 'archive_path<TAB>label' of each library source below the target, for suggestions.",
    },
)

def _src(f):
    return "src\t%s\t%s" % (f.path, archive_path(f))

def _closure(f):
    return "closure\t" + archive_path(f)

def _native_closure(f):
    # Extension modules shipped as data (a compiled _speedups.cpython-311-x86_64-linux-gnu.so)
    # provide a module too; other data files do not.
    return "closure\t" + archive_path(f) if f.extension in ("so", "pyd") else None

def _root(r):
    return "root\t" + r

def _foreign_root(r):
    # PyInfo spells roots 'repo/path'; sources of every repository share one archive tree.
    return "root\t" + (r.split("/", 1)[1] if "/" in r else "")

def _wheel(w):
    return "wheel\t%s\t%s" % (w.info.path, w.label)

def _result(f):
    return "result\t" + f.path

def emit_imports_check(ctx, label, srcs, info, stdlib, node, packager, out_name):
    """Registers ParImportsCheck for `srcs` against `info` (their target's PythonInfo); returns the result File."""
    request = ctx.actions.declare_file(out_name + ".imports_request")
    args = ctx.actions.args()
    args.set_param_file_format("multiline")
    args.add("label\t" + str(label))
    args.add("stdlib\t" + stdlib.path)
    args.add_all(srcs, map_each = _src)
    args.add_all(info.transitive_sources, map_each = _closure)
    args.add_all(info.transitive_data, map_each = _native_closure)
    args.add_all(info.import_roots, map_each = _root)
    args.add_all(info.foreign_import_roots, map_each = _foreign_root)
    args.add_all(info.transitive_wheels, map_each = _wheel)
    ctx.actions.write(request, args)
    result = ctx.actions.declare_file(out_name + ".imports.json")
    run_args = ctx.actions.args()
    run_args.add("imports-check")
    run_args.add("--request", request)
    run_args.add("--out", result)

    # A persistent worker like ParPack: a monorepo has one check per library, and a Node
    # start-up each (~50 ms of bundle loading) dominated full builds of bench/scale.
    run_node_worker(
        ctx,
        node,
        packager,
        run_args,
        # The closure is described by paths in the request; its contents are no input, so
        # editing one file re-checks only the library that owns it.
        inputs = depset([request, stdlib] + srcs, transitive = [info.transitive_wheel_files]),
        tools = [],
        outputs = [result],
        mnemonic = "ParImportsCheck",
        progress_message = "Checking imports of %s" % label,
    )
    return result

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

    request = ctx.actions.declare_file("_par/%s.imports_report_request" % ctx.label.name)
    args = ctx.actions.args()
    args.set_param_file_format("multiline")
    args.add("label\t" + str(ctx.label))
    args.add("mode\t" + ctx.attr.imports_check)
    args.add_all(ctx.attr.imports_ignore, format_each = "ignore\t%s")
    args.add_all(info.import_roots, map_each = _root)
    args.add_all(info.foreign_import_roots, map_each = _foreign_root)
    args.add_all(owners, format_each = "owner\t%s")
    args.add_all(all_results, map_each = _result)
    index = _module_index(ctx)
    if index:
        args.add("index\t%s\t%s" % (index.path, index.owner))
    ctx.actions.write(request, args)

    report = ctx.actions.declare_file("_par/%s.imports_report" % ctx.label.name)
    run_args = ctx.actions.args()
    run_args.add(ctx.file._packager)
    run_args.add("imports-report")
    run_args.add("--request", request)
    run_args.add("--out", report)
    ctx.actions.run(
        executable = node,
        arguments = [run_args],
        inputs = depset([request, ctx.file._packager] + ([index] if index else []), transitive = [all_results, ctx.toolchains[NODE_TOOLCHAIN_TYPE].par_node.files]),
        outputs = [report],
        mnemonic = "ParImportsReport",
        progress_message = "Reporting unresolved imports of %s" % ctx.label,
    )
    return depset([report])

def _par_stdlib_modules_impl(ctx):
    py = ctx.toolchains[PYTHON_TOOLCHAIN_TYPE].par_python
    out = ctx.actions.declare_file(ctx.label.name + ".txt")
    ctx.actions.run(
        executable = py.interpreter,
        arguments = ["-S", "-B", ctx.file._script.path, out.path],
        inputs = [ctx.file._script],
        tools = py.files,
        outputs = [out],
        mnemonic = "ParStdlibModules",
        progress_message = "Listing the standard library of Python %s" % py.version,
    )
    return [DefaultInfo(files = depset([out]))]

par_stdlib_modules = rule(
    implementation = _par_stdlib_modules_impl,
    doc = "The toolchain interpreter's standard-library top-level names, one per line.",
    attrs = {"_script": attr.label(default = Label("//rules/private/tools:stdlib_modules.py"), allow_single_file = True)},
    toolchains = [PYTHON_TOOLCHAIN_TYPE],
)
