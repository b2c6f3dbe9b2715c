"""Scanners: YARA rules on files, web pages and logs; IoCs in logs."""
