"""Extension modules of the program's own code (a C extension built beside it), in an archive
that otherwise imports from the zip.

Nothing loads a shared object from inside a zip, so the packer lists them (module name ->
archive path, src/packager/extract-layout.ts nativePlan) and this unpacks just those, once,
into <cache>/extract/<key>/ (key: their paths and contents, computed at build time), keeping
their relative paths, and puts a finder for exactly those names first on sys.meta_path. Their
packages still import from the archive. Warm cost: one _cache.use() (~0.5 ms, as for wheels).
"""

import sys

from __par__ import _cache


class _Finder(object):
    """Finds the listed extension modules in their unpacked directory, and nothing else."""

    def __init__(self, root, modules):
        self._root = root
        self._modules = modules

    def find_spec(self, fullname, path=None, target=None):
        rel = self._modules.get(fullname)
        if rel is None:
            return None
        import _frozen_importlib_external as ext

        file = self._root + "/" + rel
        return ext.spec_from_file_location(fullname, file, loader=ext.ExtensionFileLoader(fullname, file))

    def invalidate_caches(self):
        pass


def install(archive, data):
    native = data["native"]
    modules = native["modules"]

    def fill(tmp):
        from __par__ import _extract

        _extract.unpack(archive, "", tmp, data["label"], only=set(modules.values()))

    root = _cache.use("extract", native["key"], fill)
    sys.meta_path.insert(0, _Finder(root, modules))
