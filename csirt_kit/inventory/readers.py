"""Readers that turn an inventory file into rows of raw values with their line numbers."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from csirt_kit.errors import InputError

RawValue = str | list[Any] | int | float | bool | None
SUFFIXES = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".json": "json", ".yaml": "yaml",
            ".yml": "yaml", ".xlsx": "xlsx", ".xlsm": "xlsx"}


@dataclass(frozen=True)
class RawRow:
    """One inventory row: its location and its values keyed by the file's own column names."""

    line: int
    values: dict[str, RawValue]


@dataclass(frozen=True)
class RawTable:
    """A whole file: its columns (in order) and rows."""

    path: str
    columns: tuple[str, ...]
    rows: tuple[RawRow, ...]


def read_table(path: Path, encoding: str = "") -> RawTable:
    """Read an inventory file of any supported format."""
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"unsupported inventory format {path.suffix or '(no suffix)'}",
                         where=str(path), fix="use .csv, .json, .yaml/.yml or .xlsx")
    try:
        if fmt == "xlsx":
            return _read_xlsx(path)
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", where=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a folder, not an inventory file", where=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
    if not data.strip():
        raise InputError("empty file: no header and no assets", where=str(path),
                         fix="export the inventory again; the file has no content")
    text = _decode(data, path, encoding)
    if fmt == "csv":
        return _read_csv(text, path)
    if fmt == "json":
        return _read_json(text, path)
    return _read_yaml(text, path)


def _decode(data: bytes, path: Path, encoding: str) -> str:
    if encoding:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(f"cannot decode as {encoding}: {exc}", where=str(path)) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")  # Excel's "Unicode text" export
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02X} at line {line})",
            where=f"{path}:{line}",
            fix="save the file as 'CSV UTF-8' in the spreadsheet program, or pass "
                "--encoding cp1252 (or latin-1) if you know its encoding",
        ) from None


def _read_csv(text: str, path: Path) -> RawTable:
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    # A semicolon-separated file is common from Indonesian-locale Excel; but ';' also
    # separates values inside a cell, so only accept it when the header says so.
    header_line = sample.splitlines()[0] if sample.splitlines() else ""
    if dialect.delimiter == ";" and header_line.count(",") > 0:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError("empty file: no header row", where=str(path)) from None
    except csv.Error as exc:
        raise InputError(f"unreadable CSV header: {exc}", where=f"{path}:1") from None
    columns = tuple(h.strip() for h in header)
    rows: list[RawRow] = []
    line = reader.line_num + 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                if len(record) > len(columns):
                    extra = [c for c in record[len(columns):] if c.strip()]
                    if extra:
                        raise InputError(
                            f"row has {len(record)} cells but the header has {len(columns)}",
                            where=f"{path}:{line}",
                            fix="quote cells that contain the delimiter, or add header names",
                        )
                rows.append(RawRow(line, dict(zip(columns, record, strict=False))))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"unreadable CSV: {exc}", where=f"{path}:{line}") from None
    return RawTable(str(path), columns, tuple(rows))


def _records_from(data: Any, path: Path) -> list[Any]:
    if isinstance(data, dict):
        for key in ("assets", "aset", "items", "data"):
            if isinstance(data.get(key), list):
                return list(data[key])
        raise InputError("expected a list of assets or an object with an 'assets' list",
                         where=str(path))
    if isinstance(data, list):
        return data
    raise InputError("expected a list of assets", where=str(path))


def _line_index(text: str) -> list[int]:
    starts = [0]
    starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
    return starts


def _read_json(text: str, path: Path) -> RawTable:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", where=f"{path}:{exc.lineno}") from None
    records = _records_from(data, path)
    lines = _json_item_lines(text, len(records))
    return _table_from_records(records, lines, path)


def _json_item_lines(text: str, count: int) -> list[int]:
    """Line of each top-level array item, found by decoding items one by one."""
    import bisect

    starts = _line_index(text)
    decoder = json.JSONDecoder()
    pos = text.find("[")
    if text.lstrip().startswith("{"):
        key_pos = max(text.find('"assets"'), text.find('"aset"'), text.find('"items"'),
                      text.find('"data"'))
        pos = text.find("[", key_pos if key_pos >= 0 else 0)
    out: list[int] = []
    pos += 1
    while len(out) < count and pos > 0:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        out.append(bisect.bisect_right(starts, pos))
        try:
            _, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            break
    out.extend([0] * (count - len(out)))
    return out


def _read_yaml(text: str, path: Path) -> RawTable:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"invalid YAML: {problem}", where=where) from None
    records = _records_from(data, path)
    lines: list[int] = []
    seq = node
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(value, yaml.SequenceNode) and key.value in ("assets", "aset", "items",
                                                                       "data"):
                seq = value
                break
    if isinstance(seq, yaml.SequenceNode):
        lines = [item.start_mark.line + 1 for item in seq.value]
    return _table_from_records(records, lines, path)


def _table_from_records(records: list[Any], lines: list[int], path: Path) -> RawTable:
    columns: dict[str, None] = {}
    rows: list[RawRow] = []
    for i, record in enumerate(records):
        line = lines[i] if i < len(lines) else 0
        if not isinstance(record, dict):
            raise InputError(f"asset {i + 1} is not an object", where=f"{path}:{line}")
        values: dict[str, RawValue] = {}
        for key, value in record.items():
            columns.setdefault(str(key), None)
            values[str(key)] = value
        rows.append(RawRow(line, values))
    return RawTable(str(path), tuple(columns), tuple(rows))


def _read_xlsx(path: Path) -> RawTable:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InputError("file not found", where=str(path)) from None
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"not a readable XLSX workbook: {exc}", where=str(path),
                         fix="save it again from the spreadsheet program as .xlsx") from None
    try:
        sheet = workbook.worksheets[0]
        raw_rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    from csirt_kit.inventory.fields import canonical_column

    # Title rows above the header are common: the header is the first row with at
    # least two known column names.
    header_index = None
    for i, row in enumerate(raw_rows[:15]):
        known = [c for c in row if isinstance(c, str) and canonical_column(c)]
        if len(known) >= 2:
            header_index = i
            break
    if not raw_rows or all(all(c is None for c in r) for r in raw_rows):
        raise InputError("empty workbook: no header and no assets", where=str(path))
    if header_index is None:
        raise InputError("no header row found in the first 15 rows", where=f"{path}:1",
                         fix="put column names such as id, name, kind, owner, urls in one row")
    header = raw_rows[header_index]
    data_rows = raw_rows[header_index + 1:]
    width = max((len(r) for r in raw_rows), default=0)
    header += [None] * (width - len(header))
    columns: list[str] = []
    for col, name in enumerate(header):
        if name is None or str(name).strip() == "":
            used = any(col < len(r) and r[col] not in (None, "") for r in data_rows)
            if used:
                letter = _column_letter(col)
                raise InputError(
                    f"column {letter} has values but no name in the header row (merged header "
                    "cells?)",
                    where=f"{path}:{header_index + 1}",
                    fix="unmerge the header cells and give every column its own name",
                )
            columns.append("")
        else:
            columns.append(str(name).strip())
    rows: list[RawRow] = []
    for offset, row in enumerate(data_rows):
        if all(c is None or str(c).strip() == "" for c in row):
            continue
        values: dict[str, RawValue] = {}
        for col, name in enumerate(columns):
            if name and col < len(row):
                cell = row[col]
                values[name] = "" if cell is None else (cell if isinstance(cell, int | float)
                                                        else str(cell))
        rows.append(RawRow(header_index + offset + 2, values))
    return RawTable(str(path), tuple(c for c in columns if c), tuple(rows))


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def iter_rows(table: RawTable) -> Iterator[RawRow]:
    """Rows of a table, in file order."""
    yield from table.rows
