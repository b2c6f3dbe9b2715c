"""Threat intel: MISP servers and feeds, CSV/text lists, warninglists, expiry, correlation.

Entry points for the pipeline: ``csirt_kit.intel.sync.sync_sources`` and
``csirt_kit.intel.correlate.correlate``; for scanners: ``csirt_kit.intel.store``.
"""
