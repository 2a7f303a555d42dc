"""README's two set-up commands: what ``./dev`` installs and what CI runs.

``./dev setup`` runs with stand-ins for ``apt-get`` and ``python3`` (the machine's
packages are not touched); each records what it was asked to do.
"""

from __future__ import annotations

import ast
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from doc_blocks import ROOT

DEV = ROOT / "dev"
NOX = "nox -s tests tests-core mypy lint docs"
#: The stand-ins come first; /usr/local/bin (where a machine may link initdb) stays out.
SYSTEM_PATH = "/usr/bin:/bin"


def _stand_in(directory: Path, name: str) -> None:
    """A command that appends its arguments to ``calls.log`` and succeeds."""
    script = directory / name
    script.write_text(f'#!/bin/sh\necho "{name} $*" >> "{directory}/calls.log"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def _setup(
    tmp_path: Path,
    postgres_lib: Path,
    command: str = "setup",
    browser: tuple[str, ...] = ("chromium", "chromedriver"),
) -> list[str]:
    """Run ``./dev setup`` as a fresh machine would meet it; the commands it ran."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ["apt-get", "python3", "sudo", "mariadbd", "redis-server", *browser]:
        _stand_in(bin_dir, name)
    # sudo runs its command (non-root runs of the suite); the servers are "installed".
    (bin_dir / "sudo").write_text('#!/bin/sh\nexec "$@"\n')
    bash = shutil.which("bash") or "/bin/bash"
    env = {
        "PATH": f"{bin_dir}:{SYSTEM_PATH}",
        "TMPDIR": str(tmp_path),
        "CUSTOMER_CORE_PG_LIB": str(postgres_lib),
        "HOME": str(tmp_path),
    }
    # pyenv as on the CI image: 3.11.7 active, 3.12 and 3.13 installed beside it.
    (bin_dir / "pyenv").write_text(
        '#!/bin/sh\ncase "$1" in version-name) echo 3.11.7 ;;'
        " versions) printf '3.11.7\\n3.12.1\\n3.13.0\\n' ;; esac\n"
    )
    (bin_dir / "pyenv").chmod(0o755)
    # python3 records the pyenv versions it was given, so the nox hand-over is visible.
    (bin_dir / "python3").write_text(
        f'#!/bin/sh\necho "python3 $* PYENV_VERSION=$PYENV_VERSION" >> "{bin_dir}/calls.log"\n'
    )
    subprocess.run([bash, str(DEV), command], env=env, check=True, capture_output=True)
    log = bin_dir / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def test_dev_installs_postgresql_when_initdb_is_missing(tmp_path: Path) -> None:
    """A machine without PostgreSQL gets Debian's ``postgresql`` package."""
    if shutil.which("initdb", path=SYSTEM_PATH) or Path("/usr/sbin/initdb").exists():
        pytest.skip("initdb is in /usr/bin or /bin here: the machine has PostgreSQL there")
    calls = _setup(tmp_path, tmp_path / "no-postgresql")
    installs = [call for call in calls if call.startswith("apt-get install")]
    assert installs == ["apt-get install -y -qq --no-install-recommends postgresql"]
    assert "apt-get update -qq" in calls


def test_dev_leaves_an_installed_postgresql_alone(tmp_path: Path) -> None:
    """With an ``initdb`` in ``/usr/lib/postgresql/*/bin`` (any version), apt is not called."""
    lib = tmp_path / "postgresql"
    (lib / "15" / "bin").mkdir(parents=True)
    initdb = lib / "15" / "bin" / "initdb"
    initdb.write_text("#!/bin/sh\n")
    initdb.chmod(0o755)
    calls = _setup(tmp_path, lib)
    assert not [call for call in calls if call.startswith("apt-get")]
    assert any("pip install" in call and "nox" in call for call in calls)


def test_dev_installs_the_browser_when_missing(tmp_path: Path) -> None:
    """A machine without Chromium gets Debian's ``chromium`` and ``chromium-driver``."""
    if any(shutil.which(name, path=SYSTEM_PATH) for name in ("chromium", "chromedriver")):
        pytest.skip("chromium is in /usr/bin or /bin here: the machine has it there")
    lib = tmp_path / "postgresql"
    (lib / "15" / "bin").mkdir(parents=True)
    (lib / "15" / "bin" / "initdb").write_text("#!/bin/sh\n")
    calls = _setup(tmp_path, lib, browser=())
    installs = [call.split()[-1] for call in calls if call.startswith("apt-get install")]
    assert installs == ["chromium", "chromium-driver"]


def test_dev_test_shows_every_pyenv_python_to_nox(tmp_path: Path) -> None:
    """``./dev test`` runs README's nox command with pyenv's 3.12 and 3.13 made visible."""
    lib = tmp_path / "postgresql"
    (lib / "15" / "bin").mkdir(parents=True)
    (lib / "15" / "bin" / "initdb").write_text("#!/bin/sh\n")
    calls = _setup(tmp_path, lib, "test")
    (nox,) = [call for call in calls if " -m nox " in call]
    assert nox == f"python3 -m {NOX} PYENV_VERSION=3.11.7:3.11.7:3.12.1:3.13.0"


def test_readme_starts_with_the_two_commands_and_ci_runs_the_second() -> None:
    """README opens with ``./dev demo`` and ``./dev test``; .ci/run runs exactly the latter."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    block = readme[readme.index("```bash") + 1 : readme.index("```bash") + 3]
    assert [line.split("#")[0].strip() for line in block] == ["./dev demo", "./dev test"]
    assert readme.index("```bash") <= 3
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == "./dev test"
    assert f"`./dev test` runs `{NOX}`" in "\n".join(readme)


def test_dev_test_runs_the_nox_sessions_the_readme_names() -> None:
    """``./dev test`` hands over to the very nox command README quotes, the noxfile's default."""
    dev = DEV.read_text(encoding="utf-8")
    assert f'python3 -m {NOX} "$@"' in dev
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    defaults = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "nox.options.sessions"
    )
    assert ast.literal_eval(defaults) == NOX.removeprefix("nox -s ").split()
    assert os.access(DEV, os.X_OK)
