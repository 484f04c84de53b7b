"""par_wheels: a hub repository of python_wheel targets from a lock file.

Everything is fetched by Bazel's downloader (repository_ctx.download), wheels with their
locked sha256, so the repository cache, --distdir, --experimental_downloader_config and
mirrors apply, and a second fetch needs no network. The checked-in packager bundle parses
the lock and the index pages and reads the wheels' metadata (`par lock-plan`,
`lock-select`, `lock-hub`: src/cli/lock.ts).
"""

# One line per fact: version, machine, glibc (empty when not glibc).
_PROBE = "import sys, platform; print('%d.%d.%d' % sys.version_info[:3]); print(platform.machine()); l = platform.libc_ver(); print('.'.join(l[1].split('.')[:2]) if l[0] == 'glibc' else '')"

def _hub(rctx):
    return rctx.attr.hub_name or rctx.name

def _toolchain_tool(rctx, repo, key):
    """The executable a toolchain repository's BUILD names (`key = "..."`): its own symlink, or a hermetic label."""
    build = rctx.read(rctx.path(Label("@%s//:BUILD.bazel" % repo)))
    marker = "    %s = \"" % key
    at = build.find(marker)
    if at < 0:
        fail("par_wheels @%s: @%s//:BUILD.bazel names no %s; rules_par's toolchain repositories changed: report it." % (_hub(rctx), repo, key))
    value = build[at + len(marker):].split("\"")[0]
    return rctx.path(Label(value if value.startswith("@") else "@%s//:%s" % (repo, value)))

def _target_args(rctx):
    python = _toolchain_tool(rctx, "par_python", "interpreter")
    res = rctx.execute([python, "-S", "-c", _PROBE])
    if res.return_code != 0:
        fail("par_wheels @%s: the build toolchain's Python %s does not run: %s" % (_hub(rctx), python, res.stderr.strip()))
    version, machine, glibc = (res.stdout.split("\n") + ["", "", ""])[:3]
    args = ["--python", version.strip(), "--machine", machine.strip(), "--glibc", glibc.strip()]
    for p in rctx.attr.platforms:
        args += ["--platform", p]
    for v in rctx.attr.python_versions:
        args += ["--python-version", v]
    return args

def _par(rctx, verb, args):
    node = _toolchain_tool(rctx, "par_node", "node")
    packager = rctx.path(Label("//rules/private/tools:par.js"))
    res = rctx.execute([node, packager, verb] + args, quiet = True)
    if res.return_code != 0:
        msg = res.stderr.strip()
        prefix = "par %s: error: " % verb
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
        fail("par_wheels @%s: %s" % (_hub(rctx), msg))
    return res.stdout

def _from_cache(rctx, p):
    """Looks each locked hash of a package up in the repository cache; True if any is there."""
    found = False
    for sha256 in p["hashes"]:
        if rctx.download(url = p["pages"], output = "_par/cached/%s/%s" % (p["normalized"], sha256), sha256 = sha256, allow_fail = True).success:
            found = True
    return found

def _fetch_pages(rctx, plan):
    """Downloads the simple API page of every requirements-file package (no hash is known for them).

    When no page of a package can be fetched (offline), its locked hashes are looked up in the
    repository cache instead: the downloader answers a request with a known sha256 from the
    cache without the network, and `lock-select` names the wheel from its metadata. Once that
    worked, later packages try the cache first: each failed request to an unreachable index
    costs the downloader's retries (seconds).
    """
    offline = False
    for p in plan["packages"]:
        if offline and _from_cache(rctx, p):
            continue
        fetched = False
        for i, url in enumerate(p["pages"]):
            if rctx.download(url = url, output = "_par/pages/%s.%d" % (p["normalized"], i), allow_fail = True).success:
                fetched = True
        if not fetched and not offline and _from_cache(rctx, p):
            offline = True

def _download_wheel(rctx, lock, sel, wheel, output):
    url, sha256 = wheel["url"], wheel["sha256"]
    if rctx.download(url = url, output = output, sha256 = sha256, allow_fail = True).success:
        return

    # Tell a changed file from a missing one (error path only; see `par lock-probe`).
    what = "par_wheels @%s: %s %s:" % (_hub(rctx), sel["name"], sel["version"])
    probe = json.decode(_par(rctx, "lock-probe", ["--url", url]))
    if "sha256" in probe and probe["sha256"] != sha256:
        fail("%s %s has sha256 %s, but %s locks sha256 %s. The file on the server changed, or the lock is wrong: check which, then regenerate the lock." % (
            what,
            url,
            probe["sha256"],
            lock,
            sha256,
        ))
    why = probe.get("status") or probe.get("error") or "Bazel's downloader failed, though the file is there (a proxy or --experimental_downloader_config?)"
    fail("%s cannot download %s (%s), and the repository cache has no file with sha256 %s." % (what, url, why, sha256))

def _par_wheels_impl(rctx):
    lock = str(rctx.attr.lock)
    target = _target_args(rctx)
    _par(rctx, "lock-plan", ["--lock", str(rctx.path(rctx.attr.lock)), "--name", lock, "--index-url", rctx.attr.index_url, "--out", "_par/plan.json"] + target)
    plan = json.decode(rctx.read("_par/plan.json"))
    if plan["format"] == "requirements":
        _fetch_pages(rctx, plan)
    _par(rctx, "lock-select", ["--plan", "_par/plan.json", "--pages", "_par/pages", "--out", "_par/selected.json"] + target)
    selected = json.decode(rctx.read("_par/selected.json"))["selected"]
    for sel in selected:
        package = sel["normalized"].replace("-", "_")
        for wheel in sel["wheels"]:
            _download_wheel(rctx, lock, sel, wheel, "%s/%s" % (package, wheel["filename"]))
    _par(rctx, "lock-hub", ["--selected", "_par/selected.json", "--root", ".", "--hub", _hub(rctx)] + target)
    rctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % rctx.name)
    rctx.file("BUILD.bazel", "# The hub of par_wheels(name = \"%s\", lock = \"%s\"): @%s//<distribution>.\nexports_files([\"par_hub.json\"])\n" % (_hub(rctx), lock, _hub(rctx)))

par_wheels = repository_rule(
    implementation = _par_wheels_impl,
    doc = "@NAME//<dist>: a python_wheel per distribution of a lock file (PEP 751 pylock.toml, or a requirements file pinned with == and --hash=sha256:).",
    attrs = {
        "lock": attr.label(mandatory = True, allow_single_file = True, doc = "pylock.toml (PEP 751), or a requirements file where every line is pinned with == and --hash=sha256:."),
        "index_url": attr.string(doc = "Simple API (PEP 503 HTML or PEP 691 JSON) for a requirements file; overrides its --index-url line (--extra-index-url lines are searched too)."),
        "platforms": attr.string_list(doc = "Platform tags to keep wheels for besides 'any', the best build for each (default: the host's linux_<machine> and manylinux up to its glibc, one build)."),
        "python_versions": attr.string_list(doc = "Python minors ('3.11') to keep wheels for (default: the build toolchain's): the best build for each minor x platform; several builds make python_wheel(wheels = [...]). Requires-Dist markers are evaluated for each (the union, restricted to the lock); the lock is read for the toolchain's minor when it is listed, else the first."),
        "hub_name": attr.string(doc = "The name messages use (the bzlmod extension passes the apparent name)."),
    },
)
