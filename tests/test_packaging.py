"""Packaging metadata: the Linux desktop entry and AppStream file validate; the spec ships what the app needs."""

import subprocess
import sys
from pathlib import Path

from deskapp import __version__

PACKAGING = Path(__file__).resolve().parents[1] / "packaging"


def test_desktop_file_validates():
    result = subprocess.run(["desktop-file-validate", str(PACKAGING / "linux" / "io.deskapp.Deskapp.desktop")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_appstream_metainfo_validates():
    result = subprocess.run(["appstreamcli", "validate", "--no-net",
                             str(PACKAGING / "linux" / "io.deskapp.Deskapp.metainfo.xml")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_versions_come_from_one_source():
    assert f'version="{__version__}"' in (PACKAGING / "linux" / "io.deskapp.Deskapp.metainfo.xml").read_text()
    assert f"<string>{__version__}</string>" in (PACKAGING / "macos" / "Info.plist").read_text()
    assert f'"{__version__}"' in (PACKAGING / "windows" / "deskapp.iss").read_text()


def test_spec_bundles_migrations_and_resources():
    spec = (PACKAGING / "deskapp.spec").read_text()
    assert '"migrations"' in spec and '"resources"' in spec


def test_version_flag():
    out = subprocess.run([sys.executable, "-m", "deskapp", "--version"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"deskapp {__version__}"
