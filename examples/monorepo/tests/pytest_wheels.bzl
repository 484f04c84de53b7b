"""python_wheel targets for pytest and its dependencies from the wheels make_wheels.sh wrote."""

load("//rules:defs.bzl", "python_wheel")

_DEPS = ["pluggy", "iniconfig", "packaging", "pygments"]

def pytest_wheels(files):
    """Declares :pytest (with its deps) from the wheel files it finds among `files`.

    Args:
      files: list[str]: .whl files of this package (a glob).

    Returns:
      bool: whether pytest and all its dependencies were there (else nothing is declared).
    """
    by_name = {f.split("/")[-1].split("-")[0].lower(): f for f in files}
    if not all([n in by_name for n in ["pytest"] + _DEPS]):
        return False
    for n in _DEPS:
        python_wheel(name = n, wheel = by_name[n])
    python_wheel(name = "pytest", wheel = by_name["pytest"], deps = [":" + n for n in _DEPS])
    return True
