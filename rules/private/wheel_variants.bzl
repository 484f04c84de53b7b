"""python_wheel(wheels = [...]): several builds of one distribution at one version.

Checked at analysis from the file names (PEP 427), which the `par wheel` action then holds to
the wheels' METADATA: every build names the same distribution (PEP 503 normalised) and
version, and no compatibility tag (PEP 425, compressed sets expanded) belongs to two builds,
since the launcher could not tell which of them to use.
"""

def _normalize(name):
    out = []
    for c in name.lower().elems():
        sep = c in "-_."
        if sep and out and out[-1] == "-":
            continue
        out.append("-" if sep else c)
    return "".join(out)

def parse_wheel_name(basename):
    """(normalised name, name, version, [tag]) of a wheel file name, or None when it is no wheel name."""
    if not basename.endswith(".whl"):
        return None
    parts = basename[:-len(".whl")].split("-")
    if len(parts) not in (5, 6) or not all(parts):
        return None
    py, abi, plat = parts[-3], parts[-2], parts[-1]
    tags = []
    for p in py.split("."):
        for a in abi.split("."):
            for pl in plat.split("."):
                tags.append("%s-%s-%s" % (p, a, pl))
    return struct(normalized = _normalize(parts[0]), name = parts[0], version = parts[1], tags = tags)

def check_variants(label, files):
    """Fails unless `files` (list[File], the wheels attribute) are builds of one distribution at one version with distinct tags."""
    parsed = []
    for f in files:
        p = parse_wheel_name(f.basename)
        if not p:
            fail("python_wheel %s: wheels lists %s, which is not a wheel file name (name-version[-build]-python-abi-platform.whl)." % (label, f.short_path))
        parsed.append((f, p))
    groups = {}
    for f, p in parsed:
        key = "%s %s" % (p.normalized, p.version)
        groups.setdefault(key, []).append(f.basename)
    if len(groups) > 1:
        fail("python_wheel %s: wheels must be builds of one distribution at one version, but they hold %s. Give each distribution and version its own python_wheel." % (
            label,
            " and ".join(["%s (%s)" % (k, ", ".join(v)) for k, v in groups.items()]),
        ))
    owner = {}
    for f, p in parsed:
        for t in p.tags:
            if t in owner:
                fail("python_wheel %s: wheels %s and %s are both tagged %s, so the launcher could not tell which to use. Keep one build per tag." % (label, owner[t], f.basename, t))
            owner[t] = f.basename
