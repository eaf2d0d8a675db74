"""Validate rendered gateway artifacts with the real tools installed on this machine.

* ``nft -c -f <file>`` — nftables check mode (the files are self-contained: they create,
  delete and re-create their own table, so they load on an empty ruleset too);
* ``squid -k parse -f <file>`` — squid's parser; any ``FATAL``/``ERROR``/``WARNING`` line (and
  squid's ``Warning: empty ACL``…) counts as a failure, whatever the exit code. The SslBump
  include needs a squid built with OpenSSL (Debian: ``squid-openssl``) and a CA certificate:
  with such a squid the include is checked against a throw-away self-signed certificate;
  with a GnuTLS-only squid it is replaced by a plain ``http_port`` line and the include's
  result is reported as *skipped* (not ok). ``TSUNAGU_SQUID`` names another squid binary;
* ``postmap -c <dir with empty main.cf> hash:<file>`` for hash tables, and
  ``postmap -q probe regexp:<file>`` for regexp tables (postmap reports bad lines as
  ``warning:`` with exit code 0, so warnings count as failures);
* ``node --check`` for PAC files (skipped when node is missing: not a declared dependency).

Everything runs in a fresh temporary directory with a timeout. A missing tool gives a failed
result whose message says which Debian package to install (``make system-deps``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

TIMEOUT = 60
MAX_ERROR_LINES = 8
PACKAGES = {
    "nft": "nftables",
    "squid": "squid-openssl (or squid)",
    "postmap": "postfix",
    "node": "nodejs",
}
SSL_BUMP_INCLUDE = re.compile(r"^include\s+\S*/ssl_bump\.conf\s*$", re.M)


class ToolMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class ValidationResult:
    tool: str
    path: str
    ok: bool
    exit_code: int | None
    errors: tuple[str, ...] = ()
    skipped: bool = False
    note: str = ""
    command: tuple[str, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        state = "skipped" if self.skipped else ("ok" if self.ok else "FAILED")
        head = f"{self.tool} {self.path}: {state} (exit {self.exit_code})"
        return "\n".join(
            [head, *(f"  {e}" for e in self.errors), *([f"  {self.note}"] if self.note else [])]
        )


def _which(tool: str) -> str:
    env = os.environ.get(f"TSUNAGU_{tool.upper()}")
    if env:
        return env
    found = shutil.which(tool) or next(
        (str(p) for d in ("/usr/sbin", "/sbin", "/usr/bin") if (p := Path(d) / tool).exists()), None
    )
    if not found:
        raise ToolMissing(
            f"{tool} is not installed: install the Debian package {PACKAGES.get(tool, tool)} "
            "(make system-deps)"
        )
    return found


def _missing(tool: str, path: str, exc: ToolMissing) -> ValidationResult:
    return ValidationResult(tool, path, False, None, (str(exc),))


def _run(cmd: Sequence[str], cwd: Path, *, stdin: str | None = None) -> tuple[int | None, str]:
    try:
        proc = subprocess.run(  # noqa: S603 - fixed tool, our own temp files
            list(cmd),
            cwd=cwd,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
            env={**os.environ, "LC_ALL": "C"},
        )
    except subprocess.TimeoutExpired:
        return None, f"timed out after {TIMEOUT} s"
    return proc.returncode, (proc.stderr or "") + (proc.stdout or "")


def _first(lines: Sequence[str]) -> tuple[str, ...]:
    return tuple(line.strip() for line in lines if line.strip())[:MAX_ERROR_LINES]


# --------------------------------------------------------------------------- nftables


def validate_nft(text: str, path: str = "nftables.nft") -> ValidationResult:
    try:
        nft = _which("nft")
    except ToolMissing as exc:
        return _missing("nft", path, exc)
    with tempfile.TemporaryDirectory(prefix="tsunagu-nft-") as tmp:
        file = Path(tmp) / "ruleset.nft"
        file.write_text(text)
        cmd = (nft, "-c", "-f", str(file))
        code, out = _run(cmd, Path(tmp))
    errors = _first(out.replace(str(file), path).splitlines())
    return ValidationResult("nft", path, code == 0, code, () if code == 0 else errors, command=cmd)


# --------------------------------------------------------------------------- squid


@lru_cache(maxsize=4)
def _squid_has_openssl(squid: str) -> bool:
    code, out = _run((squid, "-v"), Path(tempfile.gettempdir()))
    return code == 0 and "--with-openssl" in out


def squid_supports_ssl_bump() -> bool:
    try:
        return _squid_has_openssl(_which("squid"))
    except ToolMissing:
        return False


def _self_signed(directory: Path) -> Path:
    """A throw-away CA certificate + key (PEM, one file) for SslBump's ``tls-cert=``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tsunagu validator CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = directory / "bump-ca.pem"
    path.write_bytes(pem)
    return path


_SQUID_NOISE = re.compile(
    r"Startup:|Processing|Initializ|Not currently OK to rewrite swap log|storeDirWriteCleanLogs|"
    r"Terminated abnormally|CPU Usage|Maximum Resident Size|Page faults|^\s*$"
)
_SQUID_BAD = re.compile(r"FATAL|ERROR|WARNING|Warning|unrecognized|Bungled", re.I)


def _squid_parse(
    squid: str, conf: Path, cwd: Path
) -> tuple[int | None, tuple[str, ...], tuple[str, ...]]:
    cmd = (squid, "-k", "parse", "-f", str(conf))
    code, out = _run(cmd, cwd)
    lines = [
        re.sub(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(\.\d+)?\|\s*", "", line)
        for line in out.splitlines()
    ]
    bad = [line for line in lines if _SQUID_BAD.search(line) and not _SQUID_NOISE.search(line)]
    return code, tuple(bad), cmd


def validate_squid(
    text: str, ssl_bump: str | None = None, path: str = "squid/squid.conf"
) -> list[ValidationResult]:
    """``squid.conf`` and, when given, its SslBump include (two results when ``ssl_bump``)."""
    bump_path = str(Path(path).with_name("ssl_bump.conf"))
    try:
        squid = _which("squid")
    except ToolMissing as exc:
        return [_missing("squid", path, exc)] + (
            [_missing("squid", bump_path, exc)] if ssl_bump is not None else []
        )
    results: list[ValidationResult] = []
    with tempfile.TemporaryDirectory(prefix="tsunagu-squid-") as tmp:
        root = Path(tmp)
        has_include = bool(SSL_BUMP_INCLUDE.search(text))
        full = ssl_bump is not None and has_include and _squid_has_openssl(squid)
        if full:
            assert ssl_bump is not None
            cert = _self_signed(root)
            bump = re.sub(r"tls-cert=\S+", f"tls-cert={cert}", ssl_bump)
            bump = re.sub(r"-s \S+/ssl_db", f"-s {root}/ssl_db", bump)
            (root / "ssl_bump.conf").write_text(bump)
            main = SSL_BUMP_INCLUDE.sub(f"include {root}/ssl_bump.conf", text)
        else:
            # Stand-in for the include: squid needs a listening port to be a valid config.
            main = SSL_BUMP_INCLUDE.sub("http_port 3128", text)
        conf = root / "squid.conf"
        conf.write_text(main)
        code, bad, cmd = _squid_parse(squid, conf, root)
    ok = code == 0 and not bad
    errors = tuple(e.replace(str(conf), path) for e in bad)[:MAX_ERROR_LINES]
    if full:
        results.append(ValidationResult("squid", path, ok, code, errors, command=cmd))
        results.append(
            ValidationResult(
                "squid",
                bump_path,
                ok,
                code,
                errors,
                note="checked together with squid.conf, with a throw-away CA certificate",
                command=cmd,
            )
        )
        return results
    results.append(ValidationResult("squid", path, ok, code, errors, command=cmd))
    if ssl_bump is not None:
        results.append(
            ValidationResult(
                "squid",
                bump_path,
                False,
                None,
                skipped=True,
                note=(
                    "not checked: this squid is built without OpenSSL (no SslBump); "
                    "install squid-openssl or set TSUNAGU_SQUID"
                    if has_include
                    else "not checked: squid.conf does not include ssl_bump.conf"
                ),
            )
        )
    return results


# --------------------------------------------------------------------------- postfix


def _postmap_one(
    postmap: str, root: Path, work: Path, name: str, text: str, path: str
) -> ValidationResult:
    work.mkdir()
    file = work / name
    file.write_text(text)
    if name == "header_checks" or (text.lstrip().startswith("/") and "regexp" in name):
        cmd: tuple[str, ...] = (postmap, "-c", str(root), "-q", "Subject: probe", f"regexp:{file}")
        code, out = _run(cmd, work)
        code = 0 if code == 1 else code  # 1 = probe not found, the table itself is fine
    else:
        cmd = (postmap, "-c", str(root), f"hash:{file}")
        code, out = _run(cmd, work)
    bad = [
        line.replace(str(file), path)
        for line in out.splitlines()
        if re.search(r"\b(warning|fatal|error):", line)
    ]
    ok = code == 0 and not bad
    return ValidationResult("postmap", path, ok, code, _first(bad) if not ok else (), command=cmd)


def validate_postmap(maps: Mapping[str, str]) -> list[ValidationResult]:
    """One result per table; ``maps`` is path → content (``…/header_checks`` is a regexp
    table, everything else a hash table)."""
    results: list[ValidationResult] = []
    try:
        postmap = _which("postmap")
    except ToolMissing as exc:
        return [_missing("postmap", p, exc) for p in maps]
    with tempfile.TemporaryDirectory(prefix="tsunagu-postmap-") as tmp:
        root = Path(tmp)
        main_cf = root / "main.cf"
        main_cf.write_text("")
        # Postfix waits (0.3 s steps, ~2 s) while main.cf looks freshly edited: age it.
        old = dt.datetime.now(dt.UTC).timestamp() - 60
        os.utime(main_cf, (old, old))
        for n, (path, text) in enumerate(sorted(maps.items())):
            results.append(_postmap_one(postmap, root, root / f"t{n}", Path(path).name, text, path))
    return results


# --------------------------------------------------------------------------- PAC


def validate_pac(text: str, path: str = "proxy.pac") -> ValidationResult:
    try:
        node = _which("node")
    except ToolMissing as exc:
        return ValidationResult("node", path, False, None, skipped=True, note=str(exc))
    with tempfile.TemporaryDirectory(prefix="tsunagu-pac-") as tmp:
        file = Path(tmp) / "proxy.js"
        file.write_text(text)
        cmd = (node, "--check", str(file))
        code, out = _run(cmd, Path(tmp))
    ok = code == 0 and "function FindProxyForURL" in text
    errors = (
        () if ok else (_first(out.replace(str(file), path).splitlines()) or ("no FindProxyForURL",))
    )
    return ValidationResult("node", path, ok, code, errors, command=cmd)


# --------------------------------------------------------------------------- all


def validate_artifacts(files: Mapping[str, str]) -> list[ValidationResult]:
    """Validate every artifact a validator exists for; one result per file (sorted by path).

    Palo Alto XML and SRX files are checked for well-formedness only (no vendor tool here):
    XML parses, Junos braces balance.
    """
    results: list[ValidationResult] = []
    maps: dict[str, str] = {}
    batched = _batched(files, ".nft", validate_nft) | _batched(files, ".pac", validate_pac)
    for path, text in sorted(files.items()):
        if path in batched:
            results.append(batched[path])
        elif path.endswith(".nft"):
            results.append(validate_nft(text, path))
        elif path.endswith("squid.conf"):
            bump = files.get(str(Path(path).with_name("ssl_bump.conf")))
            results.extend(validate_squid(text, bump, path))
        elif path.endswith("ssl_bump.conf"):
            if str(Path(path).with_name("squid.conf")) not in files:
                results.append(
                    ValidationResult("squid", path, False, None, ("needs its squid.conf",))
                )
            # otherwise validated (and reported) together with squid.conf
        elif path.startswith("postfix/"):
            maps[path] = text
        elif path.endswith(".pac"):
            results.append(validate_pac(text, path))
        elif path.endswith(".xml"):
            results.append(_validate_xml(text, path))
        elif path.startswith("srx/"):
            results.append(_validate_braces(text, path))
        else:
            results.append(
                ValidationResult("-", path, False, None, ("no validator for this artifact",))
            )
    results.extend(validate_postmap(maps))
    return sorted(results, key=lambda r: r.path)


def _batched(
    files: Mapping[str, str], suffix: str, check: Callable[[str, str], ValidationResult]
) -> dict[str, ValidationResult]:
    """Check many self-contained files of one kind in a single tool run (each nft file is its
    own table, each PAC a function declaration). Only when the combined run fails is every file
    checked on its own, to name the culprit; an empty result means "check them one by one"."""
    chosen = {p: t for p, t in files.items() if p.endswith(suffix)}
    if len(chosen) < 2:
        return {}
    joined = "\n".join(chosen[p] for p in sorted(chosen))
    combined = check(joined, f"{len(chosen)} {suffix} files")
    if not combined.ok or combined.skipped:
        return {}
    note = f"checked together with {len(chosen) - 1} other {suffix} files"
    return {
        p: ValidationResult(combined.tool, p, True, 0, note=note, command=combined.command)
        for p in chosen
    }


def _validate_xml(text: str, path: str) -> ValidationResult:
    from xml.dom import minidom

    try:
        minidom.parseString(text)  # noqa: S318 - our own generated document
    except Exception as exc:
        return ValidationResult("xml", path, False, None, (str(exc),))
    return ValidationResult("xml", path, True, 0, note="well-formedness only")


def _validate_braces(text: str, path: str) -> ValidationResult:
    depth = 0
    for n, line in enumerate(text.splitlines(), 1):
        depth += line.count("{") - line.count("}")
        if depth < 0:
            return ValidationResult(
                "junos-syntax", path, False, None, (f"line {n}: unbalanced '}}'",)
            )
    if depth:
        return ValidationResult("junos-syntax", path, False, None, (f"{depth} unclosed '{{'",))
    return ValidationResult("junos-syntax", path, True, 0, note="brace balance only")
