"""Validate a card against the bundled CHAI schema v0.2, offline (lxml: the ``compliance``
extra). The schema imports the W3C XML-DSig schema by URL; a resolver serves trustaudit's local
stand-in for it instead (``chai/NOTICE.md``), so nothing is fetched."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from ..extras import require

CHAI_DIR = Path(__file__).parent / "chai"
SCHEMA = CHAI_DIR / "schema.xsd"
XMLDSIG_URL = "http://www.w3.org/TR/xmldsig-core/xmldsig-core-schema.xsd"
XMLDSIG_STUB = CHAI_DIR / "xmldsig-stub.xsd"


@cache
def _schema() -> Any:
    require("compliance", "validating a CHAI model card")
    from lxml import etree

    class _Offline(etree.Resolver):
        def resolve(self, url: str, pubid: str, context: Any) -> Any:
            if url == XMLDSIG_URL:
                return self.resolve_filename(str(XMLDSIG_STUB), context)
            return None

    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_Offline())
    return etree.XMLSchema(etree.parse(str(SCHEMA), parser))


def card_problems(card: bytes) -> list[str]:
    """Every way ``card`` breaks the schema, as 'line N: message'; [] when it is valid."""
    from lxml import etree

    schema = _schema()
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    try:
        document = etree.fromstring(card, parser)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
