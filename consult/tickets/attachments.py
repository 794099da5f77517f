"""Attachments: allow-list by extension and content, storage outside the web root, safe download headers."""
import errno
import hashlib
import os
import re
import secrets
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

from flask import current_app

from consult.errors import DomainError

MAX_FILES = 20

OOXML = "ooxml"
OLE = "ole"
ZIP = "zip"
PDF = "pdf"
PNG = "png"
JPEG = "jpeg"
GIF = "gif"
TEXT = "text"

# extension -> (content check, MIME type used when serving the file)
ALLOWED: dict[str, tuple[str, str]] = {
    "pdf": (PDF, "application/pdf"),
    "docx": (OOXML, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": (OOXML, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": (OOXML, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "doc": (OLE, "application/msword"),
    "xls": (OLE, "application/vnd.ms-excel"),
    "ppt": (OLE, "application/vnd.ms-powerpoint"),
    "png": (PNG, "image/png"),
    "jpg": (JPEG, "image/jpeg"),
    "jpeg": (JPEG, "image/jpeg"),
    "gif": (GIF, "image/gif"),
    "csv": (TEXT, "text/csv"),
    "txt": (TEXT, "text/plain"),
    "zip": (ZIP, "application/zip"),
}
ALLOWED_LABEL = "PDF、Word・Excel・PowerPoint（docx/xlsx/pptx/doc/xls/ppt）、画像（png/jpg/gif）、CSV、テキスト（txt）、ZIP"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UNSAFE_CHARS = re.compile(r"[/\\:*?\"<>|]")


class StorageFull(DomainError):
    """The attachment store has no space left (ENOSPC/EDQUOT): nothing was saved."""

    status = 503


STORAGE_FULL_MESSAGE = ("添付ファイルを保存する領域が不足しているため、相談を登録できませんでした（入力内容は画面に残っています）。"
                        "時間をおいてもう一度送信するか、DX推進担当にお知らせください。")


class UploadError(ValueError):
    """An uploaded file was refused; the message is Japanese and names the file."""


@dataclass
class Upload:
    """A checked upload held in memory until it is stored."""

    name: str
    data: bytes
    content_type: str

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the content."""
        return hashlib.sha256(self.data).hexdigest()


def clean_filename(raw: str | None) -> str:
    """Display name of an upload: last path component, NFC, no control/bidi characters or separators."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    name = _UNSAFE_CHARS.sub("_", name).strip().strip(".").strip()
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:200]
    return name or "file"


def extension(name: str) -> str:
    """Lower-case extension without the dot ('' if none)."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def _is_text(data: bytes) -> bool:
    """UTF-8 (with or without BOM) or CP932 text without NUL bytes."""
    if b"\x00" in data:
        return False
    for encoding in ("utf-8-sig", "cp932"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


OOXML_MAX_ENTRIES = 10_000  # Office files have tens to a few thousand parts; 150,000 cost seconds of CPU to list
OOXML_MAX_DIRECTORY = 4 * 1024 * 1024  # bytes of central directory parsed at most


def _zip_directory_is_small(data: bytes) -> bool:
    """Read the ZIP end record (no parsing of the directory): few enough entries, a small directory, no ZIP64."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or len(data) - end < 22:
        return False
    entries, size = struct.unpack_from("<H4xI", data, end + 10)
    return entries < OOXML_MAX_ENTRIES and size <= OOXML_MAX_DIRECTORY and entries != 0xFFFF


def _is_ooxml(data: bytes) -> bool:
    """An Office Open XML package (a ZIP with [Content_Types].xml), or an encrypted one (OLE container)."""
    if data.startswith(OLE_MAGIC):  # password-protected docx/xlsx/pptx are stored in an OLE container
        return True
    if not data.startswith(b"PK\x03\x04") or not _zip_directory_is_small(data):
        return False
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:  # reads the directory only; nothing is unpacked
            return "[Content_Types].xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return False


def content_matches(kind: str, data: bytes) -> bool:
    """Whether the bytes look like a file of `kind` (magic numbers, or decodable text)."""
    if kind == PDF:
        return data.startswith(b"%PDF-")
    if kind == OOXML:
        return _is_ooxml(data)
    if kind == OLE:
        return data.startswith(OLE_MAGIC)
    if kind == ZIP:
        return data.startswith((b"PK\x03\x04", b"PK\x05\x06"))
    if kind == PNG:
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if kind == JPEG:
        return data.startswith(b"\xff\xd8\xff")
    if kind == GIF:
        return data.startswith((b"GIF87a", b"GIF89a"))
    if kind == TEXT:
        return _is_text(data)
    return False


def max_total_bytes() -> int:
    """Total upload limit per submission, from CONSULT_MAX_UPLOAD_MB."""
    return int(current_app.config.get("CONSULT_MAX_UPLOAD_MB", 20)) * 1024 * 1024


def chosen_files(files) -> list:
    """The FileStorage objects the user actually chose (browsers send one empty part when none)."""
    return [f for f in (files or []) if f is not None and getattr(f, "filename", "")]


def chosen_names(files) -> list[str]:
    """Cleaned names of the chosen files, to tell the user which ones to choose again."""
    return [clean_filename(f.filename) for f in chosen_files(files)]


def check_uploads(files) -> tuple[list[Upload], list[str]]:
    """Read and check the chosen files; returns the accepted uploads and Japanese error messages."""
    chosen = chosen_files(files)
    errors: list[str] = []
    uploads: list[Upload] = []
    if len(chosen) > MAX_FILES:
        return [], [f"一度に添付できるファイルは{MAX_FILES}個までです。"]
    limit = max_total_bytes()
    total = 0
    for storage in chosen:
        name = clean_filename(storage.filename)
        ext = extension(name)
        if ext not in ALLOWED:
            errors.append(f"「{name}」は添付できない種類のファイルです。添付できるのは{ALLOWED_LABEL}です。")
            continue
        data = storage.stream.read(limit + 1)
        total += len(data)
        if not data:
            errors.append(f"「{name}」は空のファイルです。")
            continue
        kind, mimetype = ALLOWED[ext]
        if not content_matches(kind, data):
            errors.append(f"「{name}」は拡張子（.{ext}）と中身が一致しないため添付できません。")
            continue
        uploads.append(Upload(name=name, data=data, content_type=mimetype))
    if total > limit:
        errors.append(f"添付ファイルの合計サイズが上限（{limit // (1024 * 1024)}MB）を超えています。")
    return (uploads if not errors else []), errors


def storage_root() -> Path:
    """Directory of stored attachments (outside the web root)."""
    return Path(current_app.config["CONSULT_ATTACHMENTS"])


def stored_path(stored_name: str) -> Path:
    """Path of a stored file; the random name is checked so it can never point elsewhere."""
    if not re.fullmatch(r"[0-9a-f]{64}", stored_name or ""):
        raise ValueError("invalid stored name")
    return storage_root() / stored_name[:2] / stored_name


def write_file(upload: Upload) -> str:
    """Write the upload under a new random name and return that name."""
    stored_name = secrets.token_hex(32)
    path = stored_path(stored_name)
    tmp = path.with_suffix(".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "xb") as fh:
            fh.write(upload.data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)  # never leave a truncated file behind
        except OSError:
            pass
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            current_app.logger.error("attachment store full: %s", exc)
            raise StorageFull(STORAGE_FULL_MESSAGE) from exc
        raise
    return stored_name


def remove_files(stored_names) -> None:
    """Remove files written for a transaction that did not commit."""
    for name in stored_names:
        try:
            stored_path(name).unlink(missing_ok=True)
        except (OSError, ValueError):
            current_app.logger.warning("could not remove orphan attachment %s", name)


def _ascii_fallback(name: str, attachment_id: int) -> str:
    """An ASCII file name for old clients: the name without non-ASCII, or attachment-<id>.<ext>."""
    simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    simple = re.sub(r"[^A-Za-z0-9._ -]", "", simple).strip()
    ext = extension(name)
    if not simple or simple.startswith(".") or extension(simple) != ext or simple == f".{ext}":
        simple = f"attachment-{attachment_id}" + (f".{ext}" if ext else "")
    return simple


def content_disposition(name: str, attachment_id: int) -> str:
    """`attachment` with an ASCII fallback and the real name as RFC 5987 filename*=UTF-8''…."""
    fallback = _ascii_fallback(name, attachment_id).replace('"', "")
    quoted = quote(name, safe="!#$&+-.^_`|~")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quoted}"
