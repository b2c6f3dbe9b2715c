"""Asset inventories: read CSV, JSON, YAML and XLSX files into validated assets."""
