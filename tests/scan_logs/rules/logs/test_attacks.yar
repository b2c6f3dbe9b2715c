// Test rules for the log scanner tests (harmless strings; not the bundled rules).
rule test_sqli : log_attack
{
    meta:
        description = "test: SQL injection probe in a request"
        severity = "high"
    strings:
        $a = "UNION%20SELECT" nocase
        $b = "' OR '1'='1"
    condition:
        any of them
}

rule test_scanner_ua : scanner
{
    meta:
        description = "test: scanner user agent"
        severity = "low"
    strings:
        $a = "nikto-test-agent"
    condition:
        $a
}
