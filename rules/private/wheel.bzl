"""python_wheel: a third-party distribution kept in the tree as a .whl file.

The wheel is validated once, at build time, by the `par wheel` action (name, version, tags,
Requires-Dist, every entry against RECORD, and hostile content), and its modules are compiled
once by `par wheel-bytecode` (built when a binary needs them); its entries are deflated again
at level 9 once (`ParWheelDeflate`, unless recompress = False); binaries that depend on it
bundle its files at their install paths by copying those compressed entries as they are,
and that bytecode beside them. With `wheels = [...]` each build is validated and compiled alike,
and binaries bundle them all (wheel_variants.bzl checks they are one distribution).
"""

load(":collect.bzl", "DEP_PROVIDERS", "collect_python_info")
load(":providers.bzl", "PythonInfo")
load(":actions.bzl", "emit_wheel_bytecode", "emit_wheel_deflate", "emit_wheel_info")
load(":wheel_variants.bzl", "check_variants")
load("//toolchains:toolchain_types.bzl", "NODE_TOOLCHAIN_TYPE", "PYTHON_TOOLCHAIN_TYPE")

_REQUIRES_CHECKS = ["error", "warn", "off"]

def _builds(ctx):
    """The .whl files of the target: [wheel], or the wheels list (exactly one of the two is set)."""
    if ctx.attr.wheel and ctx.attr.wheels:
        fail("python_wheel %s: set either wheel (one build) or wheels (several builds of one distribution), not both." % ctx.label)
    if not ctx.attr.wheel and not ctx.attr.wheels:
        fail("python_wheel %s: neither wheel nor wheels is set. Name the .whl file (wheel = \"x.whl\"), or several builds of one distribution at one version (wheels = [...])." % ctx.label)
    if ctx.attr.wheel:
        wheel = ctx.file.wheel
        if not wheel.basename.endswith(".whl"):
            fail("python_wheel %s: wheel = %s is not a .whl file. Point it at a wheel (name-version-python-abi-platform.whl)." % (ctx.label, wheel.short_path))
        return [wheel]
    check_variants(ctx.label, ctx.files.wheels)
    return ctx.files.wheels

def _python_wheel_impl(ctx):
    builds = _builds(ctx)
    variant = bool(ctx.attr.wheels)
    own, infos, files, bytecodes = [], [], [], []
    for wheel in builds:
        # One description and one bytecode bundle per build; a variant's carry its file name.
        stem = ctx.label.name + ("/" + wheel.basename[:-len(".whl")] if variant else "")
        info_file = ctx.actions.declare_file("_par/%s.wheel.json" % stem)
        emit_wheel_info(ctx, wheel, info_file, ctx.attr.requires_check, ctx.attr.zip_safe)
        bytecode = ctx.actions.declare_file("_par/%s.wheel.pyc" % stem)
        emit_wheel_bytecode(ctx, wheel, info_file, bytecode, variant)
        packed = None
        if ctx.attr.recompress:
            packed = ctx.actions.declare_file("_par/%s.level9.whl" % stem)
            emit_wheel_deflate(ctx, wheel, packed)
        own.append(struct(label = str(ctx.label), wheel = wheel, info = info_file, bytecode = bytecode, packed = packed, variant = variant))
        infos.append(info_file)
        files += [wheel, info_file]
        bytecodes += [bytecode] + ([packed] if packed else [])
    deps_info = collect_python_info(ctx, [], ctx.attr.deps, [], [])
    info = PythonInfo(
        transitive_sources = deps_info.transitive_sources,
        transitive_data = deps_info.transitive_data,
        import_roots = deps_info.import_roots,
        foreign_import_roots = deps_info.foreign_import_roots,
        transitive_wheels = depset(own, transitive = [deps_info.transitive_wheels]),
        transitive_wheel_files = depset(files, transitive = [deps_info.transitive_wheel_files]),
        transitive_wheel_bytecode = depset(bytecodes, transitive = [deps_info.transitive_wheel_bytecode]),
        transitive_fragments = deps_info.transitive_fragments,
        transitive_loose_sources = deps_info.transitive_loose_sources,
    )
    return [
        info,
        # Building the target runs the validation.
        DefaultInfo(files = depset(infos)),
    ]

python_wheel = rule(
    implementation = _python_wheel_impl,
    doc = "A third-party distribution from a .whl file in the tree; bundled by every python_binary that depends on it.",
    attrs = {
        "wheel": attr.label(allow_single_file = True, doc = "The .whl file (e.g. third_party/numpy/numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.whl). Exactly one of wheel and wheels."),
        "wheels": attr.label_list(allow_files = True, doc = "Several builds (different Python/ABI/platform tags) of one distribution at one version; the launcher picks the best one that fits the running interpreter. Exactly one of wheel and wheels."),
        "deps": attr.label_list(providers = DEP_PROVIDERS, doc = "Other python_wheel / python_library targets it needs (its Requires-Dist)."),
        "requires_check": attr.string(default = "error", values = _REQUIRES_CHECKS, doc = "'error', 'warn' or 'off': what a binary does when its closure lacks a distribution this wheel's Requires-Dist names."),
        "recompress": attr.bool(default = True, doc = "True: the wheel's entries are deflated again at level 9 once, by this target, and binaries copy those (numpy: 0.7% smaller for ~6 s of CPU, once per wheel). False: binaries copy the wheel's own streams (for very large wheels, where the one-time CPU matters more)."),
        "zip_safe": attr.bool(default = True, doc = "False: extract the wheel to the cache at launch even though it has no native code (for code that reads its own files by path)."),
        "_packager": attr.label(default = Label("//rules/private/tools:par.js"), allow_single_file = True, cfg = "exec"),
        "_compile_pyc": attr.label(default = Label("//rules/private/tools:compile_pyc.py"), allow_single_file = True, cfg = "exec"),
        "_deflate_wheel": attr.label(default = Label("//rules/private/tools:deflate_wheel.py"), allow_single_file = True, cfg = "exec"),
    },
    toolchains = [NODE_TOOLCHAIN_TYPE, PYTHON_TOOLCHAIN_TYPE],
)
