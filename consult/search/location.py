"""Refuse an index directory on a network file system (NFS, SMB …).

Whoosh relies on file locks and atomic renames that network file systems do not give across
machines; one index shared that way was corrupted within a minute.  Each host keeps its own
index on a local disk.  ``CONSULT_SEARCH_INDEX_ALLOW_NETWORK_FS=1`` overrides the check (a
network disk used by ONE host only)."""
from __future__ import annotations

import os

NETWORK_FS = {
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "9p", "afs", "coda", "ceph", "glusterfs", "lustre", "gpfs",
    "ocfs2", "gfs2", "davfs", "fuse.sshfs", "fuse.glusterfs", "fuse.s3fs", "fuse.rclone", "fuse.davfs2", "fuse.cephfs",
    "fuse.gcsfuse", "fuse.juicefs", "fuse.objectivefs",
}


def _unescape(field: str) -> str:
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def fs_type(path: str, mounts_file: str = "/proc/mounts") -> str | None:
    """File system type of the mount that holds ``path`` (or the nearest existing parent)."""
    target, tail = os.path.abspath(path), []
    while not os.path.exists(target) and os.path.dirname(target) != target:
        target, name = os.path.split(target)
        tail.insert(0, name)
    target = os.path.join(os.path.realpath(target), *tail)
    best, kind = "", None
    try:
        with open(mounts_file, encoding="utf-8") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) < 3:
                    continue
                point = _unescape(parts[1])
                inside = target == point or target.startswith(point.rstrip("/") + "/") or point == "/"
                if inside and len(point) >= len(best):
                    best, kind = point, parts[2]
    except OSError:
        return None
    return kind


def check(config, mounts_file: str = "/proc/mounts") -> None:
    """Raise ConfigError when the index directory is on a network file system (unless allowed)."""
    from consult.core.config import ConfigError, _bool

    allowed = config.get("CONSULT_SEARCH_INDEX_ALLOW_NETWORK_FS")
    if isinstance(allowed, str):
        allowed = _bool(allowed)
    if allowed is None:
        allowed = _bool(os.environ.get("CONSULT_SEARCH_INDEX_ALLOW_NETWORK_FS"))
    path = config["CONSULT_SEARCH_INDEX"]
    kind = fs_type(path, mounts_file)
    if kind in NETWORK_FS and not allowed:
        raise ConfigError(
            f"検索索引のフォルダ {path} はネットワークファイルシステム（{kind}）上にあります。"
            "索引はホストごとにローカルディスクに置いてください（複数のホストで共有すると壊れます）。"
            "1台だけで使う場合に限り CONSULT_SEARCH_INDEX_ALLOW_NETWORK_FS=1 で起動できます。")
