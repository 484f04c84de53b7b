"""par_node_configure: finds the Node.js runtime and declares it as a toolchain."""

load("//toolchains:find_tool.bzl", "find_tool", "label_text")

def _impl(rctx):
    if rctx.attr.node_target:
        # A hermetic node: a file of another repository, run by label with `files` as inputs.
        found, how = rctx.path(rctx.attr.node_target), "node_target"
    else:
        found, how = find_tool(rctx, "Node.js runtime", rctx.attr.node, "PAR_NODE_BIN", ["node", "nodejs"])
    res = rctx.execute([found, "-p", "process.execPath + '\\n' + process.versions.node"])
    if res.return_code != 0:
        fail("rules_par: the Node.js runtime %s (found via %s) does not run: %s" % (found, how, res.stderr.strip()))
    lines = res.stdout.strip().split("\n")
    real, version = lines[0].strip(), lines[-1].strip()
    if rctx.attr.node_target:
        node = label_text(rctx.attr.node_target)
        files = label_text(rctx.attr.files or rctx.attr.node_target)
    else:
        rctx.symlink(real, "node")
        node, files = "node", "node"
    rctx.file("BUILD.bazel", """\
load("@rules_par//toolchains/node:toolchain.bzl", "par_node_toolchain")

package(default_visibility = ["//visibility:public"])

# Found via {how}. Re-detected when PAR_NODE_BIN or PATH change.
par_node_toolchain(
    name = "runtime",
    node = "{node}",
    files = ["{files}"],
    version = "{version}",
)

toolchain(
    name = "toolchain",
    toolchain = ":runtime",
    toolchain_type = "@rules_par//toolchains/node:toolchain_type",
)
""".format(how = how, node = node, files = files, version = version))

par_node_configure = repository_rule(
    implementation = _impl,
    doc = "Declares Node.js (20.15+ or 22.2+) for the packager: `node_target` (hermetic), else `node`, else $PAR_NODE_BIN, else node on PATH.",
    attrs = {
        "node": attr.string(doc = "Absolute path of the node binary to use."),
        "node_target": attr.label(
            allow_single_file = True,
            doc = "node as a file of a repository (e.g. @nodejs_linux_amd64//:bin/node). Wins over `node` and the environment.",
        ),
        "files": attr.label(doc = "Everything node_target needs to run besides itself, e.g. a filegroup; declared as inputs of every action that runs it."),
    },
    environ = ["PAR_NODE_BIN", "PATH"],
    local = True,
)
