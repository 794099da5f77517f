"""The OOXML content check is bounded (audit finding 8): a 13 MB .xlsx with 150,000 zip entries cost 5–9 s of CPU
per upload because the whole central directory was parsed. Now the entry count and directory size are read from
the end record first, and an archive with more entries than any Office file has is refused without parsing."""
import gc
import io
import struct
import warnings
import zipfile
import zlib

import pytest

from consult.tickets import attachments
from models import Attachment, db

from .test_uploads import _reply


def _many_entries(n: int) -> bytes:
    """A stored ZIP: [Content_Types].xml plus n empty members (built by hand: zipfile needs ~10 s for 150,000)."""
    local, central, offset = [], [], 0
    names = [b"[Content_Types].xml"] + [b"x/%d" % i for i in range(n)]
    for i, name in enumerate(names):
        data = b"<Types/>" if i == 0 else b""
        crc = zlib.crc32(data)
        head = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 0, 0, 0, crc, len(data), len(data), len(name), 0)
        central.append(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, crc, len(data), len(data),
                                   len(name), 0, 0, 0, 0, 0, offset) + name)
        local.append(head + name + data)
        offset += len(head) + len(name) + len(data)
    directory = b"".join(central)
    count = min(len(names), 0xFFFF)
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, count, count, len(directory), offset, 0)
    return b"".join(local) + directory + end


@pytest.fixture(scope="module")
def huge():
    return _many_entries(150_000)


def test_huge_archive_is_refused_without_parsing_the_directory(huge, monkeypatch):
    opened = []
    real = zipfile.ZipFile
    monkeypatch.setattr(zipfile, "ZipFile", lambda *a, **k: opened.append(1) or real(*a, **k))
    assert attachments.content_matches(attachments.OOXML, huge) is False
    assert opened == []  # refused from the end record alone


def test_entry_count_just_under_the_bound_is_fine():
    assert attachments.content_matches(attachments.OOXML, _many_entries(attachments.OOXML_MAX_ENTRIES - 2))  # + [Content_Types].xml
    assert not attachments.content_matches(attachments.OOXML, _many_entries(attachments.OOXML_MAX_ENTRIES - 1))


def test_huge_xlsx_upload_is_a_422(client, world, as_role, huge):
    client = as_role("requester")
    response = _reply(client, world.ticket.number, [("巨大.xlsx", huge)])
    assert response.status_code == 422 and "巨大.xlsx" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.query(Attachment).count() == 1  # only the world's own attachment
    del response
    with warnings.catch_warnings():  # werkzeug's spool file of the 13 MB upload is dropped unclosed
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def test_ordinary_workbook_still_accepted():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for i in range(300):
            archive.writestr(f"xl/worksheets/sheet{i}.xml", "<worksheet/>")
    assert attachments.content_matches(attachments.OOXML, buffer.getvalue())
