"""Evidence of findings: content-addressed blobs, capture at scan time, and export bundles."""

from csirt_kit.evidence.bundle import FORMATS, Bundle, build_bundle, write_bundle
from csirt_kit.evidence.collect import CaptureResult, capture
from csirt_kit.evidence.records import EvidenceFile, evidence_of
from csirt_kit.evidence.settings import EvidenceSettings, evidence_settings

__all__ = ["FORMATS", "Bundle", "CaptureResult", "EvidenceFile", "EvidenceSettings",
           "build_bundle", "capture", "evidence_of", "evidence_settings", "write_bundle"]
