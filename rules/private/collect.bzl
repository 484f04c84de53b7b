"""Builds PythonInfo for one target from its own attributes and its deps' providers."""

load(":paths.bzl", "normalize_import_root")
load(":providers.bzl", "PythonInfo")

DEP_PROVIDERS = [[PythonInfo], [PyInfo]]

def collect_python_info(ctx, srcs, deps, data, imports, kind = "python_library", fragment = None):
    """Returns the PythonInfo of a target with these attributes.

    kind: its rule, for messages.
    fragment: the File holding `srcs` as ready zip entries (emit_fragment), or None when
    they are packed file by file.
    """
    roots = [normalize_import_root(ctx.label, ctx.label.package, i, kind) for i in imports]
    roots = [r for r in roots if r]  # the root itself is always on the path
    t_srcs, t_data, t_roots, t_wheels, t_wheel_files, t_bytecode, t_foreign = [], [], [], [], [], [], []
    t_fragments, t_loose = [], []
    for d in deps:
        if PythonInfo in d:
            info = d[PythonInfo]
            t_srcs.append(info.transitive_sources)
            t_data.append(info.transitive_data)
            t_roots.append(info.import_roots)
            t_wheels.append(info.transitive_wheels)
            t_wheel_files.append(info.transitive_wheel_files)
            t_bytecode.append(info.transitive_wheel_bytecode)
            t_foreign.append(info.foreign_import_roots)
            t_fragments.append(info.transitive_fragments)
            t_loose.append(info.transitive_loose_sources)
        elif PyInfo in d:
            # Native py_library / rules_python: sources plus "repo/path" import strings.
            t_srcs.append(d[PyInfo].transitive_sources)
            t_loose.append(d[PyInfo].transitive_sources)
            t_foreign.append(d[PyInfo].imports)
            t_data.append(d[DefaultInfo].default_runfiles.files)
    return PythonInfo(
        transitive_sources = depset(srcs, transitive = t_srcs),
        transitive_data = depset(data, transitive = t_data),
        import_roots = depset(roots, transitive = t_roots),
        foreign_import_roots = depset(transitive = t_foreign),
        transitive_wheels = depset(transitive = t_wheels),
        transitive_wheel_files = depset(transitive = t_wheel_files),
        transitive_wheel_bytecode = depset(transitive = t_bytecode),
        transitive_fragments = depset([fragment] if fragment else [], transitive = t_fragments),
        transitive_loose_sources = depset([] if fragment else srcs, transitive = t_loose),
    )
