"""Providers shared by the rules_par rules."""

PythonInfo = provider(
    doc = "Python code and what it needs, collected transitively for packaging and IDEs.",
    fields = {
        "transitive_sources": "depset[File]: .py sources of this target and its deps; each lands in the archive at its repository-relative path.",
        "transitive_data": "depset[File]: data files of this target and its deps, at their repository-relative paths.",
        "import_roots": "depset[str]: extra import roots (archive-relative directories); the archive root is always one.",
        "foreign_import_roots": "depset[str]: import roots of native PyInfo deps, spelled 'repo/path' as PyInfo does.",
        "transitive_wheels": "depset[struct]: bundled distributions, each struct(label, wheel = File, info = File, bytecode = File, packed = File or None, variant = bool); info is the wheel's JSON description written at build time; packed: the wheel with its entries deflated again at level 9 (python_wheel recompress = True), which packing copies instead of `wheel`; variant: one of several builds of `label` (python_wheel(wheels = [...])), all listed.",
        "transitive_wheel_files": "depset[File]: the .whl and info files of transitive_wheels, as action inputs.",
        "transitive_wheel_bytecode": "depset[File]: what each python_wheel target makes once for packing: its modules compiled (struct field `bytecode`) and its recompressed copy (`packed`); an input of packing only.",
        "transitive_fragments": "depset[File]: each python_library's fragment (its sources and their bytecode as ready zip entries, made once by ParFragment), spliced by packing.",
        "transitive_loose_sources": "depset[File]: the sources of transitive_sources no fragment holds (native PyInfo deps'), packed file by file.",
    },
)

ParImportsInfo = provider(
    doc = "Import check results below a target.",
    fields = {
        "results": "depset[File]: the ParImportsCheck result JSON of each python_library below (and including) the target.",
        "owners": "depset[str]: 'archive_path<TAB>label' of each library source below the target, for suggestions.",
    },
)
