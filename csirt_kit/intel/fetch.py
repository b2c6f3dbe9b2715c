"""Read a feed's files from a folder or over http(s), turning failures into our errors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests

from csirt_kit.errors import AuthError, ServerError
from csirt_kit.redaction import redact

USER_AGENT = "csirt-kit"


class MissingFile(Exception):
    """One file of a feed cannot be had (absent, unreadable, 404): report it and go on."""


def quiet_insecure_warning() -> None:
    """urllib3 warns on every unverified request; the CLI warns once per source instead."""
    import urllib3

    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)


@dataclass
class Location:
    """A feed root: a folder path, a file path, or an http(s) URL."""

    name: str
    root: str
    timeout: float = 60.0
    verify: bool | str = True
    _session: requests.Session | None = None

    @property
    def is_url(self) -> bool:
        """True for http(s) roots."""
        return self.root.startswith(("http://", "https://"))

    def read(self, relative: str = "") -> bytes:
        """The bytes of a file below the root ('' = the root itself, for single-file lists)."""
        if self.is_url:
            return self._get(relative)
        path = Path(self.root).expanduser()
        target = path / relative if relative else path
        try:
            return target.read_bytes()
        except FileNotFoundError:
            raise MissingFile(f"{target}: file not found") from None
        except IsADirectoryError:
            raise MissingFile(f"{target}: is a folder, expected a file") from None
        except OSError as exc:
            raise MissingFile(f"{target}: cannot read: {exc.strerror or exc}") from None

    def where(self, relative: str = "") -> str:
        """The file's full location for messages."""
        if not relative:
            return self.root
        if self.is_url:
            return urljoin(self.root.rstrip("/") + "/", relative)
        return str(Path(self.root).expanduser() / relative)

    def _get(self, relative: str) -> bytes:
        url = self.where(relative)
        if self._session is None:
            if self.verify is False:
                quiet_insecure_warning()
            self._session = requests.Session()
            self._session.headers["User-Agent"] = USER_AGENT
        try:
            resp = self._session.get(url, timeout=(min(10.0, self.timeout), self.timeout),
                                     verify=self.verify)
        except requests.exceptions.SSLError as exc:
            raise ServerError(f"TLS error: {redact(str(exc))[:300]}", where=f"feed {self.name} ({url})",
                              fix="check the certificate, or set ca_file for a private CA",
                              queued=True) from None
        except requests.exceptions.RequestException as exc:
            raise ServerError(f"unreachable: {type(exc).__name__}: {redact(str(exc))[:300]}",
                              where=f"feed {self.name} ({url})",
                              fix="check the network or the url; the next sync retries",
                              queued=True) from None
        if resp.status_code in (401, 403):
            raise AuthError(f"access refused (HTTP {resp.status_code})", where=f"feed {self.name} ({url})",
                            fix="check the feed's access rules")
        if resp.status_code == 404:
            raise MissingFile(f"{url}: HTTP 404 not found")
        if resp.status_code >= 500:
            raise ServerError(f"server error HTTP {resp.status_code}", where=f"feed {self.name} ({url})",
                              fix="the next sync retries", queued=True)
        if resp.status_code >= 400:
            raise MissingFile(f"{url}: HTTP {resp.status_code}")
        return resp.content

    def close(self) -> None:
        """Close the HTTP session, if any."""
        if self._session is not None:
            self._session.close()
            self._session = None
