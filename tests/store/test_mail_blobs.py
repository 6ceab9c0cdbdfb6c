"""store.mail_blobs: attachment bytes stored once by sha256 and written atomically, and names from mail that
can never escape the attachments folder."""

from __future__ import annotations

import os
import stat

import pytest

from deskapp.store.mail_blobs import blob_dir_for, blob_path, named_path, safe_filename, sha256_of, store_blob

PDF = b"%PDF-1.4 an invoice"


@pytest.mark.parametrize(("name", "safe"), [
    ("invoice.pdf", "invoice.pdf"),
    ("../../etc/passwd", "_.._etc_passwd"),
    ("..\\..\\boot.ini", "_.._boot.ini"),
    ("a/b:c*d?e\"f<g>h|i.txt", "a_b_c_d_e_f_g_h_i.txt"),
    ("name\x00with\x1fcontrols.doc", "name_with_controls.doc"),
    ("...hidden", "hidden"),
    ("", "attachment"),
    ("   ", "attachment"),
    ("CON", "attachment_CON"),
    ("lpt1.txt", "attachment_lpt1.txt"),
    ("content", "attachment_content"),  # the blob's own file name
])
def test_names_from_mail_become_safe_file_names(name, safe):
    assert safe_filename(name) == safe


def test_a_huge_name_is_cut_and_keeps_its_extension():
    cut = safe_filename("x" * 5000 + ".pdf")
    assert cut == "x" * 180 + ".pdf"
    assert len(safe_filename("y" * 5000)) == 200
    assert "/" not in safe_filename("/" * 300)


def test_the_same_bytes_are_stored_once_owner_only(tmp_path):
    digest, new = store_blob(tmp_path, PDF)
    assert new and digest == sha256_of(PDF)
    path = blob_path(tmp_path, digest)
    assert path.read_bytes() == PDF and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store_blob(tmp_path, PDF) == (digest, False)
    assert [p.name for p in path.parent.iterdir()] == ["content"]  # no temp file left behind


def test_bytes_that_do_not_match_their_digest_are_refused(tmp_path):
    with pytest.raises(ValueError, match="do not match"):
        store_blob(tmp_path, PDF, sha256=sha256_of(b"something else"))
    assert not any(tmp_path.rglob("content"))


def test_a_truncated_blob_from_a_crash_is_written_again(tmp_path):
    digest, _ = store_blob(tmp_path, PDF)
    blob_path(tmp_path, digest).write_bytes(PDF[:5])
    assert store_blob(tmp_path, PDF) == (digest, True)
    assert blob_path(tmp_path, digest).read_bytes() == PDF


@pytest.mark.parametrize("bad", ["", "../" * 10, "A" * 64, "g" * 64, "0" * 63])
def test_only_a_sha256_digest_names_a_blob(tmp_path, bad):
    with pytest.raises(ValueError, match="not a sha256 digest"):
        blob_path(tmp_path, bad)


def test_the_name_it_was_sent_with_is_a_link_to_the_one_blob(tmp_path):
    digest, _ = store_blob(tmp_path, PDF)
    named = named_path(tmp_path, digest, "../Rechnung März.pdf")
    assert named.parent == blob_path(tmp_path, digest).parent and named.name == "_Rechnung März.pdf"
    assert named.read_bytes() == PDF and os.path.samefile(named, blob_path(tmp_path, digest))
    assert named_path(tmp_path, digest, "../Rechnung März.pdf") == named  # made once


def test_the_attachments_folder_is_beside_the_cache_file(db, data_dir):
    with db.read() as conn:
        assert blob_dir_for(conn) == data_dir.resolve() / "attachments"
